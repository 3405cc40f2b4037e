// OffsetCommit (key 8), versions 0-7 (OffsetCommitRequest.json / OffsetCommitResponse.json,
// Kafka 3.4).
//
//   request  group_id STRING | generation_id i32 (v1+) | member_id STRING (v1+)
//            | group_instance_id nullable STRING (v7+) | retention_time_ms i64 (v2-4)
//            | topics [name STRING | partitions [partition_index i32 | committed_offset i64
//                      | committed_leader_epoch i32 (v6+) | commit_timestamp i64 (v1 only)
//                      | committed_metadata nullable STRING]]
//   response throttle_time_ms i32 (v3+) | topics [name STRING | partitions [partition_index i32
//                                                                          | error_code i16]]
//
// Owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct OffsetCommitRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetCommit;
  struct Partition {
    PartitionId partition_index{0};
    Offset committed_offset{-1};
    LeaderEpoch committed_leader_epoch{-1};  // v6+
    int64_t commit_timestamp = -1;           // v1 only
    std::optional<std::string> committed_metadata;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  std::string group_id;
  int32_t generation_id = -1;                    // v1+
  std::string member_id;                         // v1+
  std::optional<std::string> group_instance_id;  // v7+
  int64_t retention_time_ms = -1;                // v2-4; -1 = the broker's default
  std::vector<Topic> topics;

  static Result<OffsetCommitRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetCommitRequest&, const OffsetCommitRequest&) = default;
};

struct OffsetCommitResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetCommit;
  struct Partition {
    PartitionId partition_index{0};
    ErrorCode error_code = ErrorCode::kNone;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Topic> topics;

  static Result<OffsetCommitResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetCommitResponse&, const OffsetCommitResponse&) = default;
};

}  // namespace kbench::protocol
