// LeaveGroup (key 13), versions 0-1 (LeaveGroupRequest.json / LeaveGroupResponse.json, Kafka 3.4).
//
//   request  group_id STRING | member_id STRING
//   response throttle_time_ms i32 (v1+) | error_code i16
//
// Owned values.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct LeaveGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kLeaveGroup;

  std::string group_id;
  std::string member_id;

  static Result<LeaveGroupRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const LeaveGroupRequest&, const LeaveGroupRequest&) = default;
};

struct LeaveGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kLeaveGroup;

  int32_t throttle_time_ms = 0;  // v1+
  ErrorCode error_code = ErrorCode::kNone;

  static Result<LeaveGroupResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const LeaveGroupResponse&, const LeaveGroupResponse&) = default;
};

}  // namespace kbench::protocol
