#include "core/protocol/alter_isr.h"

namespace kbench::protocol {

Result<AlterIsrRequest> AlterIsrRequest::Decode(Reader& r, int16_t version) {
  AlterIsrRequest m;
  m.broker_id = BrokerId(r.ReadInt32("broker_id"));
  m.broker_epoch = r.ReadInt64("broker_epoch");
  r.ReadArray("topics", 2 + 4, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("topics.topic");
    r.ReadArray("topics.partitions", 4 + 4 + 4 + 4, t.partitions, [&](Partition& p) {
      p.partition = PartitionId(r.ReadInt32("partition"));
      p.leader_epoch = LeaderEpoch(r.ReadInt32("leader_epoch"));
      p.partition_epoch = r.ReadInt32("partition_epoch");
      r.ReadIntArray("new_isr", p.new_isr);
    });
  });
  return r.Finish(std::move(m), "AlterIsr request", version);
}

void AlterIsrRequest::Encode(Writer& w, int16_t) const {
  w.WriteInt32(broker_id.value());
  w.WriteInt64(broker_epoch);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.topic", t.topic);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition.value());
      w.WriteInt32(p.leader_epoch.value());
      w.WriteInt32(p.partition_epoch);
      w.WriteIntArray("new_isr", p.new_isr);
    });
  });
}

Result<AlterIsrResponse> AlterIsrResponse::Decode(Reader& r, int16_t version) {
  AlterIsrResponse m;
  m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  r.ReadArray("topics", 2 + 4, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("topics.topic");
    r.ReadArray("topics.partitions", 2 + 24, t.partitions, [&](Partition& p) {
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
      p.state = DecodeClusterPartitionState(r);
    });
  });
  return r.Finish(std::move(m), "AlterIsr response", version);
}

void AlterIsrResponse::Encode(Writer& w, int16_t) const {
  w.WriteInt16(ToWire(error_code));
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.topic", t.topic);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt16(ToWire(p.error_code));
      EncodeClusterPartitionState(w, p.state);
    });
  });
}

}  // namespace kbench::protocol
