#include "core/protocol/cluster_metadata.h"

namespace kbench::protocol {
namespace {

// Smallest encodings, for the reader's count checks.
constexpr size_t kMinPartitionState = 4 * 4 + 4 + 4;
constexpr size_t kMinBroker = 4 + 2 + 4 + 2 + 1;
constexpr size_t kMinTopic = 2 + 1 + 4 + 4;

ClusterBroker DecodeBroker(Reader& r) {
  ClusterBroker b;
  b.id = BrokerId(r.ReadInt32("brokers.id"));
  b.host = r.ReadString("brokers.host");
  b.port = r.ReadInt32("brokers.port");
  b.rack = r.ReadNullableString("brokers.rack");
  b.in_controlled_shutdown = r.ReadBool("brokers.in_controlled_shutdown");
  return b;
}

ClusterTopic DecodeTopic(Reader& r) {
  ClusterTopic t;
  t.name = r.ReadString("topics.name");
  t.internal = r.ReadBool("topics.internal");
  r.ReadArray("topics.configs", 4, t.configs, [&](std::pair<std::string, std::string>& c) {
    c.first = r.ReadString("topics.configs.key");
    c.second = r.ReadString("topics.configs.value");
  });
  r.ReadArray("topics.partitions", kMinPartitionState, t.partitions,
              [&](ClusterPartitionState& s) { s = DecodeClusterPartitionState(r); });
  return t;
}

}  // namespace

ClusterPartitionState DecodeClusterPartitionState(Reader& r) {
  ClusterPartitionState s;
  s.partition = PartitionId(r.ReadInt32("partition"));
  s.leader = BrokerId(r.ReadInt32("leader"));
  s.leader_epoch = LeaderEpoch(r.ReadInt32("leader_epoch"));
  s.partition_epoch = r.ReadInt32("partition_epoch");
  r.ReadIntArray("replicas", s.replicas);
  r.ReadIntArray("isr", s.isr);
  return s;
}

void EncodeClusterPartitionState(Writer& w, const ClusterPartitionState& s) {
  w.WriteInt32(s.partition.value());
  w.WriteInt32(s.leader.value());
  w.WriteInt32(s.leader_epoch.value());
  w.WriteInt32(s.partition_epoch);
  w.WriteIntArray("replicas", s.replicas);
  w.WriteIntArray("isr", s.isr);
}

MetadataDelta MetadataDelta::Decode(Reader& r) {
  MetadataDelta d;
  d.full = r.ReadBool("metadata.full");
  d.version = r.ReadInt64("metadata.version");
  d.cluster_id = r.ReadString("metadata.cluster_id");
  r.ReadNullableArray("metadata.brokers", kMinBroker, d.brokers,
                      [&](ClusterBroker& b) { b = DecodeBroker(r); });
  r.ReadStringArray("metadata.deleted_topics", d.deleted_topics);
  r.ReadArray("metadata.topics", kMinTopic, d.topics, [&](ClusterTopic& t) { t = DecodeTopic(r); });
  r.ReadArray("metadata.partitions", 2 + kMinPartitionState, d.partitions,
              [&](ClusterPartitionChange& c) {
                c.topic = r.ReadString("metadata.partitions.topic");
                c.state = DecodeClusterPartitionState(r);
              });
  return d;
}

void MetadataDelta::Encode(Writer& w) const {
  w.WriteBool(full);
  w.WriteInt64(version);
  w.WriteString("metadata.cluster_id", cluster_id);
  w.WriteNullableArray("metadata.brokers", brokers, [&](const ClusterBroker& b) {
    w.WriteInt32(b.id.value());
    w.WriteString("brokers.host", b.host);
    w.WriteInt32(b.port);
    w.WriteNullableString("brokers.rack", b.rack);
    w.WriteBool(b.in_controlled_shutdown);
  });
  w.WriteStringArray("metadata.deleted_topics", deleted_topics);
  w.WriteArray("metadata.topics", topics, [&](const ClusterTopic& t) {
    w.WriteString("topics.name", t.name);
    w.WriteBool(t.internal);
    w.WriteArray("topics.configs", t.configs, [&](const std::pair<std::string, std::string>& c) {
      w.WriteString("topics.configs.key", c.first);
      w.WriteString("topics.configs.value", c.second);
    });
    w.WriteArray("topics.partitions", t.partitions,
                 [&](const ClusterPartitionState& s) { EncodeClusterPartitionState(w, s); });
  });
  w.WriteArray("metadata.partitions", partitions, [&](const ClusterPartitionChange& c) {
    w.WriteString("metadata.partitions.topic", c.topic);
    EncodeClusterPartitionState(w, c.state);
  });
}

}  // namespace kbench::protocol
