// MetadataStore: the broker's record of the cluster: which topics exist (with their config
// overrides and whether they are internal), their partitions (replicas, ISR, leader, leader epoch),
// the live brokers and the controller, the cluster id, and the producer ids handed out so far.
// It is the one place that answers "which partitions exist, who leads them, with which epoch and
// ISR": the Metadata handler reads it, the topic admin writes it, and the replica manager is told
// what to lead from it. In a replicated cluster (issue 4) the controller writes it and every broker
// reads its own copy; on a lone broker this broker leads everything.
//
// Persistence: topics, partitions, the cluster id and the producer-id high-water mark are written
// to `<log dir>/kbench-cluster-metadata` in every log dir on each change (whole file, atomically:
// write tmp, fsync, rename, fsync dir), with a generation number; Open() loads the copy with the
// highest generation, so a restart keeps topics and their configs, and losing one log dir loses
// nothing. The format (docs/architecture.md, "Broker"):
//
//   kbench-cluster-metadata 1
//   generation <n>
//   cluster-id <id>
//   next-producer-id <n>
//   topic <name> <internal 0|1> <partitions> <configs>
//   config <key> <value to the end of the line>         (x configs)
//   partition <index> <leader> <epoch> <replicas,...> <isr,...>   (x partitions)
//   end
//
// Live brokers are not persisted: each start registers them again (SetBrokers).
//
// Additions for the replicated cluster (issue 4): a partition line may carry a seventh field, the
// partition epoch (bumped by the controller on every change of leader or ISR; 0 when absent), and
// the file may hold `controller-epoch <n>` after the cluster id. The controller keeps its
// authoritative copy in its own file (Open with kControllerMetadataFileName); a broker of a
// replicated cluster keeps an in-memory copy (InMemory()) that only the controller's metadata
// updates change.
//
// Thread safety: every method locks; reads return copies. Writes block on fsync: call them from a
// background thread (the broker's admin executor or startup), never from a network thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"

namespace kbench::broker {

inline constexpr std::string_view kMetadataFileName = "kbench-cluster-metadata";
inline constexpr std::string_view kControllerMetadataFileName = "kbench-controller-metadata";

struct PartitionState {
  PartitionId partition{0};
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> isr;
  BrokerId leader = kNoBroker;
  LeaderEpoch leader_epoch{0};
  int32_t partition_epoch = 0;  // bumped by every change of leader or ISR (replicated cluster)
  friend bool operator==(const PartitionState&, const PartitionState&) = default;
};

struct TopicRecord {
  std::string name;
  bool internal = false;
  std::map<std::string, std::string> configs;  // overrides of the broker's topic defaults
  std::vector<PartitionState> partitions;      // index i holds partition i
  friend bool operator==(const TopicRecord&, const TopicRecord&) = default;
};

struct BrokerEndpoint {
  BrokerId id{0};
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  // Replicated cluster: the broker is moving its leaders away before it stops; it still serves,
  // but may not join any ISR (KIP-841).
  bool in_controlled_shutdown = false;
  friend bool operator==(const BrokerEndpoint&, const BrokerEndpoint&) = default;
};

class MetadataStore {
 public:
  // Loads the newest copy found in `dirs` (created when missing); with none, starts empty with a
  // new random cluster id. A malformed file fails naming the file and line.
  static Result<std::unique_ptr<MetadataStore>> Open(
      std::vector<std::string> dirs, std::string_view file_name = kMetadataFileName);
  // A store that is never persisted (a broker of a replicated cluster: the controller's updates
  // fill it). Its cluster id is empty until SetClusterId.
  static std::unique_ptr<MetadataStore> InMemory();
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;

  std::string cluster_id() const;
  void SetClusterId(std::string id);  // in-memory stores only
  uint64_t generation() const;
  // The controller's epoch, persisted: BumpControllerEpoch() at every controller start.
  int32_t controller_epoch() const;
  Result<int32_t> BumpControllerEpoch();

  // ---- Topics (persisted). ----
  // AlreadyExists (TOPIC_ALREADY_EXISTS) when a topic of that name exists.
  Status CreateTopic(TopicRecord topic);
  // NotFound (UNKNOWN_TOPIC_OR_PARTITION) when there is no such topic.
  Status DeleteTopic(std::string_view name);
  // Replaces one partition's state (leader election, ISR change).
  Status UpdatePartition(std::string_view topic, const PartitionState& state);
  // Replaces several partitions' states with one write (a batch of elections); all or nothing.
  Status UpdatePartitions(const std::vector<std::pair<std::string, PartitionState>>& changes);
  // Replaces every topic at once (a full metadata image from the controller).
  Status ReplaceTopics(std::vector<TopicRecord> topics);
  std::optional<TopicRecord> GetTopic(std::string_view name) const;
  // One partition's state without copying its topic; nullopt when either does not exist.
  std::optional<PartitionState> GetPartitionState(std::string_view topic,
                                                  PartitionId partition) const;
  bool HasTopic(std::string_view name) const;
  std::vector<TopicRecord> Topics() const;  // by name
  std::vector<std::string> TopicNames() const;

  // ---- Producer ids (persisted). ----
  // Reserves `count` ids: returns the first; the high-water mark is durable before it returns, so
  // ids are never handed out twice, even across crashes.
  Result<ProducerId> ReserveProducerIds(int64_t count);

  // ---- Live brokers (not persisted). ----
  void SetBrokers(std::vector<BrokerEndpoint> brokers, BrokerId controller);
  std::vector<BrokerEndpoint> Brokers() const;
  std::optional<BrokerEndpoint> GetBroker(BrokerId id) const;
  BrokerId controller_id() const;

 private:
  MetadataStore(std::vector<std::string> dirs, std::string file_name)
      : dirs_(std::move(dirs)), file_name_(std::move(file_name)) {}
  Status Load();
  Status PersistLocked();  // mu_ held exclusively
  std::string SerializeLocked() const;

  const std::vector<std::string> dirs_;  // empty: in memory only
  const std::string file_name_;
  mutable std::shared_mutex mu_;
  std::string cluster_id_;
  int32_t controller_epoch_ = 0;
  uint64_t generation_ = 0;
  int64_t next_producer_id_ = 0;
  std::map<std::string, TopicRecord, std::less<>> topics_;
  std::vector<BrokerEndpoint> brokers_;
  BrokerId controller_ = kNoBroker;
};

}  // namespace kbench::broker
