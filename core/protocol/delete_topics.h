// DeleteTopics (key 20), versions 0-1 (DeleteTopicsRequest.json / DeleteTopicsResponse.json,
// Kafka 3.4).
//
//   request  topic_names [STRING] | timeout_ms i32
//   response throttle_time_ms i32 (v1+) | responses [name STRING | error_code i16]
//
// Owned values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct DeleteTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteTopics;

  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;

  static Result<DeleteTopicsRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const DeleteTopicsRequest&, const DeleteTopicsRequest&) = default;
};

struct DeleteTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteTopics;
  struct TopicResult {
    std::string name;
    ErrorCode error_code = ErrorCode::kNone;
    friend bool operator==(const TopicResult&, const TopicResult&) = default;
  };

  int32_t throttle_time_ms = 0;  // v1+
  std::vector<TopicResult> responses;

  static Result<DeleteTopicsResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const DeleteTopicsResponse&, const DeleteTopicsResponse&) = default;
};

}  // namespace kbench::protocol
