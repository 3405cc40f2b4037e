// Fetch (key 1), versions 0-11 (FetchRequest.json / FetchResponse.json, Kafka 3.4); ApiVersions
// advertises 4-11 (RecordBatch v2 needs v4+). Consumers send replica_id -1; a follower sends its
// broker id. librdkafka sends session_id 0 / session_epoch -1 (full fetches only).
//
//   request  replica_id i32 | max_wait_ms i32 | min_bytes i32 | max_bytes i32 (v3+)
//            | isolation_level i8 (v4+) | session_id i32 (v7+) | session_epoch i32 (v7+)
//            | topics [topic STRING | partitions [partition i32 | current_leader_epoch i32 (v9+)
//                      | fetch_offset i64 | log_start_offset i64 (v5+) | partition_max_bytes i32]]
//            | forgotten_topics_data [topic STRING | partitions [i32]] (v7+) | rack_id STRING
//            (v11+)
//   response throttle_time_ms i32 (v1+) | error_code i16 (v7+) | session_id i32 (v7+)
//            | responses [topic STRING | partitions [partition_index i32 | error_code i16
//                         | high_watermark i64 | last_stable_offset i64 (v4+) | log_start_offset
//                         i64 (v5+) | aborted_transactions nullable [producer_id i64 | first_offset
//                         i64] (v4+) | preferred_read_replica i32 (v11+) | records nullable BYTES]]
//
// Records (see records.h): the broker sets each partition's records to a FileSlice of the segment
// file; Encode splices it into the EncodedMessage, so the sender sendfile()s it. Decode (the
// replica fetcher, tests) yields byte views into the response frame: keep the frame alive while
// they are used. Every other field is an owned value.
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
#include "core/protocol/records.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

inline constexpr BrokerId kConsumerReplicaId{-1};

struct FetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::kFetch;
  struct Partition {
    PartitionId partition{0};
    LeaderEpoch current_leader_epoch{-1};  // v9+
    Offset fetch_offset{0};
    Offset log_start_offset{-1};  // v5+; only followers set it
    int32_t partition_max_bytes = 0;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };
  struct ForgottenTopic {
    std::string topic;
    std::vector<PartitionId> partitions;
    friend bool operator==(const ForgottenTopic&, const ForgottenTopic&) = default;
  };

  BrokerId replica_id = kConsumerReplicaId;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;  // v3+
  int8_t isolation_level = 0;      // v4+; 0 read_uncommitted, 1 read_committed
  int32_t session_id = 0;          // v7+
  int32_t session_epoch = -1;      // v7+
  std::vector<Topic> topics;
  std::vector<ForgottenTopic> forgotten_topics;  // v7+
  std::string rack_id;                           // v11+

  static Result<FetchRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const FetchRequest&, const FetchRequest&) = default;
};

struct FetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::kFetch;
  struct AbortedTransaction {
    ProducerId producer_id{-1};
    Offset first_offset{-1};
    friend bool operator==(const AbortedTransaction&, const AbortedTransaction&) = default;
  };
  struct Partition {
    PartitionId partition_index{0};
    ErrorCode error_code = ErrorCode::kNone;
    Offset high_watermark{-1};
    Offset last_stable_offset{-1};                                        // v4+
    Offset log_start_offset{-1};                                          // v5+
    std::optional<std::vector<AbortedTransaction>> aborted_transactions;  // v4+; null = none
    BrokerId preferred_read_replica{-1};                                  // v11+
    FetchRecords records;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;             // v1+
  ErrorCode error_code = ErrorCode::kNone;  // v7+
  int32_t session_id = 0;                   // v7+
  std::vector<Topic> topics;

  // Record bytes across all partitions (spliced or in memory).
  int64_t RecordBytes() const;

  static Result<FetchResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const FetchResponse&, const FetchResponse&) = default;
};

}  // namespace kbench::protocol
