// ControlledShutdown (kbench-internal key 30002, v0): a broker that is stopping cleanly asks the
// controller to move the leadership of its partitions to other in-sync replicas, one partition at
// a time, and to take it out of every ISR; the controller answers when it is done and fences the
// broker (docs/architecture.md, "Replication and the bundled cluster"). `remaining` lists the
// partitions it still leads because no other in-sync replica was alive (replication factor 1, or an
// ISR of one): they go offline when it stops.
//
//   request  broker_id i32 | broker_epoch i64
//   response error_code i16 | remaining [topic STRING | partition i32]
//
// Errors: STALE_BROKER_EPOCH, REQUEST_TIMED_OUT (controlled.shutdown.timeout.ms passed; the broker
// stops anyway).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/cluster_api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct ControlledShutdownRequest {
  static constexpr ApiKey kApiKey = kControlledShutdownKey;
  BrokerId broker_id{0};
  int64_t broker_epoch = -1;

  static Result<ControlledShutdownRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ControlledShutdownRequest&,
                         const ControlledShutdownRequest&) = default;
};

struct ControlledShutdownResponse {
  static constexpr ApiKey kApiKey = kControlledShutdownKey;
  struct Remaining {
    std::string topic;
    PartitionId partition{0};
    friend bool operator==(const Remaining&, const Remaining&) = default;
  };
  ErrorCode error_code = ErrorCode::kNone;
  std::vector<Remaining> remaining;

  static Result<ControlledShutdownResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ControlledShutdownResponse&,
                         const ControlledShutdownResponse&) = default;
};

}  // namespace kbench::protocol
