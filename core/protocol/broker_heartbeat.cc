#include "core/protocol/broker_heartbeat.h"

namespace kbench::protocol {

Result<BrokerHeartbeatRequest> BrokerHeartbeatRequest::Decode(Reader& r, int16_t version) {
  BrokerHeartbeatRequest m;
  m.broker_id = BrokerId(r.ReadInt32("broker_id"));
  m.incarnation = r.ReadInt64("incarnation");
  m.broker_epoch = r.ReadInt64("broker_epoch");
  m.host = r.ReadString("host");
  m.port = r.ReadInt32("port");
  m.rack = r.ReadNullableString("rack");
  m.controller_epoch = r.ReadInt32("controller_epoch");
  m.applied_version = r.ReadInt64("applied_version");
  m.max_wait_ms = r.ReadInt32("max_wait_ms");
  return r.Finish(std::move(m), "BrokerHeartbeat request", version);
}

void BrokerHeartbeatRequest::Encode(Writer& w, int16_t) const {
  w.WriteInt32(broker_id.value());
  w.WriteInt64(incarnation);
  w.WriteInt64(broker_epoch);
  w.WriteString("host", host);
  w.WriteInt32(port);
  w.WriteNullableString("rack", rack);
  w.WriteInt32(controller_epoch);
  w.WriteInt64(applied_version);
  w.WriteInt32(max_wait_ms);
}

Result<BrokerHeartbeatResponse> BrokerHeartbeatResponse::Decode(Reader& r, int16_t version) {
  BrokerHeartbeatResponse m;
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  m.broker_epoch = r.ReadInt64("broker_epoch");
  m.controller_epoch = r.ReadInt32("controller_epoch");
  if (r.ReadBool("has_metadata")) m.metadata = MetadataDelta::Decode(r);
  return r.Finish(std::move(m), "BrokerHeartbeat response", version);
}

void BrokerHeartbeatResponse::Encode(Writer& w, int16_t) const {
  w.WriteInt16(ToWire(error_code));
  w.WriteInt64(broker_epoch);
  w.WriteInt32(controller_epoch);
  w.WriteBool(metadata.has_value());
  if (metadata) metadata->Encode(w);
}

}  // namespace kbench::protocol
