#include "core/protocol/controlled_shutdown.h"

namespace kbench::protocol {

Result<ControlledShutdownRequest> ControlledShutdownRequest::Decode(Reader& r, int16_t version) {
  ControlledShutdownRequest m;
  m.broker_id = BrokerId(r.ReadInt32("broker_id"));
  m.broker_epoch = r.ReadInt64("broker_epoch");
  return r.Finish(std::move(m), "ControlledShutdown request", version);
}

void ControlledShutdownRequest::Encode(Writer& w, int16_t) const {
  w.WriteInt32(broker_id.value());
  w.WriteInt64(broker_epoch);
}

Result<ControlledShutdownResponse> ControlledShutdownResponse::Decode(Reader& r, int16_t version) {
  ControlledShutdownResponse m;
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  r.ReadArray("remaining", 2 + 4, m.remaining, [&](Remaining& p) {
    p.topic = r.ReadString("remaining.topic");
    p.partition = PartitionId(r.ReadInt32("remaining.partition"));
  });
  return r.Finish(std::move(m), "ControlledShutdown response", version);
}

void ControlledShutdownResponse::Encode(Writer& w, int16_t) const {
  w.WriteInt16(ToWire(error_code));
  w.WriteArray("remaining", remaining, [&](const Remaining& p) {
    w.WriteString("remaining.topic", p.topic);
    w.WriteInt32(p.partition.value());
  });
}

}  // namespace kbench::protocol
