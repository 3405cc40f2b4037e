// FindCoordinator (key 10), versions 0-2 (FindCoordinatorRequest.json /
// FindCoordinatorResponse.json).
//
//   request  key STRING | key_type i8 (v1+; 0 group, 1 transaction)
//   response throttle_time_ms i32 (v1+) | error_code i16 | error_message nullable STRING (v1+)
//            | node_id i32 | host STRING | port i32
//
// Owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct FindCoordinatorRequest {
  static constexpr ApiKey kApiKey = ApiKey::kFindCoordinator;

  std::string key;
  int8_t key_type = 0;  // v1+

  static Result<FindCoordinatorRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const FindCoordinatorRequest&, const FindCoordinatorRequest&) = default;
};

struct FindCoordinatorResponse {
  static constexpr ApiKey kApiKey = ApiKey::kFindCoordinator;

  int32_t throttle_time_ms = 0;  // v1+
  ErrorCode error_code = ErrorCode::kNone;
  std::optional<std::string> error_message;  // v1+
  BrokerId node_id{-1};
  std::string host;
  int32_t port = -1;

  static Result<FindCoordinatorResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const FindCoordinatorResponse&, const FindCoordinatorResponse&) = default;
};

}  // namespace kbench::protocol
