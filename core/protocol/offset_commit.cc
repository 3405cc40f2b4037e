#include "core/protocol/offset_commit.h"

namespace kbench::protocol {
namespace {

void DecodePartition(Reader& r, int16_t version, OffsetCommitRequest::Partition& p) {
  p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
  p.committed_offset = Offset(r.ReadInt64("partitions.committed_offset"));
  if (version >= 6)
    p.committed_leader_epoch = LeaderEpoch(r.ReadInt32("partitions.committed_leader_epoch"));
  if (version == 1) p.commit_timestamp = r.ReadInt64("partitions.commit_timestamp");
  p.committed_metadata = r.ReadNullableString("partitions.committed_metadata");
}

void EncodePartition(Writer& w, int16_t version, const OffsetCommitRequest::Partition& p) {
  w.WriteInt32(p.partition_index.value());
  w.WriteInt64(p.committed_offset.value());
  if (version >= 6) w.WriteInt32(p.committed_leader_epoch.value());
  if (version == 1) w.WriteInt64(p.commit_timestamp);
  w.WriteNullableString("partitions.committed_metadata", p.committed_metadata);
}

}  // namespace

Result<OffsetCommitRequest> OffsetCommitRequest::Decode(Reader& r, int16_t version) {
  OffsetCommitRequest m;
  m.group_id = r.ReadString("group_id");
  if (version >= 1) {
    m.generation_id = r.ReadInt32("generation_id");
    m.member_id = r.ReadString("member_id");
  }
  if (version >= 7) m.group_instance_id = r.ReadNullableString("group_instance_id");
  if (version >= 2 && version <= 4) m.retention_time_ms = r.ReadInt64("retention_time_ms");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadArray("topics.partitions", 14, t.partitions,
                [&](Partition& p) { DecodePartition(r, version, p); });
  });
  return r.Finish(std::move(m), "OffsetCommit request", version);
}

void OffsetCommitRequest::Encode(Writer& w, int16_t version) const {
  w.WriteString("group_id", group_id);
  if (version >= 1) {
    w.WriteInt32(generation_id);
    w.WriteString("member_id", member_id);
  }
  if (version >= 7) w.WriteNullableString("group_instance_id", group_instance_id);
  if (version >= 2 && version <= 4) w.WriteInt64(retention_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteArray("topics.partitions", t.partitions,
                 [&](const Partition& p) { EncodePartition(w, version, p); });
  });
}

Result<OffsetCommitResponse> OffsetCommitResponse::Decode(Reader& r, int16_t version) {
  OffsetCommitResponse m;
  if (version >= 3) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("topics", 6, m.topics, [&](Topic& t) {
    t.name = r.ReadString("topics.name");
    r.ReadArray("topics.partitions", 6, t.partitions, [&](Partition& p) {
      p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
      p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
    });
  });
  return r.Finish(std::move(m), "OffsetCommit response", version);
}

void OffsetCommitResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 3) w.WriteInt32(throttle_time_ms);
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteArray("topics.partitions", t.partitions, [&](const Partition& p) {
      w.WriteInt32(p.partition_index.value());
      w.WriteInt16(ToWire(p.error_code));
    });
  });
}

}  // namespace kbench::protocol
