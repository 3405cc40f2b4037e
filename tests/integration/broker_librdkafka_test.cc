// The bundled broker against unmodified librdkafka 2.0.2 clients on loopback (an in-process Broker,
// ephemeral port, temp dir): producers with acks 0, 1 and all; every compression codec produced and
// read back; the idempotent producer with its connections cut mid-stream by a proxy, which must
// leave no duplicate and no gap in the log.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <set>

#include "tests/integration/broker_clients.h"
#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

std::vector<Message> Numbered(int n, int partitions, size_t value_bytes = 24,
                              const std::string& prefix = "m") {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) {
    Message m;
    m.key = fmt::format("k{}", i);
    m.value = fmt::format("{}-{:08d}-", prefix, i);
    m.value.resize(std::max(m.value.size(), value_bytes), static_cast<char>('a' + i % 26));
    m.partition = i % partitions;
    out.push_back(std::move(m));
  }
  return out;
}

// Every produced value is read back exactly once, at the offset its delivery report named (when
// the producer got offsets), in produce order within each partition.
void ExpectExactlyOnce(const std::vector<Message>& sent, const std::vector<Delivery>* deliveries,
                       const std::vector<Consumed>& got) {
  std::map<std::string, const Consumed*> by_value;
  for (const Consumed& c : got) {
    EXPECT_TRUE(by_value.emplace(c.value, &c).second) << "duplicate " << c.value;
  }
  std::map<int32_t, int64_t> last_offset;
  for (size_t i = 0; i < sent.size(); ++i) {
    auto it = by_value.find(sent[i].value);
    ASSERT_NE(it, by_value.end()) << "lost " << sent[i].value;
    const Consumed& c = *it->second;
    EXPECT_EQ(c.partition, sent[i].partition);
    EXPECT_EQ(c.key, sent[i].key);
    if (deliveries != nullptr) {
      EXPECT_EQ(c.offset, (*deliveries)[i].offset) << sent[i].value;
    }
    auto [prev, first] = last_offset.emplace(c.partition, c.offset);
    if (!first) {
      EXPECT_GT(c.offset, prev->second) << "out of order in partition " << c.partition;
      prev->second = c.offset;
    }
  }
  EXPECT_EQ(got.size(), sent.size());
}

class BrokerLibrdkafkaTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = TestBroker::Start(); }

  Config Producer(std::map<std::string, std::string> extra = {}) {
    Config c = {{"bootstrap.servers", broker_->bootstrap()}, {"linger.ms", "5"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
  }

  void ProduceAndReadBack(const std::string& topic, const Config& producer, int n,
                          bool check_offsets = true) {
    ASSERT_TRUE(CreateTopic(broker_->bootstrap(), topic, 3).ok());
    std::vector<Message> sent = Numbered(n, 3);
    auto deliveries = ProduceAll(producer, topic, sent);
    ASSERT_TRUE(deliveries.ok()) << deliveries.status().ToString();
    for (const Delivery& d : *deliveries)
      ASSERT_EQ(d.error, 0) << rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(d.error));
    auto got = ConsumeAll(broker_->bootstrap(), topic, 3, sent.size());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectExactlyOnce(sent, check_offsets ? &*deliveries : nullptr, *got);
  }

  std::unique_ptr<TestBroker> broker_;
};

TEST_F(BrokerLibrdkafkaTest, AcksOneDeliversEverything) {
  ProduceAndReadBack("acks1", Producer({{"acks", "1"}}), 5000);
}

TEST_F(BrokerLibrdkafkaTest, AcksAllDeliversEverything) {
  ProduceAndReadBack("acksall", Producer({{"acks", "all"}}), 5000);
}

TEST_F(BrokerLibrdkafkaTest, AcksZeroDeliversEverythingOnLoopback) {
  // acks=0 gets no responses: librdkafka reports success without offsets.
  ProduceAndReadBack("acks0", Producer({{"acks", "0"}}), 5000, /*check_offsets=*/false);
}

TEST_F(BrokerLibrdkafkaTest, AcksAllWithTooFewInSyncReplicasFails) {
  ASSERT_TRUE(CreateTopic(broker_->bootstrap(), "strict", 1, {{"min.insync.replicas", "2"}}).ok());
  auto d = ProduceAll(Producer({{"acks", "all"}, {"message.timeout.ms", "3000"}}), "strict",
                      Numbered(3, 1), 30000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  for (const Delivery& x : *d) EXPECT_NE(x.error, 0);
  EXPECT_EQ(broker_->broker().replicas().GetPartition({"strict", PartitionId(0)})->log_end_offset(),
            Offset(0));
}

class BrokerCompressionTest : public BrokerLibrdkafkaTest,
                              public ::testing::WithParamInterface<const char*> {};

TEST_P(BrokerCompressionTest, ProducedAndConsumedBack) {
  const std::string codec = GetParam();
  ProduceAndReadBack(
      "codec-" + codec,
      Producer({{"acks", "all"}, {"compression.codec", codec}, {"batch.num.messages", "500"}}),
      3000);
  // The batches are stored compressed with that codec.
  auto p = broker_->broker().replicas().GetPartition({"codec-" + codec, PartitionId(0)});
  bool saw_codec = false;
  ASSERT_TRUE(p->log()
                  ->ForEachBatch(Offset(0),
                                 [&](const storage::BatchHeader& h, auto) -> Result<bool> {
                                   saw_codec |= h.compression() != storage::Compression::kNone;
                                   return true;
                                 })
                  .ok());
  EXPECT_TRUE(saw_codec);
}

INSTANTIATE_TEST_SUITE_P(Codecs, BrokerCompressionTest,
                         ::testing::Values("gzip", "snappy", "lz4", "zstd"));

TEST(BrokerIdempotenceTest, CutConnectionsCauseRetriesButNoDuplicates) {
  // Clients reach the broker only through a proxy that drops responses and closes connections.
  TcpProxy proxy(/*cut_after_bytes=*/48 * 1024, /*max_cuts=*/6);
  auto broker =
      TestBroker::Start({"advertised.listeners=127.0.0.1:" + std::to_string(proxy.port())});
  proxy.SetUpstream(broker->port());
  const std::string bootstrap = "127.0.0.1:" + std::to_string(proxy.port());
  ASSERT_TRUE(CreateTopic(bootstrap, "idem", 3).ok());
  std::vector<Message> sent = Numbered(20000, 3, 40);
  Config producer = {{"bootstrap.servers", bootstrap},
                     {"enable.idempotence", "true"},
                     {"linger.ms", "2"},
                     {"batch.num.messages", "200"},
                     {"max.in.flight.requests.per.connection", "5"},
                     {"retry.backoff.ms", "20"},
                     {"reconnect.backoff.ms", "10"},
                     {"message.timeout.ms", "120000"}};
  auto deliveries = ProduceAll(producer, "idem", sent, 180000);
  ASSERT_TRUE(deliveries.ok()) << deliveries.status().ToString();
  for (const Delivery& d : *deliveries) {
    ASSERT_EQ(d.error, 0) << rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(d.error));
  }
  proxy.StopCutting();
  EXPECT_GT(proxy.cuts(), 0);
  // Retries of batches the broker had already appended were answered from the producer state.
  EXPECT_GT(broker->broker().replicas().counters().produce_duplicates.load(), 0);
  auto got = ConsumeAll(bootstrap, "idem", 3, sent.size());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectExactlyOnce(sent, &*deliveries, *got);
  int64_t total = 0;
  for (int p = 0; p < 3; ++p) {
    total += broker->broker()
                 .replicas()
                 .GetPartition({"idem", PartitionId(p)})
                 ->log_end_offset()
                 .value();
  }
  EXPECT_EQ(total, static_cast<int64_t>(sent.size()));  // nothing appended twice
}

}  // namespace
}  // namespace kbench::broker::testing
