// BrokerHeartbeat (kbench-internal key 30000, v0): a broker registers with the controller, proves
// it is alive and long-polls for cluster metadata, all in one request (docs/architecture.md,
// "Replication and the bundled cluster").
//
//   request  broker_id i32 | incarnation i64 | broker_epoch i64 (-1: register)
//            | host STRING | port i32 | rack NULLABLE_STRING
//            | controller_epoch i32 (of the metadata applied; -1 none)
//            | applied_version i64 (metadata version applied; -1 none) | max_wait_ms i32
//   response error_code i16 | broker_epoch i64 | controller_epoch i32
//            | has_metadata BOOLEAN | metadata MetadataDelta (when has_metadata)
//
// `incarnation` is random per broker start: a registration with a new incarnation tells the
// controller the broker restarted (its old registration is fenced first). The controller answers at
// once when it has metadata newer than applied_version (or a full image for a new registration or
// another controller epoch), else after max_wait_ms with none. Errors: STALE_BROKER_EPOCH
// (register again), INVALID_REQUEST (not a member of the cluster).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/cluster_api_keys.h"
#include "core/protocol/cluster_metadata.h"

namespace kbench::protocol {

struct BrokerHeartbeatRequest {
  static constexpr ApiKey kApiKey = kBrokerHeartbeatKey;
  BrokerId broker_id{0};
  int64_t incarnation = 0;
  int64_t broker_epoch = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  int32_t controller_epoch = -1;
  int64_t applied_version = -1;
  int32_t max_wait_ms = 0;

  static Result<BrokerHeartbeatRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const BrokerHeartbeatRequest&, const BrokerHeartbeatRequest&) = default;
};

struct BrokerHeartbeatResponse {
  static constexpr ApiKey kApiKey = kBrokerHeartbeatKey;
  ErrorCode error_code = ErrorCode::kNone;
  int64_t broker_epoch = -1;
  int32_t controller_epoch = -1;
  std::optional<MetadataDelta> metadata;

  static Result<BrokerHeartbeatResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const BrokerHeartbeatResponse&, const BrokerHeartbeatResponse&) = default;
};

}  // namespace kbench::protocol
