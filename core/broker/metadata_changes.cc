#include "core/broker/metadata_changes.h"

#include <map>
#include <set>

namespace kbench::broker {

protocol::ClusterPartitionState ToWire(const PartitionState& s) {
  return {s.partition, s.leader, s.leader_epoch, s.partition_epoch, s.replicas, s.isr};
}

PartitionState FromWire(const protocol::ClusterPartitionState& s) {
  PartitionState out;
  out.partition = s.partition;
  out.replicas = s.replicas;
  out.isr = s.isr;
  out.leader = s.leader;
  out.leader_epoch = s.leader_epoch;
  out.partition_epoch = s.partition_epoch;
  return out;
}

protocol::ClusterTopic ToWire(const TopicRecord& t) {
  protocol::ClusterTopic out;
  out.name = t.name;
  out.internal = t.internal;
  for (const auto& [k, v] : t.configs) out.configs.emplace_back(k, v);
  for (const PartitionState& s : t.partitions) out.partitions.push_back(ToWire(s));
  return out;
}

TopicRecord FromWire(const protocol::ClusterTopic& t) {
  TopicRecord out;
  out.name = t.name;
  out.internal = t.internal;
  for (const auto& [k, v] : t.configs) out.configs[k] = v;
  for (const protocol::ClusterPartitionState& s : t.partitions)
    out.partitions.push_back(FromWire(s));
  return out;
}

protocol::ClusterBroker ToWire(const BrokerEndpoint& b) {
  return {b.id, b.host, b.port, b.rack, b.in_controlled_shutdown};
}

BrokerEndpoint FromWire(const protocol::ClusterBroker& b) {
  return {b.id, b.host, b.port, b.rack, b.in_controlled_shutdown};
}

void MetadataChanges::BrokersChanged() { pending_.push_back({0, Kind::kBrokers, {}, {}}); }

void MetadataChanges::TopicCreated(const std::string& topic) {
  pending_.push_back({0, Kind::kTopicCreated, topic, {}});
}

void MetadataChanges::TopicDeleted(const std::string& topic) {
  pending_.push_back({0, Kind::kTopicDeleted, topic, {}});
}

void MetadataChanges::PartitionChanged(const std::string& topic, PartitionId partition) {
  pending_.push_back({0, Kind::kPartition, topic, partition});
}

int64_t MetadataChanges::Commit() {
  if (pending_.empty()) return version_;
  ++version_;
  for (Entry& e : pending_) {
    e.version = version_;
    entries_.push_back(std::move(e));
  }
  pending_.clear();
  while (entries_.size() > retained_) entries_.pop_front();
  return version_;
}

protocol::MetadataDelta MetadataChanges::Image(const MetadataStore& store,
                                               const std::vector<BrokerEndpoint>& brokers) const {
  protocol::MetadataDelta d;
  d.full = true;
  d.version = version_;
  d.cluster_id = store.cluster_id();
  d.brokers.emplace();
  for (const BrokerEndpoint& b : brokers) d.brokers->push_back(ToWire(b));
  for (const TopicRecord& t : store.Topics()) d.topics.push_back(ToWire(t));
  return d;
}

protocol::MetadataDelta MetadataChanges::Build(const MetadataStore& store, int64_t from,
                                               const std::vector<BrokerEndpoint>& brokers) const {
  // Entries from `from` + 1 on must all be retained (the first retained one is at most from + 1).
  const bool retained =
      from >= 0 && from <= version_ &&
      (from == version_ || (!entries_.empty() && entries_.front().version <= from + 1));
  if (!retained) return Image(store, brokers);
  protocol::MetadataDelta d;
  d.version = version_;
  d.cluster_id = store.cluster_id();
  std::set<std::string> created;
  std::set<std::string> deleted;
  std::set<std::pair<std::string, PartitionId>> changed;
  bool brokers_changed = false;
  for (auto it = entries_.rbegin(); it != entries_.rend() && it->version > from; ++it) {
    switch (it->kind) {
      case Kind::kBrokers:
        brokers_changed = true;
        break;
      case Kind::kTopicCreated:
        created.insert(it->topic);
        deleted.insert(it->topic);  // drop an older topic of that name first
        break;
      case Kind::kTopicDeleted:
        deleted.insert(it->topic);
        break;
      case Kind::kPartition:
        changed.insert({it->topic, it->partition});
        break;
    }
  }
  if (brokers_changed) {
    d.brokers.emplace();
    for (const BrokerEndpoint& b : brokers) d.brokers->push_back(ToWire(b));
  }
  d.deleted_topics.assign(deleted.begin(), deleted.end());
  for (const std::string& name : created) {
    if (std::optional<TopicRecord> t = store.GetTopic(name)) {
      d.topics.push_back(ToWire(*t));
    }
  }
  for (const auto& [topic, partition] : changed) {
    if (created.count(topic) != 0) continue;  // sent whole above
    if (std::optional<PartitionState> s = store.GetPartitionState(topic, partition)) {
      d.partitions.push_back({topic, ToWire(*s)});
    }
  }
  return d;
}

}  // namespace kbench::broker
