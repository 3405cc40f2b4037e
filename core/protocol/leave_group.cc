#include "core/protocol/leave_group.h"

namespace kbench::protocol {

Result<LeaveGroupRequest> LeaveGroupRequest::Decode(Reader& r, int16_t version) {
  LeaveGroupRequest m;
  m.group_id = r.ReadString("group_id");
  m.member_id = r.ReadString("member_id");
  return r.Finish(std::move(m), "LeaveGroup request", version);
}

void LeaveGroupRequest::Encode(Writer& w, int16_t) const {
  w.WriteString("group_id", group_id);
  w.WriteString("member_id", member_id);
}

Result<LeaveGroupResponse> LeaveGroupResponse::Decode(Reader& r, int16_t version) {
  LeaveGroupResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  return r.Finish(std::move(m), "LeaveGroup response", version);
}

void LeaveGroupResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
}

}  // namespace kbench::protocol
