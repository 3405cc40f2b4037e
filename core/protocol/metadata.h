// Metadata (key 3), versions 0-8 (MetadataRequest.json / MetadataResponse.json, Kafka 3.4).
//
//   request  topics [name STRING] (null = all topics, v1+; in v0 an empty array means all topics)
//            | allow_auto_topic_creation BOOL (v4+) | include_cluster_authorized_operations BOOL
//            (v8) | include_topic_authorized_operations BOOL (v8)
//   response throttle_time_ms i32 (v3+)
//            | brokers [node_id i32 | host STRING | port i32 | rack nullable STRING (v1+)]
//            | cluster_id nullable STRING (v2+) | controller_id i32 (v1+)
//            | topics [error_code i16 | name STRING | is_internal BOOL (v1+)
//                      | partitions [error_code i16 | partition_index i32 | leader_id i32
//                                    | leader_epoch i32 (v7+) | replica_nodes [i32] | isr_nodes
//                                    [i32] | offline_replicas [i32] (v5+)]
//                      | topic_authorized_operations i32 (v8+)]
//            | cluster_authorized_operations i32 (v8)
//
// `topics == nullopt` means "all topics" at every version: a v0 empty array decodes to nullopt and
// nullopt encodes as an empty array at v0 (a v0 request cannot ask for no topics; encoding that
// fails). Fields absent from a version hold Kafka's defaults. All fields are owned values.
#pragma once

#include <cstdint>
#include <limits>
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

inline constexpr int32_t kAuthorizedOperationsOmitted = std::numeric_limits<int32_t>::min();

struct MetadataRequest {
  static constexpr ApiKey kApiKey = ApiKey::kMetadata;

  std::optional<std::vector<std::string>> topics = std::vector<std::string>{};
  bool allow_auto_topic_creation = true;               // v4+
  bool include_cluster_authorized_operations = false;  // v8
  bool include_topic_authorized_operations = false;    // v8+

  static Result<MetadataRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const MetadataRequest&, const MetadataRequest&) = default;
};

struct MetadataResponse {
  static constexpr ApiKey kApiKey = ApiKey::kMetadata;
  struct Broker {
    BrokerId node_id{0};
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // v1+
    friend bool operator==(const Broker&, const Broker&) = default;
  };
  struct Partition {
    ErrorCode error_code = ErrorCode::kNone;
    PartitionId partition_index{0};
    BrokerId leader_id{-1};
    LeaderEpoch leader_epoch{-1};  // v7+
    std::vector<BrokerId> replica_nodes;
    std::vector<BrokerId> isr_nodes;
    std::vector<BrokerId> offline_replicas;  // v5+
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    ErrorCode error_code = ErrorCode::kNone;
    std::string name;
    bool is_internal = false;  // v1+
    std::vector<Partition> partitions;
    int32_t topic_authorized_operations = kAuthorizedOperationsOmitted;  // v8+
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  BrokerId controller_id{-1};             // v1+
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = kAuthorizedOperationsOmitted;  // v8

  static Result<MetadataResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const MetadataResponse&, const MetadataResponse&) = default;
};

}  // namespace kbench::protocol
