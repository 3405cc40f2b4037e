// The producer send loop against librdkafka's mock cluster: open-loop sending at the scheduled
// rate, and the stalled-broker check: a broker that stops answering for a second during a
// constant-rate run shows up as >= 1 s of publish latency at the high percentiles, not as a lower
// send rate.
#include "harness/producer_worker.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <thread>

#include "harness/kafka_driver.h"

namespace kbench::harness {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

Workload ConstantRate(int64_t rate, int32_t partitions) {
  Workload w;
  w.name = "stall";
  w.partitions_per_topic = partitions;
  w.producer_rate = rate;
  w.message_size.size = 200;
  return w;
}

class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mock_ = rd_kafka_mock_cluster_new(owner_, 3);
    rd_kafka_mock_topic_create(mock_, "stall", 3, 3);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(owner_);
  }
  rd_kafka_mock_cluster_t* get() { return mock_; }

 private:
  rd_kafka_t* owner_;
  rd_kafka_mock_cluster_t* mock_;
};

TEST(ProducerSchedule, SplitsTheTotalRateAcrossProducers) {
  Workload w = ConstantRate(9000, 3);
  w.topics = 1;
  w.producers_per_topic = 3;
  EXPECT_DOUBLE_EQ(ProducerSchedule(w, 0).rate, 3000);
  w.rate_shape = RateShape::kSteps;
  w.rate_steps = {{.at_s = 0, .rate = 300}, {.at_s = 5, .rate = 600}};
  EXPECT_DOUBLE_EQ(ProducerSchedule(w, 1).steps[1].rate, 200);
  EXPECT_NE(ProducerSchedule(w, 0).seed, ProducerSchedule(w, 1).seed);
}

TEST(ProducerWorker, StalledBrokerShowsAsLatencyNotAsALowerRate) {
  MockCluster mock;
  const Workload w = ConstantRate(2000, 3);
  PartitionIndex partitions({"stall"}, 3);
  ClockMapping clock;
  DurabilityAudit audit;
  LatencyRecorder publish, delay;
  KafkaProducerOptions po;
  po.bootstrap = rd_kafka_mock_cluster_bootstraps(mock.get());
  po.config = {{"acks", "all"}, {"linger.ms", "1"}};
  po.partitions = &partitions;
  po.audits = {&audit};
  po.publish_latency = &publish;
  po.clock = &clock;
  auto producer = KafkaProducer::Create(po);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE((*producer)->Flush(10'000).ok());

  ProducerWorkerOptions o;
  o.start_ns = MonoNanos();
  o.sender = producer->get();
  o.clock = &clock;
  o.pacer_clock = SystemPacerClock::Get();
  o.publish_delay = &delay;
  auto worker = ProducerWorker::Create(w, o);
  ASSERT_TRUE(worker.ok()) << worker.status().ToString();

  // One second into a three-second run every broker stops answering for 1.2 s (responses held
  // back).
  std::thread stall([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    rd_kafka_mock_broker_set_rtt(mock.get(), -1, 1200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    rd_kafka_mock_broker_set_rtt(mock.get(), -1, 0);
  });
  ASSERT_TRUE((*worker)->Run(o.start_ns + 3 * kSecond).ok());
  stall.join();
  ASSERT_TRUE((*producer)->Flush(30'000).ok());

  // Open loop: every scheduled message was sent, stall or not.
  EXPECT_EQ((*worker)->sent(), 6000);
  EXPECT_EQ((*producer)->acked(), 6000);
  results::HdrHistogram lat, del;
  publish.TakeInterval(&lat);
  delay.TakeInterval(&del);
  EXPECT_EQ(lat.TotalCount(), 6000);
  EXPECT_EQ(del.TotalCount(), 6000);
  // The stall is in the tail of publish latency: at least the held-back RTT, minus scheduling
  // slack.
  EXPECT_GE(lat.ValueAtPercentile(99.0), 1'000'000'000) << "p99 " << lat.ValueAtPercentile(99.0);
  EXPECT_GE(lat.Max(), 1'100'000'000);
  const AuditReport r = audit.Reconcile();
  EXPECT_EQ(r.total.acked, 6000);
}

}  // namespace
}  // namespace kbench::harness
