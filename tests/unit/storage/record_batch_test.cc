#include "core/storage/record_batch.h"

#include <gtest/gtest.h>

#include "core/base/byte_order.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_builder.h"
#include "core/storage/varint.h"

namespace kbench::storage {
namespace {

namespace bf = batch_format;

std::vector<uint8_t> BuildBatch(int n, BatchOptions options = {}, int64_t ts = 1'700'000'000'000) {
  RecordBatchBuilder b(options);
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value = "value-" + std::to_string(i) + std::string(i % 7, 'x');
    b.Add(ts + i, key, value);
  }
  auto built = b.Build();
  EXPECT_TRUE(built.ok()) << built.status().ToString();
  return *built;
}

Status Validate(std::vector<uint8_t>& bytes, ValidationOptions options = {}) {
  return ValidateRecords(bytes, options).status();
}

// Rewrites the CRC after a test mutates a covered field, so the structural check (not the CRC)
// fires.
void FixCrc(std::vector<uint8_t>& batch) {
  StoreBigEndian<uint32_t>(batch.data() + bf::kCrcPos, ComputeBatchCrc(batch));
}

TEST(VarintTest, ZigZagMatchesProtocolBuffers) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  EXPECT_EQ(ZigZagEncode(INT64_MIN), UINT64_MAX);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64}, int64_t{300},
                    INT64_MAX, INT64_MIN}) {
    std::vector<uint8_t> buf;
    const int n = WriteVarlong(&buf, v);
    EXPECT_EQ(n, VarlongSize(v));
    ByteCursor c(buf);
    int64_t back;
    ASSERT_TRUE(c.ReadVarlong(&back));
    EXPECT_EQ(back, v);
    EXPECT_EQ(c.remaining(), 0u);
  }
}

TEST(VarintTest, CursorRejectsTruncatedAndOverlongVarints) {
  std::vector<uint8_t> truncated = {0x80, 0x80};
  ByteCursor c(truncated);
  int64_t v;
  EXPECT_FALSE(c.ReadVarlong(&v));
  EXPECT_FALSE(c.ok());
  std::vector<uint8_t> overlong(11, 0x80);
  ByteCursor c2(overlong);
  EXPECT_FALSE(c2.ReadVarlong(&v));
  std::vector<uint8_t> too_big_for_int = {0xFE, 0xFF, 0xFF, 0xFF, 0x1F};  // zigzag of 2^32-ish
  ByteCursor c3(too_big_for_int);
  int32_t i;
  EXPECT_FALSE(c3.ReadVarint(&i));
}

TEST(RecordBatchTest, BuiltBatchValidatesAndDecodesEveryField) {
  RecordBatchBuilder b(
      {.producer_id = ProducerId(7), .producer_epoch = ProducerEpoch(2), .base_sequence = 40});
  std::vector<RecordHeader> headers = {{"trace", std::string("abc")}, {"nullable", std::nullopt}};
  b.Add(1000, "k0", "v0", headers);
  b.Add(1005, std::nullopt, "no-key");
  b.Add(999, "tombstone", std::nullopt);
  auto batch = *b.Build();

  auto v = ValidateRecords(batch, {});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->batches().size(), 1u);
  const BatchHeader& h = v->batches()[0].header;
  EXPECT_EQ(h.record_count, 3);
  EXPECT_EQ(h.last_offset_delta, 2);
  EXPECT_EQ(h.base_timestamp, 1000);
  EXPECT_EQ(h.max_timestamp, 1005);
  EXPECT_EQ(h.producer_id, ProducerId(7));
  EXPECT_EQ(h.producer_epoch, ProducerEpoch(2));
  EXPECT_EQ(h.base_sequence, 40);
  EXPECT_EQ(h.last_sequence(), 42);
  EXPECT_EQ(h.size_bytes(), static_cast<int32_t>(batch.size()));

  auto records = DecodeRecords(batch);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].key, "k0");
  EXPECT_EQ((*records)[0].value, "v0");
  EXPECT_EQ((*records)[0].timestamp, 1000);
  EXPECT_EQ((*records)[0].headers, headers);
  EXPECT_FALSE((*records)[1].key.has_value());
  EXPECT_EQ((*records)[1].offset, Offset(1));
  EXPECT_EQ((*records)[2].timestamp, 999);
  EXPECT_FALSE((*records)[2].value.has_value());
}

TEST(RecordBatchTest, LastSequenceWrapsLikeKafka) {
  BatchHeader h;
  h.base_sequence = INT32_MAX - 1;
  h.last_offset_delta = 3;
  EXPECT_EQ(h.last_sequence(), 1);  // MAX-1, MAX, 0, 1
}

TEST(RecordBatchTest, SeveralBatchesBackToBackAreEachDescribed) {
  auto a = BuildBatch(3);
  auto b = BuildBatch(5);
  std::vector<uint8_t> buf = a;
  buf.insert(buf.end(), b.begin(), b.end());
  auto v = ValidateRecords(buf, {});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->batches().size(), 2u);
  EXPECT_EQ(v->batches()[1].position, a.size());
  EXPECT_EQ(v->record_count(), 8);
  ValidationOptions single;
  single.require_single_batch = true;
  EXPECT_EQ(Validate(buf, single).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, FlippedBitAnywhereInCoveredRangeIsCorruptMessage) {
  const auto good = BuildBatch(4);
  for (size_t pos = bf::kCrcCoveredFrom; pos < good.size(); pos += 3) {
    auto bad = good;
    bad[pos] ^= 0x04;
    Status s = Validate(bad);
    ASSERT_FALSE(s.ok()) << "flip at " << pos;
    // A flip inside the CRC field or the covered bytes fails the CRC before anything else is
    // trusted.
    EXPECT_EQ(s.kafka_error(), ErrorCode::kCorruptMessage)
        << "flip at " << pos << ": " << s.ToString();
  }
}

TEST(RecordBatchTest, TruncatedBufferIsCorruptMessageNamingSizes) {
  auto batch = BuildBatch(4);
  for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, size_t{60}, batch.size() - 1}) {
    std::vector<uint8_t> part(batch.begin(), batch.begin() + cut);
    Status s = Validate(part);
    EXPECT_EQ(s.kafka_error(), ErrorCode::kCorruptMessage) << cut << ": " << s.ToString();
  }
  std::vector<uint8_t> part(batch.begin(), batch.end() - 1);
  EXPECT_NE(Validate(part).message().find("overruns"), std::string_view::npos);
}

TEST(RecordBatchTest, LengthBelowHeaderIsCorruptMessage) {
  auto batch = BuildBatch(1);
  StoreBigEndian<int32_t>(batch.data() + bf::kLengthPos, 10);
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, WrongMagicIsInvalidRecord) {
  auto batch = BuildBatch(1);
  batch[bf::kMagicPos] = 1;
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, ClientCountMustMatchLastOffsetDelta) {
  auto batch = BuildBatch(3);
  StoreBigEndian<int32_t>(batch.data() + bf::kLastOffsetDeltaPos, 5);
  FixCrc(batch);
  Status s = Validate(batch);
  EXPECT_EQ(s.kafka_error(), ErrorCode::kInvalidRecord) << s.ToString();
  // A follower copies batches as the leader stored them: compaction leaves fewer records than the
  // range.
  ValidationOptions follower;
  follower.origin = AppendOrigin::kReplication;
  EXPECT_TRUE(Validate(batch, follower).ok()) << Validate(batch, follower).ToString();
  // But never more records than offsets.
  StoreBigEndian<int32_t>(batch.data() + bf::kLastOffsetDeltaPos, 1);
  FixCrc(batch);
  EXPECT_EQ(Validate(batch, follower).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, ClientsMayNotWriteControlBatches) {
  auto batch = BuildBatch(1, {.producer_id = ProducerId(1),
                              .producer_epoch = ProducerEpoch(0),
                              .base_sequence = 0,
                              .transactional = true,
                              .control = true});
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kInvalidRecord);
  ValidationOptions coordinator;
  coordinator.origin = AppendOrigin::kCoordinator;
  EXPECT_TRUE(Validate(batch, coordinator).ok());
}

TEST(RecordBatchTest, ProducerIdWithoutSequenceIsInvalidRecord) {
  auto batch = BuildBatch(1, {.producer_id = ProducerId(5), .producer_epoch = ProducerEpoch(0)});
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, CompactedTopicRejectsKeylessRecords) {
  RecordBatchBuilder b;
  b.Add(1, std::nullopt, "v");
  auto batch = *b.Build();
  ValidationOptions compact;
  compact.require_keys = true;
  Status s = Validate(batch, compact);
  EXPECT_EQ(s.kafka_error(), ErrorCode::kInvalidRecord);
  EXPECT_NE(s.message().find("without a key"), std::string_view::npos);
}

TEST(RecordBatchTest, OversizedBatchIsMessageTooLarge) {
  auto batch = BuildBatch(100);
  ValidationOptions small;
  small.max_batch_bytes = 200;
  EXPECT_EQ(Validate(batch, small).kafka_error(), ErrorCode::kMessageTooLarge);
}

TEST(RecordBatchTest, RecordOverrunningItsLengthIsInvalidRecord) {
  RecordBatchBuilder b;
  b.Add(1, "k", "value");
  auto batch = *b.Build();
  // The first record's length varint is the first records byte; make it claim one byte less.
  const int32_t len = static_cast<int32_t>(ZigZagDecode(batch[bf::kRecordsPos]));
  batch[bf::kRecordsPos] = static_cast<uint8_t>(ZigZagEncode(len - 1));
  FixCrc(batch);
  Status s = Validate(batch);
  EXPECT_EQ(s.kafka_error(), ErrorCode::kInvalidRecord) << s.ToString();
  EXPECT_NE(s.message().find("record 0"), std::string_view::npos) << s.ToString();
}

TEST(RecordBatchTest, RecordCountAboveActualRecordsIsInvalidRecord) {
  auto batch = BuildBatch(2);
  StoreBigEndian<int32_t>(batch.data() + bf::kRecordCountPos, 3);
  StoreBigEndian<int32_t>(batch.data() + bf::kLastOffsetDeltaPos, 2);
  FixCrc(batch);
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, TrailingBytesAfterRecordsAreInvalidRecord) {
  auto batch = BuildBatch(2);
  batch.push_back(0);
  StoreBigEndian<int32_t>(batch.data() + bf::kLengthPos, static_cast<int32_t>(batch.size() - 12));
  FixCrc(batch);
  EXPECT_EQ(Validate(batch).kafka_error(), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, EmptyProduceIsInvalidButEmptyFollowerFetchIsFine) {
  std::vector<uint8_t> empty;
  EXPECT_EQ(Validate(empty).kafka_error(), ErrorCode::kInvalidRecord);
  ValidationOptions follower;
  follower.origin = AppendOrigin::kReplication;
  EXPECT_TRUE(Validate(empty, follower).ok());
}

TEST(RecordBatchTest, RewritingOffsetAndEpochKeepsCrcValid) {
  auto batch = BuildBatch(3);
  const uint32_t crc = LoadBigEndian<uint32_t>(batch.data() + bf::kCrcPos);
  SetBaseOffset(batch, Offset(123456789));
  SetPartitionLeaderEpoch(batch, LeaderEpoch(17));
  EXPECT_EQ(LoadBigEndian<uint32_t>(batch.data() + bf::kCrcPos), crc);
  BatchHeader h;
  ASSERT_TRUE(CheckBatchFraming(batch, &h).ok());
  EXPECT_EQ(h.base_offset, Offset(123456789));
  EXPECT_EQ(h.last_offset(), Offset(123456791));
  EXPECT_EQ(h.partition_leader_epoch, LeaderEpoch(17));
  auto records = DecodeRecords(batch);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[2].offset, Offset(123456791));
}

TEST(RecordBatchTest, LogAppendTimeStampsEveryRecordAndKeepsBatchValid) {
  auto batch = BuildBatch(3);
  SetLogAppendTime(batch, 42'000);
  BatchHeader h;
  ASSERT_TRUE(ValidateBatch(batch, {}, &h).ok());
  EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h.max_timestamp, 42'000);
  auto records = DecodeRecords(batch);
  ASSERT_TRUE(records.ok());
  for (const Record& r : *records) EXPECT_EQ(r.timestamp, 42'000);
}

TEST(RecordBatchTest, EmptyBatchWithOffsetRangeFromCompactionIsValidForFollowers) {
  RecordBatchBuilder b({.base_offset = Offset(10), .last_offset_delta = 4, .base_timestamp = 5});
  auto batch = *b.Build();
  ValidationOptions follower;
  follower.origin = AppendOrigin::kReplication;
  BatchHeader h;
  ASSERT_TRUE(ValidateBatch(batch, follower, &h).ok());
  EXPECT_EQ(h.record_count, 0);
  EXPECT_EQ(h.next_offset(), Offset(15));
}

TEST(RecordBatchTest, EndTxnMarkerIsAControlBatchOnlyTheCoordinatorMayAppend) {
  auto marker =
      BuildEndTxnMarker(ControlRecordType::kCommit, ProducerId(42), ProducerEpoch(3), 7, 1000);
  ASSERT_TRUE(marker.ok());
  ValidationOptions coordinator;
  coordinator.origin = AppendOrigin::kCoordinator;
  BatchHeader h;
  ASSERT_TRUE(ValidateBatch(*marker, coordinator, &h).ok());
  EXPECT_TRUE(h.is_control());
  EXPECT_TRUE(h.is_transactional());
  EXPECT_EQ(h.producer_id, ProducerId(42));
  EXPECT_EQ(h.producer_epoch, ProducerEpoch(3));
  auto records = DecodeRecords(*marker);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  const std::string key = *(*records)[0].key, value = *(*records)[0].value;
  EXPECT_EQ(key, std::string("\x00\x00\x00\x01", 4));            // version 0, type 1 = commit
  EXPECT_EQ(value, std::string("\x00\x00\x00\x00\x00\x07", 6));  // version 0, coordinator epoch 7
  EXPECT_EQ(Validate(*marker).kafka_error(), ErrorCode::kInvalidRecord);  // not from a client
}

}  // namespace
}  // namespace kbench::storage
