// ListOffsets (key 2), versions 0-2 (ListOffsetsRequest.json / ListOffsetsResponse.json,
// Kafka 3.4).
//
//   request  replica_id i32 | isolation_level i8 (v2+)
//            | topics [name STRING | partitions [partition_index i32 | timestamp i64
//                                                | max_num_offsets i32 (v0)]]
//   response throttle_time_ms i32 (v2+)
//            | topics [name STRING | partitions [partition_index i32 | error_code i16
//                                                | old_style_offsets [i64] (v0)
//                                                | timestamp i64 (v1+) | offset i64 (v1+)]]
//
// timestamp -1 asks for the latest offset, -2 for the earliest. A v0 response carries offsets in
// old_style_offsets; v1+ in timestamp/offset: the broker fills the one its version uses. Owned
// values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

inline constexpr int64_t kListOffsetsLatest = -1;
inline constexpr int64_t kListOffsetsEarliest = -2;

struct ListOffsetsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kListOffsets;
  struct Partition {
    PartitionId partition_index{0};
    int64_t timestamp = kListOffsetsLatest;
    int32_t max_num_offsets = 1;  // v0
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  BrokerId replica_id{-1};
  int8_t isolation_level = 0;  // v2+
  std::vector<Topic> topics;

  static Result<ListOffsetsRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ListOffsetsRequest&, const ListOffsetsRequest&) = default;
};

struct ListOffsetsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kListOffsets;
  struct Partition {
    PartitionId partition_index{0};
    ErrorCode error_code = ErrorCode::kNone;
    std::vector<Offset> old_style_offsets;  // v0
    int64_t timestamp = -1;                 // v1+
    Offset offset{-1};                      // v1+
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Topic> topics;

  static Result<ListOffsetsResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ListOffsetsResponse&, const ListOffsetsResponse&) = default;
};

}  // namespace kbench::protocol
