// OffsetForLeaderEpoch (key 23), versions 0-3 (OffsetForLeaderEpochRequest.json /
// ...Response.json). Followers use it to find where their log diverges from a new leader's
// (KIP-101: truncate to the end offset of the last common epoch); librdkafka uses v2+ to validate a
// consumer's position (KIP-320).
//
//   request  replica_id i32 (v3+; -1 consumer, -2 absent/debug, else a follower's broker id)
//            | topics [topic STRING | partitions [partition i32 | current_leader_epoch i32 (v2+)
//                                                 | leader_epoch i32]]
//   response throttle_time_ms i32 (v2+)
//            | topics [topic STRING | partitions [error_code i16 | partition i32
//                                                 | leader_epoch i32 (v1+) | end_offset i64]]
//
// end_offset is the first offset after the requested epoch's last batch (-1 when the epoch is
// unknown), leader_epoch the largest epoch <= the requested one. Owned values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

inline constexpr BrokerId kDebuggingReplicaId{-2};

struct OffsetForLeaderEpochRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetForLeaderEpoch;
  struct Partition {
    PartitionId partition{0};
    LeaderEpoch current_leader_epoch{-1};  // v2+; fencing: the requester's view of the leader epoch
    LeaderEpoch leader_epoch{-1};          // the epoch whose end offset is wanted
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  BrokerId replica_id = kDebuggingReplicaId;  // v3+
  std::vector<Topic> topics;

  static Result<OffsetForLeaderEpochRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetForLeaderEpochRequest&,
                         const OffsetForLeaderEpochRequest&) = default;
};

struct OffsetForLeaderEpochResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetForLeaderEpoch;
  struct Partition {
    ErrorCode error_code = ErrorCode::kNone;
    PartitionId partition{0};
    LeaderEpoch leader_epoch{-1};  // v1+
    Offset end_offset{-1};
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Topic> topics;

  static Result<OffsetForLeaderEpochResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const OffsetForLeaderEpochResponse&,
                         const OffsetForLeaderEpochResponse&) = default;
};

}  // namespace kbench::protocol
