#include "core/protocol/join_group.h"

namespace kbench::protocol {

Result<JoinGroupRequest> JoinGroupRequest::Decode(Reader& r, int16_t version) {
  JoinGroupRequest m;
  m.group_id = r.ReadString("group_id");
  m.session_timeout_ms = r.ReadInt32("session_timeout_ms");
  if (version >= 1) m.rebalance_timeout_ms = r.ReadInt32("rebalance_timeout_ms");
  m.member_id = r.ReadString("member_id");
  if (version >= 5) m.group_instance_id = r.ReadNullableString("group_instance_id");
  m.protocol_type = r.ReadString("protocol_type");
  r.ReadArray("protocols", 6, m.protocols, [&](Protocol& p) {
    p.name = r.ReadString("protocols.name");
    p.metadata = r.ReadBytes("protocols.metadata");
  });
  return r.Finish(std::move(m), "JoinGroup request", version);
}

void JoinGroupRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("group_id", group_id);
  w.WriteInt32(session_timeout_ms);
  if (version >= 1) w.WriteInt32(rebalance_timeout_ms);
  w.WriteString("member_id", member_id);
  if (version >= 5) w.WriteNullableString("group_instance_id", group_instance_id);
  w.WriteString("protocol_type", protocol_type);
  w.WriteArray("protocols", protocols, [&](const Protocol& p) {
    w.WriteString("protocols.name", p.name);
    w.WriteBytes("protocols.metadata", p.metadata);
  });
}

Result<JoinGroupResponse> JoinGroupResponse::Decode(Reader& r, int16_t version) {
  JoinGroupResponse m;
  if (version >= 2) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  m.generation_id = r.ReadInt32("generation_id");
  m.protocol_name = r.ReadString("protocol_name");
  m.leader = r.ReadString("leader");
  m.member_id = r.ReadString("member_id");
  r.ReadArray("members", 6, m.members, [&](Member& mb) {
    mb.member_id = r.ReadString("members.member_id");
    if (version >= 5) mb.group_instance_id = r.ReadNullableString("members.group_instance_id");
    mb.metadata = r.ReadBytes("members.metadata");
  });
  return r.Finish(std::move(m), "JoinGroup response", version);
}

void JoinGroupResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 2) w.WriteInt32(throttle_time_ms);
  w.WriteInt16(ToWire(error_code));
  w.WriteInt32(generation_id);
  w.WriteString("protocol_name", protocol_name);
  w.WriteString("leader", leader);
  w.WriteString("member_id", member_id);
  w.WriteArray("members", members, [&](const Member& mb) {
    w.WriteString("members.member_id", mb.member_id);
    if (version >= 5) w.WriteNullableString("members.group_instance_id", mb.group_instance_id);
    w.WriteBytes("members.metadata", mb.metadata);
  });
}

}  // namespace kbench::protocol
