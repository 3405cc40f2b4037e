// JoinGroup (key 11), versions 0-5 (JoinGroupRequest.json / JoinGroupResponse.json, Kafka 3.4).
//
//   request  group_id STRING | session_timeout_ms i32 | rebalance_timeout_ms i32 (v1+) | member_id
//   STRING
//            | group_instance_id nullable STRING (v5+) | protocol_type STRING
//            | protocols [name STRING | metadata BYTES]
//   response throttle_time_ms i32 (v2+) | error_code i16 | generation_id i32 | protocol_name STRING
//            | leader STRING | member_id STRING
//            | members [member_id STRING | group_instance_id nullable STRING (v5+) | metadata
//            BYTES]
//
// From v4 a member joining with an empty member_id gets MEMBER_ID_REQUIRED and its assigned id, and
// joins again with it. Protocol metadata and assignments are opaque bytes (the consumer protocol),
// owned.
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

struct JoinGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kJoinGroup;
  struct Protocol {
    std::string name;
    std::vector<uint8_t> metadata;
    friend bool operator==(const Protocol&, const Protocol&) = default;
  };

  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v1+; -1 (absent) means session_timeout_ms
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v5+
  std::string protocol_type;
  std::vector<Protocol> protocols;

  static Result<JoinGroupRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const JoinGroupRequest&, const JoinGroupRequest&) = default;
};

struct JoinGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kJoinGroup;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v5+
    std::vector<uint8_t> metadata;
    friend bool operator==(const Member&, const Member&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  ErrorCode error_code = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<Member> members;  // the leader gets every member; the others get none

  static Result<JoinGroupResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const JoinGroupResponse&, const JoinGroupResponse&) = default;
};

}  // namespace kbench::protocol
