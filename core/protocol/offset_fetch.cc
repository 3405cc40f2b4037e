#include "core/protocol/offset_fetch.h"

namespace kbench::protocol {

Result<OffsetFetchRequest> OffsetFetchRequest::Decode(Reader& r, int16_t version) {
  OffsetFetchRequest m;
  m.group_id = r.ReadString("group_id");
  auto read_topic = [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadIntArray("topics.partition_indexes", t.partition_indexes);
  };
  if (version >= 2) {
    r.ReadNullableArray("topics", 6, m.topics, read_topic);
  } else {
    r.ReadArray("topics", 6, m.topics.emplace(), read_topic);
  }
  return r.Finish(std::move(m), "OffsetFetch request", version);
}

void OffsetFetchRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("group_id", group_id);
  if (!topics && version < 2) {
    w.Fail("topics", "a null topic list (all topics) needs OffsetFetch v2+");
    return;
  }
  w.WriteNullableArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteIntArray("topics.partition_indexes", t.partition_indexes);
  });
}

Result<OffsetFetchResponse> OffsetFetchResponse::Decode(Reader& r, int16_t version) {
  OffsetFetchResponse m;
  if (version >= 3) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadArray("topics.partitions", 16, t.partitions, [&](Partition& p) {
      p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
      p.committed_offset = Offset(r.ReadInt64("partitions.committed_offset"));
      if (version >= 5)
        p.committed_leader_epoch = LeaderEpoch(r.ReadInt32("partitions.committed_leader_epoch"));
      p.metadata = r.ReadNullableString("partitions.metadata");
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
    });
  });
  if (version >= 2) m.error_code = static_cast<ErrorCode>(r.ReadInt16("error_code"));
  return r.Finish(std::move(m), "OffsetFetch response", version);
}

void OffsetFetchResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 3) w.WriteInt32(throttle_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition_index.value());
      w.WriteInt64(p.committed_offset.value());
      if (version >= 5) w.WriteInt32(p.committed_leader_epoch.value());
      w.WriteNullableString("partitions.metadata", p.metadata);
      w.WriteInt16(ToWire(p.error_code));
    });
  });
  if (version >= 2) w.WriteInt16(ToWire(error_code));
}

}  // namespace kbench::protocol
