#include "core/protocol/sync_group.h"

namespace kbench::protocol {

Result<SyncGroupRequest> SyncGroupRequest::Decode(Reader& r, int16_t version) {
  SyncGroupRequest m;
  m.group_id = r.ReadString("group_id");
  m.generation_id = r.ReadInt32("generation_id");
  m.member_id = r.ReadString("member_id");
  if (version >= 3) m.group_instance_id = r.ReadNullableString("group_instance_id");
  r.ReadArray("assignments", 6, m.assignments, [&](Assignment& a) {
    a.member_id = r.ReadString("assignments.member_id");
    a.assignment = r.ReadBytes("assignments.assignment");
  });
  return r.Finish(std::move(m), "SyncGroup request", version);
}

void SyncGroupRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("group_id", group_id);
  w.WriteInt32(generation_id);
  w.WriteString("member_id", member_id);
  if (version >= 3) w.WriteNullableString("group_instance_id", group_instance_id);
  w.WriteArray("assignments", assignments, [&](const Assignment& a) {
    w.WriteString("assignments.member_id", a.member_id);
    w.WriteBytes("assignments.assignment", a.assignment);
  });
}

Result<SyncGroupResponse> SyncGroupResponse::Decode(Reader& r, int16_t version) {
  SyncGroupResponse m;
  if (version >= 1) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  m.assignment = r.ReadBytes("assignment");
  return r.Finish(std::move(m), "SyncGroup response", version);
}

void SyncGroupResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 1) w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
  w.WriteBytes("assignment", assignment);
}

}  // namespace kbench::protocol
