// AlterIsr (kbench-internal key 30001, v0): a partition leader asks the controller to change the
// ISR (shrink a lagging follower out, take a caught-up one back in). The change takes effect only
// once the controller has committed it (docs/architecture.md, "Replication and the bundled
// cluster"): until then the leader computes its high watermark over the larger of the old and
// proposed ISR (Kafka's "maximal ISR").
//
//   request  broker_id i32 | broker_epoch i64
//            | topics [topic STRING | partitions [partition i32 | leader_epoch i32
//                                                 | partition_epoch i32 | new_isr [i32]]]
//   response error_code i16
//            | topics [topic STRING | partitions [error_code i16 | PartitionState]]
//
// Per-partition errors: NOT_LEADER_OR_FOLLOWER (the requester does not lead it),
// FENCED_LEADER_EPOCH (stale leader epoch), INVALID_UPDATE_VERSION (stale partition epoch: another
// change won), INVALID_REQUEST (an ISR that is not a subset of the replicas, lacks the leader, or
// adds a broker that is not alive), UNKNOWN_TOPIC_OR_PARTITION. The returned state is the
// partition's committed state either way. Top-level: STALE_BROKER_EPOCH.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/cluster_api_keys.h"
#include "core/protocol/cluster_metadata.h"

namespace kbench::protocol {

struct AlterIsrRequest {
  static constexpr ApiKey kApiKey = kAlterIsrKey;
  struct Partition {
    PartitionId partition{0};
    LeaderEpoch leader_epoch{0};
    int32_t partition_epoch = 0;
    std::vector<BrokerId> new_isr;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };
  BrokerId broker_id{0};
  int64_t broker_epoch = -1;
  std::vector<Topic> topics;

  static Result<AlterIsrRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const AlterIsrRequest&, const AlterIsrRequest&) = default;
};

struct AlterIsrResponse {
  static constexpr ApiKey kApiKey = kAlterIsrKey;
  struct Partition {
    ErrorCode error_code = ErrorCode::kNone;
    ClusterPartitionState state;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };
  ErrorCode error_code = ErrorCode::kNone;
  std::vector<Topic> topics;

  static Result<AlterIsrResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const AlterIsrResponse&, const AlterIsrResponse&) = default;
};

}  // namespace kbench::protocol
