#include "core/protocol/offset_for_leader_epoch.h"

namespace kbench::protocol {

Result<OffsetForLeaderEpochRequest> OffsetForLeaderEpochRequest::Decode(Reader& r,
                                                                        int16_t version) {
  OffsetForLeaderEpochRequest m;
  if (version >= 3) m.replica_id = BrokerId(r.ReadInt32("replica_id"));
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("topics.topic");
    r.ReadArray("topics.partitions", 8, t.partitions, [&](Partition& p) {
      p.partition = PartitionId(r.ReadInt32("partitions.partition"));
      if (version >= 2)
        p.current_leader_epoch = LeaderEpoch(r.ReadInt32("partitions.current_leader_epoch"));
      p.leader_epoch = LeaderEpoch(r.ReadInt32("partitions.leader_epoch"));
    });
  });
  return r.Finish(std::move(m), "OffsetForLeaderEpoch request", version);
}

void OffsetForLeaderEpochRequest::Encode(Writer& w, int16_t version) const {
  if (version >= 3) w.WriteInt32(replica_id.value());
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.topic", t.topic);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition.value());
      if (version >= 2) w.WriteInt32(p.current_leader_epoch.value());
      w.WriteInt32(p.leader_epoch.value());
    });
  });
}

Result<OffsetForLeaderEpochResponse> OffsetForLeaderEpochResponse::Decode(Reader& r,
                                                                          int16_t version) {
  OffsetForLeaderEpochResponse m;
  if (version >= 2) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.topic = r.ReadString("topics.topic");
    r.ReadArray("topics.partitions", 14, t.partitions, [&](Partition& p) {
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
      p.partition = PartitionId(r.ReadInt32("partitions.partition"));
      if (version >= 1) p.leader_epoch = LeaderEpoch(r.ReadInt32("partitions.leader_epoch"));
      p.end_offset = Offset(r.ReadInt64("partitions.end_offset"));
    });
  });
  return r.Finish(std::move(m), "OffsetForLeaderEpoch response", version);
}

void OffsetForLeaderEpochResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 2) w.WriteInt32(throttle_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.topic", t.topic);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt16(ToWire(p.error_code));
      w.WriteInt32(p.partition.value());
      if (version >= 1) w.WriteInt32(p.leader_epoch.value());
      w.WriteInt64(p.end_offset.value());
    });
  });
}

}  // namespace kbench::protocol
