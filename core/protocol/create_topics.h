// CreateTopics (key 19), versions 0-4 (CreateTopicsRequest.json / CreateTopicsResponse.json,
// Kafka 3.4).
//
//   request  topics [name STRING | num_partitions i32 | replication_factor i16
//                    | assignments [partition_index i32 | broker_ids [i32]]
//                    | configs [name STRING | value nullable STRING]]
//            | timeout_ms i32 | validate_only BOOL (v1+)
//   response throttle_time_ms i32 (v2+)
//            | topics [name STRING | error_code i16 | error_message nullable STRING (v1+)]
//
// num_partitions / replication_factor -1 mean "the broker's default" (or use the explicit
// assignments). Owned values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct CreateTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Assignment {
    PartitionId partition_index{0};
    std::vector<BrokerId> broker_ids;
    friend bool operator==(const Assignment&, const Assignment&) = default;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
    friend bool operator==(const Config&, const Config&) = default;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::vector<Assignment> assignments;
    std::vector<Config> configs;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;  // v1+

  static Result<CreateTopicsRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const CreateTopicsRequest&, const CreateTopicsRequest&) = default;
};

struct CreateTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Topic {
    std::string name;
    ErrorCode error_code = ErrorCode::kNone;
    std::optional<std::string> error_message;  // v1+
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Topic> topics;

  static Result<CreateTopicsResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const CreateTopicsResponse&, const CreateTopicsResponse&) = default;
};

}  // namespace kbench::protocol
