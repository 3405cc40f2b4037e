// The __consumer_offsets record format: Kafka's bytes, every readable version, clear errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/broker/consumer_offsets_format.h"

namespace kbench::broker::consumer_offsets {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

void Append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

std::vector<uint8_t> Int64(int64_t v) {
  std::vector<uint8_t> out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

TEST(ConsumerOffsetsFormat, OffsetCommitKeyIsKafkasVersion1Bytes) {
  Result<std::vector<uint8_t>> key = EncodeKey(OffsetCommitKey{"g1", "t", PartitionId(3)});
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, Bytes({0, 1, 0, 2, 'g', '1', 0, 1, 't', 0, 0, 0, 3}));
  Result<RecordKey> back = DecodeKey(*key);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<OffsetCommitKey>(*back), (OffsetCommitKey{"g1", "t", PartitionId(3)}));
}

TEST(ConsumerOffsetsFormat, GroupMetadataKeyIsVersion2) {
  Result<std::vector<uint8_t>> key = EncodeKey(GroupMetadataKey{"grp"});
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, Bytes({0, 2, 0, 3, 'g', 'r', 'p'}));
  Result<RecordKey> back = DecodeKey(*key);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<GroupMetadataKey>(*back).group, "grp");
}

TEST(ConsumerOffsetsFormat, OffsetValueIsV3WithLeaderEpochByDefault) {
  OffsetCommitValue v{Offset(42), LeaderEpoch(5), "md", 1700000000000, std::nullopt};
  Result<std::vector<uint8_t>> bytes = EncodeOffsetCommitValue(v);
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> want = Bytes({0, 3});
  Append(want, Int64(42));
  Append(want, Bytes({0, 0, 0, 5, 0, 2, 'm', 'd'}));
  Append(want, Int64(1700000000000));
  EXPECT_EQ(*bytes, want);
  Result<OffsetCommitValue> back = DecodeOffsetCommitValue(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
}

TEST(ConsumerOffsetsFormat, OffsetValueWithExpireTimestampIsV1) {
  OffsetCommitValue v{Offset(7), kNoLeaderEpoch, "", 1000, 5000};
  Result<std::vector<uint8_t>> bytes = EncodeOffsetCommitValue(v);
  ASSERT_TRUE(bytes.ok());
  std::vector<uint8_t> want = Bytes({0, 1});
  Append(want, Int64(7));
  Append(want, Bytes({0, 0}));
  Append(want, Int64(1000));
  Append(want, Int64(5000));
  EXPECT_EQ(*bytes, want);
  Result<OffsetCommitValue> back = DecodeOffsetCommitValue(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
}

TEST(ConsumerOffsetsFormat, ReadsOffsetValuesV0AndV2) {
  std::vector<uint8_t> v0 = Bytes({0, 0});
  Append(v0, Int64(9));
  Append(v0, Bytes({0, 1, 'x'}));
  Append(v0, Int64(123));
  Result<OffsetCommitValue> a = DecodeOffsetCommitValue(v0);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->offset, Offset(9));
  EXPECT_EQ(a->metadata, "x");
  EXPECT_EQ(a->commit_timestamp_ms, 123);
  EXPECT_EQ(a->leader_epoch, kNoLeaderEpoch);
  EXPECT_FALSE(a->expire_timestamp_ms.has_value());
  std::vector<uint8_t> v2 = v0;
  v2[1] = 2;
  Result<OffsetCommitValue> b = DecodeOffsetCommitValue(v2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->offset, Offset(9));
}

TEST(ConsumerOffsetsFormat, GroupMetadataValueRoundTripsAtV3) {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 4;
  v.protocol = "range";
  v.leader = "c-1";
  v.current_state_timestamp_ms = 99;
  v.members.push_back({"c-1", std::nullopt, "c", "/127.0.0.1", 30000, 10000, {1, 2}, {3}});
  v.members.push_back({"c-2", "instance-2", "c", "/127.0.0.1", 30000, 10000, {}, {}});
  Result<std::vector<uint8_t>> bytes = EncodeGroupMetadataValue(v);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ((*bytes)[0], 0);
  EXPECT_EQ((*bytes)[1], 3);
  Result<GroupMetadataValue> back = DecodeGroupMetadataValue(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);
}

TEST(ConsumerOffsetsFormat, GroupMetadataV0UsesSessionTimeoutAsRebalanceTimeout) {
  // v0: protocol_type, generation, protocol, leader, members without rebalance timeout.
  std::vector<uint8_t> b =
      Bytes({0, 0, 0,    1,    'c', 0,   0, 0, 2,   0, 1, 'r', 0, 1, 'm',  // header
             0, 0, 0,    1,                                                // 1 member
             0, 1, 'm',  0,    1,   'c', 0, 1, 'h',                        // ids, host
             0, 0, 0x27, 0x10,                                             // session
             0, 0, 0,    1,    7,   0,   0, 0, 0});                        // sub, asg
  Result<GroupMetadataValue> v = DecodeGroupMetadataValue(b);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->members.size(), 1u);
  EXPECT_EQ(v->generation, 2);
  EXPECT_EQ(v->members[0].session_timeout_ms, 10000);
  EXPECT_EQ(v->members[0].rebalance_timeout_ms, 10000);
  EXPECT_EQ(v->members[0].subscription, Bytes({7}));
  EXPECT_EQ(v->current_state_timestamp_ms, -1);
}

TEST(ConsumerOffsetsFormat, MalformedRecordsAreCorruptionNamingTheField) {
  Result<RecordKey> unknown = DecodeKey(Bytes({0, 9, 0, 0}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kCorruption);
  EXPECT_NE(unknown.status().message().find("unknown key version 9"), std::string::npos);

  Result<RecordKey> truncated = DecodeKey(Bytes({0, 1, 0, 5, 'a'}));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("group"), std::string::npos);

  Result<RecordKey> trailing = DecodeKey(Bytes({0, 2, 0, 1, 'g', 0xFF}));
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.status().message().find("trailing"), std::string::npos);

  Result<OffsetCommitValue> future = DecodeOffsetCommitValue(Bytes({0, 4, 0, 0}));
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.status().message().find("unknown version 4"), std::string::npos);

  Result<GroupMetadataValue> empty = DecodeGroupMetadataValue({});
  EXPECT_FALSE(empty.ok());
}

TEST(ConsumerOffsetsFormat, EveryTruncationOfAValidValueFails) {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.protocol = "range";
  v.leader = "m";
  v.members.push_back({"m", std::nullopt, "c", "h", 1, 2, {1}, {2}});
  std::vector<uint8_t> bytes = *EncodeGroupMetadataValue(v);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_FALSE(DecodeGroupMetadataValue(cut).ok()) << "truncated to " << n;
  }
}

TEST(ConsumerOffsetsFormat, RandomBytesNeverCrashTheDecoders) {
  std::mt19937 rng(11);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> b(rng() % 64);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    if (!b.empty()) b[0] = 0;  // plausible versions, so the field decoders run
    if (b.size() > 1) b[1] = static_cast<uint8_t>(rng() % 5);
    accepted += DecodeKey(b).ok();
    accepted += DecodeOffsetCommitValue(b).ok();
    accepted += DecodeGroupMetadataValue(b).ok();
  }
  EXPECT_LT(accepted, 20000);  // mostly rejected, none crashed (ASan/UBSan builds check more)
}

}  // namespace
}  // namespace kbench::broker::consumer_offsets
