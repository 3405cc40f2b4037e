#include "core/protocol/request_header.h"

namespace kbench::protocol {

int16_t HeaderVersionFor(ApiKey key, int16_t api_version) {
  constexpr ApiKey kControlledShutdown = static_cast<ApiKey>(7);
  if (key == kControlledShutdown && api_version == 0) return 0;
  return RequestHeaderVersion(key, api_version);
}

Result<RequestHeader> DecodeRequestHeader(Reader& r) {
  RequestHeader h;
  h.api_key = static_cast<ApiKey>(r.ReadInt16("api_key"));
  h.api_version = r.ReadInt16("api_version");
  h.correlation_id = r.ReadInt32("correlation_id");
  int16_t version = HeaderVersionFor(h.api_key, h.api_version);
  if (version >= 1) h.client_id = r.ReadNullableStringView("client_id");
  if (version >= 2) r.SkipTaggedFields("header tagged fields");
  return r.Finish(std::move(h), "request header", version);
}

void EncodeRequestHeader(Writer& w, const RequestHeader& h) {
  int16_t version = HeaderVersionFor(h.api_key, h.api_version);
  w.WriteInt16(ToWire(h.api_key));
  w.WriteInt16(h.api_version);
  w.WriteInt32(h.correlation_id);
  if (version >= 1) w.WriteNullableString("client_id", h.client_id);
  if (version >= 2) w.WriteUnsignedVarint(0);  // no tagged fields
}

Result<ResponseHeader> DecodeResponseHeader(Reader& r) {
  ResponseHeader h;
  h.correlation_id = r.ReadInt32("correlation_id");
  return r.Finish(std::move(h), "response header", 0);
}

void EncodeResponseHeader(Writer& w, const ResponseHeader& h) { w.WriteInt32(h.correlation_id); }

}  // namespace kbench::protocol
