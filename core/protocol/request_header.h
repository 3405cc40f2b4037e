// Request and response headers (apache/kafka RequestHeader.json, ResponseHeader.json).
//
// Request header versions:
//   v0  api_key i16 | api_version i16 | correlation_id i32              (ControlledShutdown v0
//   only) v1  v0 | client_id nullable STRING                                   (every request
//   kbench serves) v2  v1 | tagged fields                                               (flexible
//   versions: librdkafka's
//                                                                         first ApiVersions v3
//                                                                         request)
// The version follows from api_key/api_version (RequestHeaderVersion), so DecodeRequestHeader reads
// api_key and api_version first and then the rest. A v2 header is decoded only so the broker can
// answer a too-new ApiVersions request with a v0 UNSUPPORTED_VERSION reply, the way Kafka does; its
// tagged fields are skipped. Response header v0 is the correlation id alone (all kbench responses,
// and every ApiVersions response at any version).
//
// Ownership: client_id is a view into the frame; keep the frame alive while the header is in use.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct RequestHeader {
  ApiKey api_key = ApiKey::kApiVersions;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string_view> client_id;  // absent in v0; borrowed from the frame

  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

// The header version Kafka uses for this request: 0 for ControlledShutdown v0, 2 for flexible
// versions of the APIs kbench knows, else 1.
int16_t HeaderVersionFor(ApiKey key, int16_t api_version);

// Reads the header at the start of a request frame (the bytes after the 4-byte size prefix) and
// leaves `r` at the body. Fails (INVALID_REQUEST) only when the bytes cannot hold the header; API
// keys and versions kbench does not serve are not errors here (see DecodeRequestBody).
Result<RequestHeader> DecodeRequestHeader(Reader& r);

// Writes the header at HeaderVersionFor(api_key, api_version) (v2 with no tagged fields).
void EncodeRequestHeader(Writer& w, const RequestHeader& h);

struct ResponseHeader {
  int32_t correlation_id = 0;

  friend bool operator==(const ResponseHeader&, const ResponseHeader&) = default;
};

Result<ResponseHeader> DecodeResponseHeader(Reader& r);
void EncodeResponseHeader(Writer& w, const ResponseHeader& h);

}  // namespace kbench::protocol
