#include "core/protocol/api_versions.h"

namespace kbench::protocol {

Result<ApiVersionsRequest> ApiVersionsRequest::Decode(Reader& r, int16_t version) {
  return r.Finish(ApiVersionsRequest{}, "ApiVersions request", version);
}

void ApiVersionsRequest::Encode(Writer&, int16_t) const {}

ApiVersionsResponse ApiVersionsResponse::Supported() {
  ApiVersionsResponse m;
  for (const ApiSupport& api : SupportedApis()) {
    m.api_keys.push_back({api.key, api.advertised_min, api.max_version});
  }
  return m;
}

ApiVersionsResponse ApiVersionsResponse::UnsupportedVersion() {
  const ApiSupport* self = FindApi(ApiKey::kApiVersions);
  ApiVersionsResponse m;
  m.error_code = ErrorCode::kUnsupportedVersion;
  m.api_keys.push_back({self->key, self->advertised_min, self->max_version});
  return m;
}

Result<ApiVersionsResponse> ApiVersionsResponse::Decode(Reader& r, int16_t version) {
  ApiVersionsResponse m;
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  r.ReadArray("api_keys", 6, m.api_keys, [&](ApiVersion& a) {
    a.api_key = static_cast<ApiKey>(r.ReadInt16("api_keys.api_key"));
    a.min_version = r.ReadInt16("api_keys.min_version");
    a.max_version = r.ReadInt16("api_keys.max_version");
  });
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  return r.Finish(std::move(m), "ApiVersions response", version);
}

void ApiVersionsResponse::Encode(Writer& w, int16_t version) const {
  w.WriteInt16(ToWire(error_code));
  w.WriteArray("api_keys", api_keys, [&](const ApiVersion& a) {
    w.WriteInt16(ToWire(a.api_key));
    w.WriteInt16(a.min_version);
    w.WriteInt16(a.max_version);
  });
  if (version >= 1) w.WriteInt32(throttle_time_ms);
}

}  // namespace kbench::protocol
