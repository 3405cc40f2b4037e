// Produce through a real Broker on loopback: acks 0 / 1 / all, the error paths that must leave the
// log unchanged (CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, NOT_ENOUGH_REPLICAS), and
// broker-side idempotence (duplicates answered with the original offset, 45, 47), including after a
// clean restart and after a crash (producer state rebuilt from the log).
#include <gtest/gtest.h>

#include "core/base/byte_order.h"
#include "core/storage/record_batch_format.h"
#include "tests/unit/broker/broker_test_util.h"

namespace kbench::broker::testing {
namespace {

using protocol::ProduceResponse;
using storage::testing::MakeBatch;

constexpr int16_t kProduceV = 7;

storage::BatchOptions Idempotent(int64_t pid, int16_t epoch, int32_t seq) {
  storage::BatchOptions o;
  o.producer_id = ProducerId(pid);
  o.producer_epoch = ProducerEpoch(epoch);
  o.base_sequence = seq;
  return o;
}

class BrokerProduceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = TestBroker::Start();
    ASSERT_TRUE(CreateTopic(*broker_, "t", 2).ok());
    Connect();
  }
  void Connect() {
    auto c = KafkaTestClient::Connect(broker_->port());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::make_unique<KafkaTestClient>(std::move(*c));
  }

  // Produces `batch` to t-0 and returns the partition's answer.
  ProduceResponse::Partition Produce(std::vector<uint8_t> batch, int16_t acks = 1,
                                     const std::string& topic = "t") {
    auto r = client_->Call<ProduceResponse>(MakeProduce(topic, 0, batch, acks), kProduceV);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->topics.size() != 1 || r->topics[0].partitions.size() != 1) return {};
    return r->topics[0].partitions[0];
  }

  Offset LogEnd(const std::string& topic = "t") {
    return broker_->broker().replicas().GetPartition({topic, PartitionId(0)})->log_end_offset();
  }

  std::unique_ptr<TestBroker> broker_;
  std::unique_ptr<KafkaTestClient> client_;
};

TEST_F(BrokerProduceTest, AppendsAndAnswersBaseOffsets) {
  ProduceResponse::Partition a = Produce(MakeBatch(10));
  EXPECT_EQ(a.error_code, ErrorCode::kNone);
  EXPECT_EQ(a.base_offset, Offset(0));
  EXPECT_EQ(a.log_start_offset, Offset(0));
  ProduceResponse::Partition b = Produce(MakeBatch(5));
  EXPECT_EQ(b.error_code, ErrorCode::kNone);
  EXPECT_EQ(b.base_offset, Offset(10));
  EXPECT_EQ(LogEnd(), Offset(15));
  EXPECT_EQ(broker_->broker().replicas().GetPartition({"t", PartitionId(0)})->high_watermark(),
            Offset(15));
}

TEST_F(BrokerProduceTest, AcksAllCompletesOnALoneBroker) {
  ProduceResponse::Partition a = Produce(MakeBatch(3), -1);
  EXPECT_EQ(a.error_code, ErrorCode::kNone);
  EXPECT_EQ(a.base_offset, Offset(0));
  EXPECT_EQ(LogEnd(), Offset(3));
}

TEST_F(BrokerProduceTest, AcksZeroGetsNoResponse) {
  std::vector<uint8_t> batch = MakeBatch(4);
  auto sent = client_->Send(MakeProduce("t", 0, batch, 0), kProduceV);
  ASSERT_TRUE(sent.ok());
  // The next response on the connection belongs to the request after the acks=0 produce.
  auto id = client_->Send(protocol::MetadataRequest{}, 4);
  ASSERT_TRUE(id.ok());
  auto md = client_->Receive<protocol::MetadataResponse>(4);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  EXPECT_EQ(md->header.correlation_id, *id);
  EXPECT_EQ(LogEnd(), Offset(4));
}

TEST_F(BrokerProduceTest, AcksZeroFailureClosesTheConnection) {
  std::vector<uint8_t> batch = MakeBatch(4);
  ASSERT_TRUE(client_->Send(MakeProduce("missing", 0, batch, 0), kProduceV).ok());
  EXPECT_TRUE(client_->raw().WaitForClose());
}

TEST_F(BrokerProduceTest, UnknownTopicIsUnknownTopicOrPartition) {
  EXPECT_EQ(Produce(MakeBatch(1), 1, "missing").error_code, ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(BrokerProduceTest, InternalTopicIsRefused) {
  EXPECT_EQ(Produce(MakeBatch(1), 1, "__consumer_offsets").error_code,
            ErrorCode::kInvalidTopicException);
}

TEST_F(BrokerProduceTest, InvalidAcksIsRefused) {
  EXPECT_EQ(Produce(MakeBatch(1), 2).error_code, ErrorCode::kInvalidRequiredAcks);
  EXPECT_EQ(LogEnd(), Offset(0));
}

TEST_F(BrokerProduceTest, CorruptMessageLeavesTheLogUnchanged) {
  ASSERT_EQ(Produce(MakeBatch(2)).error_code, ErrorCode::kNone);
  std::vector<uint8_t> batch = MakeBatch(3);
  batch.back() ^= 0x5a;  // covered by the CRC
  EXPECT_EQ(Produce(batch).error_code, ErrorCode::kCorruptMessage);
  EXPECT_EQ(LogEnd(), Offset(2));
  std::vector<uint8_t> torn = MakeBatch(3);
  torn.resize(torn.size() - 7);  // Length overruns the buffer
  EXPECT_EQ(Produce(torn).error_code, ErrorCode::kCorruptMessage);
  EXPECT_EQ(LogEnd(), Offset(2));
  EXPECT_EQ(Produce(MakeBatch(1)).base_offset, Offset(2));
}

TEST_F(BrokerProduceTest, InvalidRecordLeavesTheLogUnchanged) {
  std::vector<uint8_t> old_magic = MakeBatch(3);
  old_magic[storage::batch_format::kMagicPos] = 1;
  EXPECT_EQ(Produce(old_magic).error_code, ErrorCode::kInvalidRecord);
  std::vector<uint8_t> two = MakeBatch(2);
  std::vector<uint8_t> more = MakeBatch(2);
  two.insert(two.end(), more.begin(), more.end());  // produce v3+ allows one batch
  EXPECT_EQ(Produce(two).error_code, ErrorCode::kInvalidRecord);
  EXPECT_EQ(Produce({}).error_code, ErrorCode::kInvalidRecord);
  EXPECT_EQ(LogEnd(), Offset(0));
}

TEST_F(BrokerProduceTest, KeylessRecordOnCompactedTopicIsInvalidRecord) {
  ASSERT_TRUE(CreateTopic(*broker_, "compacted", 1, {{"cleanup.policy", "compact"}}).ok());
  storage::RecordBatchBuilder b;
  b.Add(1000, std::nullopt, "no key");
  auto batch = b.Build();
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Produce(*batch, 1, "compacted").error_code, ErrorCode::kInvalidRecord);
  EXPECT_EQ(LogEnd("compacted"), Offset(0));
}

TEST_F(BrokerProduceTest, OversizedBatchIsMessageTooLarge) {
  ASSERT_TRUE(CreateTopic(*broker_, "small", 1, {{"max.message.bytes", "1000"}}).ok());
  EXPECT_EQ(Produce(MakeBatch(20, 100), 1, "small").error_code, ErrorCode::kMessageTooLarge);
  EXPECT_EQ(LogEnd("small"), Offset(0));
  EXPECT_EQ(Produce(MakeBatch(2, 10), 1, "small").error_code, ErrorCode::kNone);
}

TEST_F(BrokerProduceTest, AcksAllFailsWhenIsrBelowMinInsyncReplicas) {
  ASSERT_TRUE(CreateTopic(*broker_, "strict", 1, {{"min.insync.replicas", "2"}}).ok());
  EXPECT_EQ(Produce(MakeBatch(3), -1, "strict").error_code, ErrorCode::kNotEnoughReplicas);
  EXPECT_EQ(LogEnd("strict"), Offset(0));
  EXPECT_EQ(Produce(MakeBatch(3), 1, "strict").error_code, ErrorCode::kNone);  // acks=1 is fine
}

TEST_F(BrokerProduceTest, ProduceV2IsUnsupportedForMessageFormat) {
  std::vector<uint8_t> batch = MakeBatch(1);
  auto r = client_->Call<ProduceResponse>(MakeProduce("t", 0, batch), 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kUnsupportedForMessageFormat);
  EXPECT_EQ(LogEnd(), Offset(0));
}

TEST_F(BrokerProduceTest, TransactionalBatchIsInvalidTxnState) {
  storage::BatchOptions o = Idempotent(5, 0, 0);
  o.transactional = true;
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, o)).error_code, ErrorCode::kInvalidTxnState);
  EXPECT_EQ(LogEnd(), Offset(0));
}

// ---- Idempotence. ----

TEST_F(BrokerProduceTest, DuplicateBatchIsAnsweredWithTheOriginalOffset) {
  ASSERT_EQ(Produce(MakeBatch(2)).base_offset, Offset(0));  // a non-idempotent batch first
  std::vector<uint8_t> batch = MakeBatch(5, 16, 1000, Idempotent(7, 0, 0));
  ProduceResponse::Partition first = Produce(batch);
  ASSERT_EQ(first.error_code, ErrorCode::kNone);
  EXPECT_EQ(first.base_offset, Offset(2));
  const int64_t dups = broker_->broker().replicas().counters().produce_duplicates.load();
  ProduceResponse::Partition retry = Produce(MakeBatch(5, 16, 1000, Idempotent(7, 0, 0)));
  EXPECT_EQ(retry.error_code, ErrorCode::kNone);
  EXPECT_EQ(retry.base_offset, Offset(2));
  EXPECT_EQ(LogEnd(), Offset(7));  // not appended again
  EXPECT_EQ(broker_->broker().replicas().counters().produce_duplicates.load(), dups + 1);
  EXPECT_EQ(Produce(MakeBatch(3, 16, 1000, Idempotent(7, 0, 5))).base_offset, Offset(7));
}

TEST_F(BrokerProduceTest, AnyOfTheLastFiveBatchesIsRecognised) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(3, 0, 2 * i))).error_code,
              ErrorCode::kNone);
  }
  // Batch 1 (sequences 2-3) is among the last five; batch 0 is not.
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(3, 0, 2))).base_offset, Offset(2));
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(3, 0, 0))).error_code,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(LogEnd(), Offset(12));
}

TEST_F(BrokerProduceTest, SequenceGapIsOutOfOrderSequenceNumber) {
  ASSERT_EQ(Produce(MakeBatch(5, 16, 1000, Idempotent(9, 0, 0))).error_code, ErrorCode::kNone);
  EXPECT_EQ(Produce(MakeBatch(5, 16, 1000, Idempotent(9, 0, 10))).error_code,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(9, 0, 3))).error_code,
            ErrorCode::kOutOfOrderSequenceNumber);  // overlaps, not an exact duplicate
  EXPECT_EQ(LogEnd(), Offset(5));
  EXPECT_EQ(Produce(MakeBatch(1, 16, 1000, Idempotent(9, 0, 5))).error_code, ErrorCode::kNone);
}

TEST_F(BrokerProduceTest, OlderEpochIsInvalidProducerEpoch) {
  ASSERT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(11, 1, 0))).error_code, ErrorCode::kNone);
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(11, 0, 2))).error_code,
            ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(LogEnd(), Offset(2));
}

TEST_F(BrokerProduceTest, NewEpochMustStartAtSequenceZero) {
  ASSERT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(12, 0, 0))).error_code, ErrorCode::kNone);
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(12, 1, 2))).error_code,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(12, 1, 0))).error_code, ErrorCode::kNone);
  EXPECT_EQ(LogEnd(), Offset(4));
}

TEST_F(BrokerProduceTest, UnknownProducerMayStartAtAnySequence) {
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(13, 0, 500))).error_code, ErrorCode::kNone);
  EXPECT_EQ(Produce(MakeBatch(2, 16, 1000, Idempotent(13, 0, 502))).error_code, ErrorCode::kNone);
}

TEST_F(BrokerProduceTest, SequenceWrapsFromIntMaxToZero) {
  ASSERT_EQ(Produce(MakeBatch(1, 16, 1000, Idempotent(14, 0, INT32_MAX))).error_code,
            ErrorCode::kNone);
  EXPECT_EQ(Produce(MakeBatch(1, 16, 1000, Idempotent(14, 0, 0))).error_code, ErrorCode::kNone);
}

TEST_F(BrokerProduceTest, ProducerStateSurvivesACleanRestart) {
  ASSERT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(21, 0, 0))).base_offset, Offset(0));
  ASSERT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(21, 0, 4))).base_offset, Offset(4));
  ASSERT_TRUE(broker_->Restart().ok());
  Connect();
  EXPECT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(21, 0, 4))).base_offset, Offset(4));
  EXPECT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(21, 0, 12))).error_code,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(Produce(MakeBatch(1, 16, 1000, Idempotent(21, 0, 8))).base_offset, Offset(8));
}

TEST_F(BrokerProduceTest, ProducerStateIsRebuiltFromTheLogAfterACrash) {
  ASSERT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(31, 0, 0))).base_offset, Offset(0));
  ASSERT_EQ(Produce(MakeBatch(3)).base_offset, Offset(4));
  ASSERT_EQ(Produce(MakeBatch(4, 16, 1000, Idempotent(31, 0, 4))).base_offset, Offset(7));
  auto crashed = broker_->StartFromCrashImage();
  ASSERT_TRUE(crashed.ok()) << crashed.status().ToString();
  auto c = KafkaTestClient::Connect((*crashed)->port());
  ASSERT_TRUE(c.ok());
  std::vector<uint8_t> retry = MakeBatch(4, 16, 1000, Idempotent(31, 0, 4));
  auto r = c->Call<ProduceResponse>(MakeProduce("t", 0, retry), kProduceV);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->topics[0].partitions[0].error_code, ErrorCode::kNone);
  EXPECT_EQ(r->topics[0].partitions[0].base_offset, Offset(7));
  std::vector<uint8_t> gap = MakeBatch(1, 16, 1000, Idempotent(31, 0, 99));
  auto g = c->Call<ProduceResponse>(MakeProduce("t", 0, gap), kProduceV);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->topics[0].partitions[0].error_code, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ((*crashed)->replicas().GetPartition({"t", PartitionId(0)})->log_end_offset(),
            Offset(11));
  (*crashed)->Stop();
}

TEST_F(BrokerProduceTest, InitProducerIdHandsOutDistinctIds) {
  protocol::InitProducerIdRequest req;
  auto a = client_->Call<protocol::InitProducerIdResponse>(req, 1);
  auto b = client_->Call<protocol::InitProducerIdResponse>(req, 0);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->error_code, ErrorCode::kNone);
  EXPECT_EQ(a->producer_epoch, ProducerEpoch(0));
  EXPECT_NE(a->producer_id, b->producer_id);
  ASSERT_TRUE(broker_->Restart().ok());  // ids are never reused, even across restarts
  Connect();
  auto c = client_->Call<protocol::InitProducerIdResponse>(req, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_GT(c->producer_id, std::max(a->producer_id, b->producer_id));
}

TEST_F(BrokerProduceTest, InitProducerIdWithTransactionalIdIsRefused) {
  protocol::InitProducerIdRequest req;
  req.transactional_id = "txn";
  auto r = client_->Call<protocol::InitProducerIdResponse>(req, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error_code, ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace kbench::broker::testing
