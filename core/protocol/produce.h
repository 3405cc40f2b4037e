// Produce (key 0), versions 0-7 (ProduceRequest.json / ProduceResponse.json, Kafka 3.4);
// ApiVersions advertises 3-7 because only v3+ carries RecordBatch v2.
//
//   request  transactional_id nullable STRING (v3+) | acks i16 | timeout_ms i32
//            | topic_data [name STRING | partition_data [index i32 | records nullable BYTES]]
//   response responses [name STRING | partition_responses [index i32 | error_code i16 | base_offset
//   i64
//                        | log_append_time_ms i64 (v2+) | log_start_offset i64 (v5+)]]
//            | throttle_time_ms i32 (v1+)
//
// The hot path (a producer sends ~20k requests/s carrying ~2M records/s): a decoded ProduceRequest
// copies nothing. Topic names, the transactional id and the records are views into the request
// frame, and the records are writable so the broker rewrites base offsets in place. Keep the frame
// alive (and do not move its buffer) while the request is in use. The response owns its values (it
// may be completed after the frame is gone, e.g. acks=all).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/records.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct ProduceRequest {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct Partition {
    PartitionId index{0};
    ProduceRecords records;
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string_view name;  // view into the frame
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  std::optional<std::string_view> transactional_id;  // v3+; view into the frame
  int16_t acks = -1;                                 // 0, 1 or -1 (all)
  int32_t timeout_ms = 0;
  std::vector<Topic> topics;

  // acks=0: the broker sends no response at all.
  bool ExpectsResponse() const { return acks != 0; }

  // Needs a Reader built over the writable frame (records are writable views).
  static Result<ProduceRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ProduceRequest&, const ProduceRequest&) = default;
};

struct ProduceResponse {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct Partition {
    PartitionId index{0};
    ErrorCode error_code = ErrorCode::kNone;
    Offset base_offset{-1};
    int64_t log_append_time_ms = -1;  // v2+; -1 unless the topic uses LogAppendTime
    Offset log_start_offset{-1};      // v5+
    friend bool operator==(const Partition&, const Partition&) = default;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    friend bool operator==(const Topic&, const Topic&) = default;
  };

  std::vector<Topic> topics;
  int32_t throttle_time_ms = 0;  // v1+

  static Result<ProduceResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ProduceResponse&, const ProduceResponse&) = default;
};

}  // namespace kbench::protocol
