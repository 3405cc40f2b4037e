// SyncGroup (key 14), versions 0-3 (SyncGroupRequest.json / SyncGroupResponse.json, Kafka 3.4).
//
//   request  group_id STRING | generation_id i32 | member_id STRING
//            | group_instance_id nullable STRING (v3+) | assignments [member_id STRING | assignment
//            BYTES]
//   response throttle_time_ms i32 (v1+) | error_code i16 | assignment BYTES
//
// Only the leader sends assignments. Owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct SyncGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSyncGroup;
  struct Assignment {
    std::string member_id;
    std::vector<uint8_t> assignment;
    friend bool operator==(const Assignment&, const Assignment&) = default;
  };

  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::vector<Assignment> assignments;

  static Result<SyncGroupRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const SyncGroupRequest&, const SyncGroupRequest&) = default;
};

struct SyncGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSyncGroup;

  int32_t throttle_time_ms = 0;  // v1+
  ErrorCode error_code = ErrorCode::kNone;
  std::vector<uint8_t> assignment;

  static Result<SyncGroupResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const SyncGroupResponse&, const SyncGroupResponse&) = default;
};

}  // namespace kbench::protocol
