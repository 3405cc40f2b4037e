// OffsetFetch (key 9), versions 0-5 (OffsetFetchRequest.json / OffsetFetchResponse.json,
// Kafka 3.4).
//
//   request  group_id STRING | topics [name STRING | partition_indexes [i32]] (null = all, v2+)
//   response throttle_time_ms i32 (v3+)
//            | topics [name STRING | partitions [partition_index i32 | committed_offset i64
//                      | committed_leader_epoch i32 (v5+) | metadata nullable STRING | error_code
//                      i16]]
//            | error_code i16 (v2+)
//
// committed_offset -1 means "no committed offset". A null topic list (all committed topics) exists
// from v2; encoding it at v0/v1 fails. Owned values.
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

struct OffsetFetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Topic {
    std::string name;
    std::vector<PartitionId> partition_indexes;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  std::string group_id;
  std::optional<std::vector<Topic>> topics = std::vector<Topic>{};  // nullopt = all (v2+)

  static Result<OffsetFetchRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetFetchRequest&, const OffsetFetchRequest&) = default;
};

struct OffsetFetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Partition {
    PartitionId partition_index{0};
    Offset committed_offset{-1};
    LeaderEpoch committed_leader_epoch{-1};  // v5+
    std::optional<std::string> metadata;
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
  ErrorCode error_code = ErrorCode::kNone;  // v2+

  static Result<OffsetFetchResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetFetchResponse&, const OffsetFetchResponse&) = default;
};

}  // namespace kbench::protocol
