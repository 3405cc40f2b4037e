// The kafka driver against librdkafka's mock cluster (real librdkafka clients, a mock Kafka cluster
// on loopback): every delivery report and every consumed message reaches the audit and the latency
// recorders, and the audit finds the loss and duplication injected with the mock's fault hooks.
#include "harness/kafka_driver.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <thread>

#include "harness/payload_format.h"

namespace kbench::harness {
namespace {

constexpr char kTopic[] = "kb-audit";
constexpr int kPartitions = 4;
constexpr int16_t kProduceApiKey = 0;

// A mock cluster of 3 brokers, owned by a throwaway librdkafka handle.
class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err,
                      sizeof(err));  // it has no bootstrap.servers on purpose
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mock_ = rd_kafka_mock_cluster_new(owner_, 3);
    rd_kafka_mock_topic_create(mock_, kTopic, kPartitions, 3);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(owner_);
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mock_); }
  rd_kafka_mock_cluster_t* get() { return mock_; }

 private:
  rd_kafka_t* owner_;
  rd_kafka_mock_cluster_t* mock_;
};

class KafkaDriverTest : public ::testing::Test {
 protected:
  KafkaDriverTest() : partitions_({kTopic}, kPartitions) {}

  std::unique_ptr<KafkaProducer> Producer(std::map<std::string, std::string> config) {
    KafkaProducerOptions o;
    o.bootstrap = mock_.bootstrap();
    o.config = std::move(config);
    o.producer_id = 7;
    o.partitions = &partitions_;
    o.audits = {&audit_};
    o.publish_latency = &publish_;
    o.clock = &clock_;
    auto p = KafkaProducer::Create(o);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  std::unique_ptr<KafkaConsumer> Consumer(const std::string& group,
                                          std::map<std::string, std::string> config = {}) {
    KafkaConsumerOptions o;
    o.bootstrap = mock_.bootstrap();
    o.group_id = group;
    o.topics = {kTopic};
    o.config = std::move(config);
    o.partitions = &partitions_;
    o.audit = &audit_;
    o.e2e_latency = &e2e_;
    o.clock = &clock_;
    auto c = KafkaConsumer::Create(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // Sends `n` messages round-robin over the partitions with dense per-partition sequences.
  void Produce(KafkaProducer& p, int n) {
    std::vector<uint8_t> msg(100, 0);
    for (int i = 0; i < n; ++i) {
      const int32_t partition = i % kPartitions;
      EncodePayloadHeader({.producer_id = 7,
                           .sequence = next_seq_[partition]++,
                           .intended_send_wall_ns = clock_.NowWall()},
                          msg.data(), msg.size());
      ASSERT_TRUE(p.Send({.topic = 0, .partition = partition, .payload = msg}).ok());
      p.Poll(0);
    }
  }

  // Sends `n` messages to one partition, each in its own request (flushed one by one).
  void ProduceOneByOne(KafkaProducer& p, int32_t partition, int n) {
    std::vector<uint8_t> msg(100, 0);
    for (int i = 0; i < n; ++i) {
      EncodePayloadHeader({.producer_id = 7,
                           .sequence = next_seq_[partition]++,
                           .intended_send_wall_ns = clock_.NowWall()},
                          msg.data(), msg.size());
      ASSERT_TRUE(p.Send({.topic = 0, .partition = partition, .payload = msg}).ok());
      ASSERT_TRUE(p.Flush(10'000).ok());
    }
  }

  // Consumes until `want` messages arrived (or 30 s passed: a bounded wait, not a timing
  // assertion).
  int64_t ConsumeUntil(KafkaConsumer& c, int64_t want) {
    const int64_t deadline = MonoNanos() + 30'000'000'000;
    while (c.consumed() < want && MonoNanos() < deadline) c.Poll(100);
    return c.consumed();
  }

  MockCluster mock_;
  PartitionIndex partitions_;
  ClockMapping clock_;
  DurabilityAudit audit_;
  LatencyRecorder publish_, e2e_;
  uint64_t next_seq_[kPartitions] = {};
};

TEST_F(KafkaDriverTest, CleanRunAuditsAndTimesEveryMessage) {
  auto p = Producer({{"acks", "all"}});
  Produce(*p, 2000);
  ASSERT_TRUE(p->Flush(30'000).ok());
  EXPECT_EQ(p->acked(), 2000);
  EXPECT_EQ(p->acked_bytes(), 2000 * 100);
  auto c = Consumer("g-clean");
  EXPECT_EQ(ConsumeUntil(*c, 2000), 2000);
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.acked, 2000);
  EXPECT_EQ(r.total.consumed, 2000);
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.duplicated, 0);
  EXPECT_EQ(r.total.out_of_order, 0);
  EXPECT_EQ(r.by_partition.size(), static_cast<size_t>(kPartitions));
  results::HdrHistogram pub, e2e;
  publish_.TakeInterval(&pub);
  e2e_.TakeInterval(&e2e);
  EXPECT_EQ(pub.TotalCount(), 2000);
  EXPECT_EQ(e2e.TotalCount(), 2000);
  EXPECT_GT(e2e.Min(), 0);
  EXPECT_EQ(c->Positions().size(), static_cast<size_t>(kPartitions));
}

TEST_F(KafkaDriverTest, RetriableProduceErrorsAreRetriedWithoutLoss) {
  rd_kafka_mock_push_request_errors(
      mock_.get(), kProduceApiKey, 5, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  auto p = Producer({{"acks", "all"}, {"retry.backoff.ms", "10"}});
  Produce(*p, 1000);
  ASSERT_TRUE(p->Flush(30'000).ok());
  EXPECT_EQ(p->acked(), 1000);
  EXPECT_EQ(p->failed(), 0);
  auto c = Consumer("g-retry");
  ConsumeUntil(*c, 1000);
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.duplicated, 0);
  EXPECT_EQ(r.total.consumed, 1000);
}

TEST_F(KafkaDriverTest, NonRetriableErrorsFailMessagesWhichAreNotCountedAsLoss) {
  rd_kafka_mock_push_request_errors(mock_.get(), kProduceApiKey, 2,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  auto p = Producer({{"acks", "all"}, {"linger.ms", "0"}});
  Produce(*p, 200);
  ASSERT_TRUE(p->Flush(30'000).ok());
  EXPECT_GT(p->failed(), 0);
  EXPECT_EQ(p->acked() + p->failed(), 200);
  EXPECT_GT(p->errors_by_code().at("TOPIC_AUTHORIZATION_FAILED"), 0);
  auto c = Consumer("g-fail");
  ConsumeUntil(*c, p->acked());
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.failed, p->failed());
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.unacked_delivered, 0);  // the broker really did not write them
}

// acks=0: the client counts a message delivered once it is on the wire. The broker drops the
// requests the mock fails: acknowledged (in acks=0's sense) and never consumed, exactly what the
// audit calls lost.
TEST_F(KafkaDriverTest, AuditFindsMessagesDroppedBehindAcksZero) {
  auto p = Producer({{"acks", "0"}, {"linger.ms", "0"}});
  Produce(*p, 100);  // a clean first batch over every partition
  ASSERT_TRUE(p->Flush(30'000).ok());
  auto c = Consumer("g-acks0");
  // acks=0: flushed means written to the socket, not processed; once consumed, the broker is done
  // with it.
  ASSERT_EQ(ConsumeUntil(*c, 100), 100);
  // The next three Produce requests fail inside the broker (not appended); acks=0 never hears of
  // it.
  rd_kafka_mock_push_request_errors(
      mock_.get(), kProduceApiKey, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  ProduceOneByOne(*p, 2, 10);  // ten requests of one message each to partition 2
  EXPECT_EQ(p->acked(), 110);
  ConsumeUntil(*c, 107);
  // Give a straggler the chance to show up: it must not (a bounded extra poll, not a timing
  // assertion).
  for (int i = 0; i < 10; ++i) c->Poll(100);
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.acked, 110);
  EXPECT_EQ(r.total.lost, 3);
  EXPECT_EQ(r.by_partition.at(2).lost, 3);
  ASSERT_EQ(r.lost_ranges.size(), 1u);  // the first three of the ten
  EXPECT_EQ(r.lost_ranges[0].producer, 7u);
  EXPECT_EQ(r.lost_ranges[0].partition, 2u);
  EXPECT_EQ(r.lost_ranges[0].first, 25u);  // partition 2 had sequences 0..24 from the first batch
  EXPECT_EQ(r.lost_ranges[0].last, 27u);
}

TEST_F(KafkaDriverTest, LeaderDownAndMovedLosesNothingWithAcksAll) {
  auto p = Producer({{"acks", "all"}, {"retry.backoff.ms", "10"}, {"message.timeout.ms", "60000"}});
  Produce(*p, 500);
  ASSERT_TRUE(p->Flush(30'000).ok());
  rd_kafka_mock_broker_set_down(mock_.get(), 1);
  std::thread failover([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int part = 0; part < kPartitions; ++part)
      rd_kafka_mock_partition_set_leader(mock_.get(), kTopic, part, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    rd_kafka_mock_broker_set_up(mock_.get(), 1);
  });
  Produce(*p, 500);
  const Status flushed = p->Flush(60'000);
  failover.join();
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_EQ(p->acked(), 1000);
  auto c = Consumer("g-failover");
  ConsumeUntil(*c, 1000);
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.consumed - r.total.duplicated, 1000);
}

// A consumer that never commits leaves the group; its successor in the same group starts over:
// every message is delivered twice, which the audit reports as duplicated (not lost, not out of
// order).
TEST_F(KafkaDriverTest, RedeliveryAfterAnUncommittedRestartIsCountedAsDuplicates) {
  auto p = Producer({{"acks", "all"}});
  Produce(*p, 400);
  ASSERT_TRUE(p->Flush(30'000).ok());
  {
    auto first = Consumer("g-dup", {{"enable.auto.commit", "false"},
                                    {"session.timeout.ms", "6000"},
                                    {"heartbeat.interval.ms", "500"}});
    EXPECT_EQ(ConsumeUntil(*first, 400), 400);
    ASSERT_TRUE(first->Close().ok());
  }
  auto second = Consumer("g-dup", {{"enable.auto.commit", "false"},
                                   {"session.timeout.ms", "6000"},
                                   {"heartbeat.interval.ms", "500"}});
  EXPECT_EQ(ConsumeUntil(*second, 400), 400);
  const AuditReport r = audit_.Reconcile();
  EXPECT_EQ(r.total.consumed, 800);
  EXPECT_EQ(r.total.duplicated, 400);
  EXPECT_EQ(r.total.lost, 0);
  EXPECT_EQ(r.total.out_of_order, 0);
}

TEST_F(KafkaDriverTest, ForeignMessagesAreSkippedAndBadConfigIsRefused) {
  KafkaProducerOptions o;
  o.bootstrap = mock_.bootstrap();
  o.config = {{"linger.ms", "soon"}};
  o.partitions = &partitions_;
  o.clock = &clock_;
  auto bad = KafkaProducer::Create(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("producerConfig.linger.ms=soon"), std::string_view::npos)
      << bad.status().message();
  o.config = {{"no.such.property", "1"}};
  EXPECT_FALSE(KafkaProducer::Create(o).ok());

  auto p = Producer({{"acks", "all"}});
  const uint8_t junk[] = "not a kbench message at all";
  ASSERT_TRUE(p->Send({.payload = std::span<const uint8_t>(junk, sizeof(junk))}).ok());
  Produce(*p, 10);
  ASSERT_TRUE(p->Flush(30'000).ok());
  auto c = Consumer("g-foreign");
  ConsumeUntil(*c, 10);
  for (int i = 0; i < 20 && c->foreign() == 0; ++i) c->Poll(100);
  EXPECT_EQ(c->foreign(), 1);
  EXPECT_EQ(audit_.Reconcile().total.consumed, 10);
}

}  // namespace
}  // namespace kbench::harness
