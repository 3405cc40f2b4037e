#include "core/protocol/metadata.h"

namespace kbench::protocol {

Result<MetadataRequest> MetadataRequest::Decode(Reader& r, int16_t version) {
  MetadataRequest m;
  auto read_name = [&](std::string& name) { name = r.ReadString("topics.name"); };
  if (version == 0) {
    std::vector<std::string> names;
    r.ReadArray("topics", 2, names, read_name);
    if (names.empty()) {
      m.topics.reset();  // v0: an empty array asks for all topics
    } else {
      m.topics = std::move(names);
    }
  } else {
    r.ReadNullableArray("topics", 2, m.topics, read_name);
  }
  if (version >= 4) m.allow_auto_topic_creation = r.ReadBool("allow_auto_topic_creation");
  if (version >= 8) {
    m.include_cluster_authorized_operations = r.ReadBool("include_cluster_authorized_operations");
    m.include_topic_authorized_operations = r.ReadBool("include_topic_authorized_operations");
  }
  return r.Finish(std::move(m), "Metadata request", version);
}

void MetadataRequest::Encode(Writer& w, int16_t version) const {
  if (version == 0) {
    if (topics && topics->empty()) w.Fail("topics", "Metadata v0 cannot ask for no topics");
    w.WriteStringArray("topics", topics.value_or(std::vector<std::string>{}));
  } else {
    w.WriteNullableArray("topics", topics,
                         [&](const std::string& name) { w.WriteString("topics.name", name); });
  }
  if (version >= 4) w.WriteBool(allow_auto_topic_creation);
  if (version >= 8) {
    w.WriteBool(include_cluster_authorized_operations);
    w.WriteBool(include_topic_authorized_operations);
  }
}

namespace {

void DecodePartition(Reader& r, int16_t version, MetadataResponse::Partition& p) {
  p.error_code = static_cast<ErrorCode>(r.ReadInt16("partitions.error_code"));
  p.partition_index = PartitionId(r.ReadInt32("partitions.partition_index"));
  p.leader_id = BrokerId(r.ReadInt32("partitions.leader_id"));
  if (version >= 7) p.leader_epoch = LeaderEpoch(r.ReadInt32("partitions.leader_epoch"));
  r.ReadIntArray("partitions.replica_nodes", p.replica_nodes);
  r.ReadIntArray("partitions.isr_nodes", p.isr_nodes);
  if (version >= 5) r.ReadIntArray("partitions.offline_replicas", p.offline_replicas);
}

void EncodePartition(Writer& w, int16_t version, const MetadataResponse::Partition& p) {
  w.WriteInt16(ToWire(p.error_code));
  w.WriteInt32(p.partition_index.value());
  w.WriteInt32(p.leader_id.value());
  if (version >= 7) w.WriteInt32(p.leader_epoch.value());
  w.WriteIntArray("partitions.replica_nodes", p.replica_nodes);
  w.WriteIntArray("partitions.isr_nodes", p.isr_nodes);
  if (version >= 5) w.WriteIntArray("partitions.offline_replicas", p.offline_replicas);
}

}  // namespace

Result<MetadataResponse> MetadataResponse::Decode(Reader& r, int16_t version) {
  MetadataResponse m;
  if (version >= 3) m.throttle_time_ms = r.ReadInt32("throttle_time_ms");
  r.ReadArray("brokers", 10, m.brokers, [&](Broker& b) {
    b.node_id = BrokerId(r.ReadInt32("brokers.node_id"));
    b.host = r.ReadString("brokers.host");
    b.port = r.ReadInt32("brokers.port");
    if (version >= 1) b.rack = r.ReadNullableString("brokers.rack");
  });
  if (version >= 2) m.cluster_id = r.ReadNullableString("cluster_id");
  if (version >= 1) m.controller_id = BrokerId(r.ReadInt32("controller_id"));
  r.ReadArray("topics", 8, m.topics, [&](Topic& t) {
    t.error_code = static_cast<ErrorCode>(r.ReadInt16("topics.error_code"));
    t.name = r.ReadString("topics.name");
    if (version >= 1) t.is_internal = r.ReadBool("topics.is_internal");
    r.ReadArray("topics.partitions", 18, t.partitions,
                [&](Partition& p) { DecodePartition(r, version, p); });
    if (version >= 8) t.topic_authorized_operations = r.ReadInt32("topics.authorized_operations");
  });
  if (version == 8) m.cluster_authorized_operations = r.ReadInt32("cluster_authorized_operations");
  return r.Finish(std::move(m), "Metadata response", version);
}

void MetadataResponse::Encode(Writer& w, int16_t version) const {
  if (version >= 3) w.WriteInt32(throttle_time_ms);
  w.WriteArray("brokers", brokers, [&](const Broker& b) {
    w.WriteInt32(b.node_id.value());
    w.WriteString("brokers.host", b.host);
    w.WriteInt32(b.port);
    if (version >= 1) w.WriteNullableString("brokers.rack", b.rack);
  });
  if (version >= 2) w.WriteNullableString("cluster_id", cluster_id);
  if (version >= 1) w.WriteInt32(controller_id.value());
  w.WriteArray("topics", topics, [&](const Topic& t) {
    w.WriteInt16(ToWire(t.error_code));
    w.WriteString("topics.name", t.name);
    if (version >= 1) w.WriteBool(t.is_internal);
    w.WriteArray("topics.partitions", t.partitions,
                 [&](const Partition& p) { EncodePartition(w, version, p); });
    if (version >= 8) w.WriteInt32(t.topic_authorized_operations);
  });
  if (version == 8) w.WriteInt32(cluster_authorized_operations);
}

}  // namespace kbench::protocol
