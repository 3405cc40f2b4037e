// AllocateProducerIds (kbench-internal key 30003, v0; the shape of Kafka's KIP-730 API): a broker
// asks the controller for a block of producer ids, so no two brokers of a cluster ever hand out the
// same id to InitProducerId. The controller reserves blocks durably in its metadata.
//
//   request  broker_id i32 | broker_epoch i64
//   response error_code i16 | first_id i64 | count i32
//
// Errors: STALE_BROKER_EPOCH, KAFKA_STORAGE_ERROR (the reservation could not be persisted).
#pragma once

#include <cstdint>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/protocol/cluster_api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct AllocateProducerIdsRequest {
  static constexpr ApiKey kApiKey = kAllocateProducerIdsKey;
  BrokerId broker_id{0};
  int64_t broker_epoch = -1;

  static Result<AllocateProducerIdsRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const AllocateProducerIdsRequest&,
                         const AllocateProducerIdsRequest&) = default;
};

struct AllocateProducerIdsResponse {
  static constexpr ApiKey kApiKey = kAllocateProducerIdsKey;
  ErrorCode error_code = ErrorCode::kNone;
  ProducerId first_id{-1};
  int32_t count = 0;

  static Result<AllocateProducerIdsResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const AllocateProducerIdsResponse&,
                         const AllocateProducerIdsResponse&) = default;
};

}  // namespace kbench::protocol
