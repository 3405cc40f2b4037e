// InitProducerId (key 22), versions 0-1 (InitProducerIdRequest.json / InitProducerIdResponse.json).
//
//   request  transactional_id nullable STRING | transaction_timeout_ms i32
//   response throttle_time_ms i32 | error_code i16 | producer_id i64 | producer_epoch i16
//
// An idempotent (non-transactional) producer sends a null transactional_id. Owned values.
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

struct InitProducerIdRequest {
  static constexpr ApiKey kApiKey = ApiKey::kInitProducerId;

  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;

  static Result<InitProducerIdRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const InitProducerIdRequest&, const InitProducerIdRequest&) = default;
};

struct InitProducerIdResponse {
  static constexpr ApiKey kApiKey = ApiKey::kInitProducerId;

  int32_t throttle_time_ms = 0;
  ErrorCode error_code = ErrorCode::kNone;
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;

  static Result<InitProducerIdResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const InitProducerIdResponse&, const InitProducerIdResponse&) = default;
};

}  // namespace kbench::protocol
