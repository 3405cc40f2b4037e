#include "core/protocol/list_offsets.h"

namespace kbench::protocol {

Result<ListOffsetsRequest> ListOffsetsRequest::Decode(Reader& r, int16_t version) {
  ListOffsetsRequest m;
  m.replica_id = BrokerId(r.ReadInt32("replica_id"));
  if (version >= 2) m.isolation_level = r.ReadInt8("isolation_level");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadArray("topics.partitions", 12, t.partitions, [&](Partition& p) {
      p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
      p.timestamp = r.ReadInt64("partitions.timestamp");
      if (version == 0) p.max_num_offsets = r.ReadInt32("partitions.max_num_offsets");
    });
  });
  return r.Finish(std::move(m), "ListOffsets request", version);
}

void ListOffsetsRequest::Encode(Writer& w, int16_t version) const {
  w.WriteInt32(replica_id.value());
  if (version >= 2) w.WriteInt8(isolation_level);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition_index.value());
      w.WriteInt64(p.timestamp);
      if (version == 0) w.WriteInt32(p.max_num_offsets);
    });
  });
}

Result<ListOffsetsResponse> ListOffsetsResponse::Decode(Reader& r, int16_t version) {
  ListOffsetsResponse m;
  if (version >= 2) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadArray("topics.partitions", 6, t.partitions, [&](Partition& p) {
      p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
      if (version == 0) r.ReadIntArray("partitions.old_style_offsets", p.old_style_offsets);
      if (version >= 1) {
        p.timestamp = r.ReadInt64("partitions.timestamp");
        p.offset = Offset(r.ReadInt64("partitions.offset"));
      }
    });
  });
  return r.Finish(std::move(m), "ListOffsets response", version);
}

void ListOffsetsResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 2) w.WriteInt32(throttle_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition_index.value());
      w.WriteInt16(ToWire(p.error_code));
      if (version == 0) w.WriteIntArray("partitions.old_style_offsets", p.old_style_offsets);
      if (version >= 1) {
        w.WriteInt64(p.timestamp);
        w.WriteInt64(p.offset.value());
      }
    });
  });
}

}  // namespace kbench::protocol
