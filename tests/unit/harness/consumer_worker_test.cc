// Consumer worker + lag board against librdkafka's mock cluster: positions and log ends are posted
// per partition, so lag is known per partition and Burrow's evaluator can judge the group.
#include "harness/consumer_worker.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <thread>

#include "harness/kafka_driver.h"
#include "harness/lag_evaluator.h"
#include "harness/payload_format.h"

namespace kbench::harness {
namespace {

constexpr char kGroup[] = "lag-group";

class ConsumerWorkerTest : public ::testing::Test {
 protected:
  ConsumerWorkerTest() : partitions_({"lag"}, 4) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mock_ = rd_kafka_mock_cluster_new(owner_, 3);
    rd_kafka_mock_topic_create(mock_, "lag", 4, 3);
  }
  ~ConsumerWorkerTest() override {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(owner_);
  }

  void Produce(int n) {
    KafkaProducerOptions o;
    o.bootstrap = rd_kafka_mock_cluster_bootstraps(mock_);
    o.partitions = &partitions_;
    o.clock = &clock_;
    auto p = KafkaProducer::Create(o);
    ASSERT_TRUE(p.ok());
    std::vector<uint8_t> msg(64, 0);
    uint64_t seq[4] = {};
    for (int i = 0; i < n; ++i) {
      EncodePayloadHeader(
          {.producer_id = 0, .sequence = seq[i % 4]++, .intended_send_wall_ns = clock_.NowWall()},
          msg.data(), msg.size());
      ASSERT_TRUE((*p)->Send({.topic = 0, .partition = i % 4, .payload = msg}).ok());
    }
    ASSERT_TRUE((*p)->Flush(30'000).ok());
  }

  std::unique_ptr<KafkaConsumer> Consumer(double delay_ms) {
    KafkaConsumerOptions o;
    o.bootstrap = rd_kafka_mock_cluster_bootstraps(mock_);
    o.group_id = std::string(kGroup);
    o.topics = {"lag"};
    o.partitions = &partitions_;
    o.clock = &clock_;
    o.processing_delay_ms = delay_ms;
    auto c = KafkaConsumer::Create(o);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  rd_kafka_t* owner_;
  rd_kafka_mock_cluster_t* mock_;
  PartitionIndex partitions_;
  ClockMapping clock_;
  LagBoard board_;
};

TEST_F(ConsumerWorkerTest, CaughtUpConsumerPostsZeroLagPerPartition) {
  Produce(1000);
  auto c = Consumer(0);
  ConsumerWorker w(
      {.group = kGroup, .consumer = c.get(), .board = &board_, .report_interval_ms = 100});
  std::thread t([&] { w.Run(MonoNanos() + 60'000'000'000); });
  const int64_t deadline = MonoNanos() + 30'000'000'000;
  while (c->consumed() < 1000 && MonoNanos() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  w.Stop();
  t.join();
  EXPECT_EQ(c->consumed(), 1000);
  const auto snapshot = board_.Snapshot();
  ASSERT_EQ(snapshot.size(), 4u);
  int64_t positions = 0;
  for (const auto& [key, post] : snapshot) {
    EXPECT_EQ(key.first, kGroup);
    EXPECT_EQ(post.lag(), 0) << partitions_.Name(key.second);
    EXPECT_EQ(post.log_end, 250);
    positions += post.position;
  }
  EXPECT_EQ(positions, 1000);
}

TEST_F(ConsumerWorkerTest, SlowConsumerFallsBehindAndBurrowSaysSo) {
  Produce(2000);
  auto c = Consumer(2.0);  // 500 msg/s at most
  ConsumerWorker w(
      {.group = kGroup, .consumer = c.get(), .board = &board_, .report_interval_ms = 100});
  std::thread t([&] { w.Run(MonoNanos() + 60'000'000'000); });
  // Once it is fetching (the group join takes a few seconds on the mock), let it fall behind a
  // while.
  const int64_t deadline = MonoNanos() + 30'000'000'000;
  while (c->consumed() < 100 && MonoNanos() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  w.Stop();
  t.join();
  EXPECT_GT(c->consumed(), 0);
  EXPECT_LT(c->consumed(), 2000);
  LagEvaluator evaluator;
  int64_t total_lag = 0;
  for (const auto& [key, post] : board_.Drain()) {
    evaluator.AddCommit(key.first, partitions_.Name(key.second), post.time_ms, post.position,
                        post.log_end);
  }
  for (const auto& [key, post] : board_.Snapshot()) total_lag += post.lag();
  EXPECT_EQ(total_lag, 2000 - c->consumed());
  // Still committing (just now), lag never zero: the group is not OK.
  const GroupLagEvaluation e = evaluator.Evaluate(kGroup, MonoMillis());
  EXPECT_NE(e.status, GroupLagStatus::kOk);
}

}  // namespace
}  // namespace kbench::harness
