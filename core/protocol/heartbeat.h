// Heartbeat (key 12), versions 0-3 (HeartbeatRequest.json / HeartbeatResponse.json, Kafka 3.4).
//
//   request  group_id STRING | generation_id i32 | member_id STRING
//            | group_instance_id nullable STRING (v3+)
//   response throttle_time_ms i32 (v1+) | error_code i16
//
// Owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct HeartbeatRequest {
  static constexpr ApiKey kApiKey = ApiKey::kHeartbeat;

  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+

  static Result<HeartbeatRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const HeartbeatRequest&, const HeartbeatRequest&) = default;
};

struct HeartbeatResponse {
  static constexpr ApiKey kApiKey = ApiKey::kHeartbeat;

  int32_t throttle_time_ms = 0;  // v1+
  ErrorCode error_code = ErrorCode::kNone;

  static Result<HeartbeatResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const HeartbeatResponse&, const HeartbeatResponse&) = default;
};

}  // namespace kbench::protocol
