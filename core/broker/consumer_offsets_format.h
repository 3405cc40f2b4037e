// The record format of the internal offsets topic `__consumer_offsets`, the same bytes Apache
// Kafka writes (core/src/main/resources/common/message/OffsetCommitKey.json,
// OffsetCommitValue.json, GroupMetadataKey.json, GroupMetadataValue.json; non-flexible versions),
// so tools that read Kafka's offsets topic read kbench's. Specified in
// docs/consumer_offsets_format.md; this header holds the constants and the one encoder/decoder that
// writer and reader share.
//
// Every record has a key (compaction keeps the newest record per key) whose first int16 says what
// the record is:
//
//   key version 0|1  offset commit   key: version i16 | group STRING | topic STRING | partition i32
//                                    value: version i16 | offset i64 | leader_epoch i32 (v3)
//                                           | metadata STRING | commit_timestamp i64
//                                           | expire_timestamp i64 (v1 only)
//   key version 2    group metadata  key: version i16 | group STRING
//                                    value: version i16 | protocol_type STRING | generation i32
//                                           | protocol nullable STRING | leader nullable STRING
//                                           | current_state_timestamp i64 (v2+)
//                                           | members [member_id STRING
//                                                      | group_instance_id nullable STRING (v3+)
//                                                      | client_id STRING | client_host STRING
//                                                      | rebalance_timeout i32 (v1+)
//                                                      | session_timeout i32
//                                                      | subscription BYTES | assignment BYTES]
//
// A null value is a tombstone: the offset (or the whole group's metadata) was deleted. Integers are
// big-endian; STRING is an int16 length + UTF-8 (-1 = null), BYTES an int32 length + bytes.
//
// kbench writes key version 1 for offsets and 2 for groups, offset values at v3 (v1 when the commit
// carried an explicit retention time, as Kafka does), group values at v3. It reads every version
// listed above. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"

namespace kbench::broker::consumer_offsets {

inline constexpr std::string_view kTopicName = "__consumer_offsets";

// Key versions: the record type.
inline constexpr int16_t kOffsetCommitKeyV0 = 0;
inline constexpr int16_t kOffsetCommitKeyV1 = 1;  // written
inline constexpr int16_t kGroupMetadataKeyVersion = 2;

// Value versions.
inline constexpr int16_t kOffsetCommitValueV0 = 0;  // offset, metadata, timestamp
inline constexpr int16_t kOffsetCommitValueV1 = 1;  // + expire_timestamp (written with retention)
inline constexpr int16_t kOffsetCommitValueV2 = 2;  // v1 without expire_timestamp
inline constexpr int16_t kOffsetCommitValueV3 = 3;  // + leader_epoch (written by default)
inline constexpr int16_t kGroupMetadataValueMaxVersion = 3;  // written

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  PartitionId partition{0};
  friend bool operator==(const OffsetCommitKey&, const OffsetCommitKey&) = default;
};

struct GroupMetadataKey {
  std::string group;
  friend bool operator==(const GroupMetadataKey&, const GroupMetadataKey&) = default;
};

using RecordKey = std::variant<OffsetCommitKey, GroupMetadataKey>;

struct OffsetCommitValue {
  Offset offset{-1};
  LeaderEpoch leader_epoch = kNoLeaderEpoch;
  std::string metadata;  // Kafka stores a null commit metadata as ""
  int64_t commit_timestamp_ms = -1;
  // Set only by commits that named a retention time (OffsetCommit v2-4); selects value v1.
  std::optional<int64_t> expire_timestamp_ms;
  friend bool operator==(const OffsetCommitValue&, const OffsetCommitValue&) = default;
};

struct MemberMetadataValue {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = -1;  // v1+ (v0 readers: the session timeout)
  int32_t session_timeout_ms = 0;
  std::vector<uint8_t> subscription;  // the member's metadata for the group's selected protocol
  std::vector<uint8_t> assignment;
  friend bool operator==(const MemberMetadataValue&, const MemberMetadataValue&) = default;
};

struct GroupMetadataValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;  // null while the group is Empty
  std::optional<std::string> leader;
  int64_t current_state_timestamp_ms = -1;  // v2+
  std::vector<MemberMetadataValue> members;
  friend bool operator==(const GroupMetadataValue&, const GroupMetadataValue&) = default;
};

// Encoders fail only for values the format cannot carry (a string over 32767 bytes).
Result<std::vector<uint8_t>> EncodeKey(const RecordKey& key);
Result<std::vector<uint8_t>> EncodeOffsetCommitValue(const OffsetCommitValue& value);
Result<std::vector<uint8_t>> EncodeGroupMetadataValue(const GroupMetadataValue& value);

// Decoders fail (Status::Corruption) on truncated or trailing bytes, a null where the format has
// none, or an unknown version, naming the field.
Result<RecordKey> DecodeKey(std::span<const uint8_t> bytes);
Result<OffsetCommitValue> DecodeOffsetCommitValue(std::span<const uint8_t> bytes);
Result<GroupMetadataValue> DecodeGroupMetadataValue(std::span<const uint8_t> bytes);

}  // namespace kbench::broker::consumer_offsets
