// ApiVersions (key 18), versions 0-2 (ApiVersionsRequest.json / ApiVersionsResponse.json,
// Kafka 3.4).
//
//   request  v0-2: empty body
//   response v0:   error_code i16 | api_keys [api_key i16 | min_version i16 | max_version i16]
//            v1-2: v0 | throttle_time_ms i32
//
// A client that sends a newer, flexible version (librdkafka sends v3 first) gets what Kafka sends:
// a v0 body with UNSUPPORTED_VERSION listing at least ApiVersions itself (UnsupportedVersion()),
// after which it retries at the advertised maximum. All fields are owned values.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct ApiVersionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;

  static Result<ApiVersionsRequest> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ApiVersionsRequest&, const ApiVersionsRequest&) = default;
};

struct ApiVersionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;
  struct ApiVersion {
    ApiKey api_key = ApiKey::kProduce;
    int16_t min_version = 0;
    int16_t max_version = 0;
    friend bool operator==(const ApiVersion&, const ApiVersion&) = default;
  };

  ErrorCode error_code = ErrorCode::kNone;
  std::vector<ApiVersion> api_keys;
  int32_t throttle_time_ms = 0;  // v1+

  // The reply to a supported ApiVersions request: every row of SupportedApis().
  static ApiVersionsResponse Supported();
  // The reply to an ApiVersions version above the maximum, to be encoded at v0 (Kafka's KIP-511
  // behaviour): UNSUPPORTED_VERSION listing ApiVersions' own range.
  static ApiVersionsResponse UnsupportedVersion();

  static Result<ApiVersionsResponse> Decode(Reader& r, int16_t version);
  void Encode(Writer& w, int16_t version) const;
  friend bool operator==(const ApiVersionsResponse&, const ApiVersionsResponse&) = default;
};

}  // namespace kbench::protocol
