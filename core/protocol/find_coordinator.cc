#include "core/protocol/find_coordinator.h"

namespace kbench::protocol {

Result<FindCoordinatorRequest> FindCoordinatorRequest::Decode(Reader& r, int16_t version) {
  FindCoordinatorRequest m;
  m.key = r.ReadString("key");
  if (version >= 1) m.key_type = r.ReadInt8("key_type");
  return r.Finish(std::move(m), "FindCoordinator request", version);
}

void FindCoordinatorRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("key", key);
  if (version >= 1) w.WriteInt8(key_type);
}

Result<FindCoordinatorResponse> FindCoordinatorResponse::Decode(Reader& r, int16_t version) {
  FindCoordinatorResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  if (version >= 1) m.error_message = r.ReadNullableString("error_message");
  m.node_id = BrokerId(r.ReadInt32("node_id"));
  m.host = r.ReadString("host");
  m.port = r.ReadInt32("port");
  return r.Finish(std::move(m), "FindCoordinator response", version);
}

void FindCoordinatorResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
  if (version >= 1) w.WriteNullableString("error_message", error_message);
  w.WriteInt32(node_id.value());
  w.WriteString("host", host);
  w.WriteInt32(port);
}

}  // namespace kbench::protocol
