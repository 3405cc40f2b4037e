#include "core/protocol/heartbeat.h"

namespace kbench::protocol {

Result<HeartbeatRequest> HeartbeatRequest::Decode(Reader& r, int16_t version) {
  HeartbeatRequest m;
  m.group_id = r.ReadString("group_id");
  m.generation_id = r.ReadInt32("generation_id");
  m.member_id = r.ReadString("member_id");
  if (version >= 3) m.group_instance_id = r.ReadNullableString("group_instance_id");
  return r.Finish(std::move(m), "Heartbeat request", version);
}

void HeartbeatRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("group_id", group_id);
  w.WriteInt32(generation_id);
  w.WriteString("member_id", member_id);
  if (version >= 3) w.WriteNullableString("group_instance_id", group_instance_id);
}

Result<HeartbeatResponse> HeartbeatResponse::Decode(Reader& r, int16_t version) {
  HeartbeatResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  return r.Finish(std::move(m), "Heartbeat response", version);
}

void HeartbeatResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
}

}  // namespace kbench::protocol
