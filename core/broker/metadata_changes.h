// MetadataChanges: the controller's record of what changed in the cluster metadata at each
// version, so a broker that has applied version v gets only what changed after v (KRaft brokers
// fetch the metadata log the same way). Entries name what changed (the live broker list, a topic
// created or deleted, one partition's state); Build() fills a MetadataDelta from the store's
// current values, so several changes of one partition collapse into its latest state. A broker
// with no version, another controller epoch's version, or one older than what is retained gets a
// full image instead.
//
// Thread safety: none; the controller's thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/base/strong_int.h"
#include "core/broker/metadata_store.h"
#include "core/protocol/cluster_metadata.h"

namespace kbench::broker {

class MetadataChanges {
 public:
  explicit MetadataChanges(size_t retained = 200'000) : retained_(retained) {}

  int64_t version() const { return version_; }

  // Record what a change touched; Commit() gives everything recorded since the last Commit one new
  // version and returns it (the current version when nothing was recorded).
  void BrokersChanged();
  void TopicCreated(const std::string& topic);
  void TopicDeleted(const std::string& topic);
  void PartitionChanged(const std::string& topic, PartitionId partition);
  int64_t Commit();

  // Everything a broker at `from` needs to reach version(): a delta, or a full image (`full`) when
  // `from` is -1 or older than the retained entries.
  protocol::MetadataDelta Build(const MetadataStore& store, int64_t from,
                                const std::vector<BrokerEndpoint>& brokers) const;
  // A full image at version().
  protocol::MetadataDelta Image(const MetadataStore& store,
                                const std::vector<BrokerEndpoint>& brokers) const;

 private:
  enum class Kind : uint8_t { kBrokers, kTopicCreated, kTopicDeleted, kPartition };
  struct Entry {
    int64_t version;
    Kind kind;
    std::string topic;
    PartitionId partition{0};
  };

  const size_t retained_;
  int64_t version_ = 0;
  std::vector<Entry> pending_;
  std::deque<Entry> entries_;  // ascending version
};

// Conversions between the store's types and the wire's.
protocol::ClusterPartitionState ToWire(const PartitionState& s);
PartitionState FromWire(const protocol::ClusterPartitionState& s);
protocol::ClusterTopic ToWire(const TopicRecord& t);
TopicRecord FromWire(const protocol::ClusterTopic& t);
protocol::ClusterBroker ToWire(const BrokerEndpoint& b);
BrokerEndpoint FromWire(const protocol::ClusterBroker& b);

}  // namespace kbench::broker
