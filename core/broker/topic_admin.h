// TopicAdmin: creating and deleting topics on this broker, and making the metadata and the logs
// agree at startup. It validates a request the way Kafka's controller does (name, partition count,
// replication factor against the live brokers, replica assignment, configs), records the topic in
// the MetadataStore and makes the replica manager lead its partitions; deletion removes the
// partitions (log files included) and then the metadata.
//
// Crash safety by ordering: creation persists the metadata first and creates the logs second, and
// deletion deletes the logs first and the metadata second, so after a crash at any point
// LoadPartitions() finds metadata for every log except ones left by hand; it creates any missing
// log (a half-created topic is completed, a half-deleted one comes back empty and the client's
// retried DeleteTopics finishes it) and adopts a log without metadata as a topic (with a warning)
// instead of deleting data it was not told to delete.
//
// Replica placement (replica_placement.h: Kafka's round-robin, rack-aware when every live broker
// has a rack) over the live brokers the MetadataStore lists; a replication factor above their
// number is INVALID_REPLICATION_FACTOR (as in Kafka). On a lone broker every replica is this
// broker. The controller of a replicated cluster uses Plan() and EffectiveConfig() over its own
// store (whose live brokers are the registered ones) and passes null for the replica and log
// managers, which only Create/Delete/LoadPartitions/EnsureOffsetsTopic use.
//
// Threads: any thread, but Create/Delete/LoadPartitions do file I/O and fsync: call them from the
// broker's admin executor or at startup, never from a network thread. Create/Delete of one topic
// are serialized by an internal lock.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/broker_config.h"
#include "core/broker/metadata_store.h"
#include "core/broker/replica_manager.h"
#include "core/broker/topic_config.h"
#include "core/protocol/create_topics.h"
#include "core/storage/log_manager.h"

namespace kbench::broker {

struct NewTopic {
  std::string name;
  int32_t num_partitions = -1;      // -1: num.partitions (or the assignment's size)
  int16_t replication_factor = -1;  // -1: default.replication.factor (or the assignment's)
  std::map<PartitionId, std::vector<BrokerId>> assignments;  // explicit placement, if any
  std::map<std::string, std::string> configs;                // topic-level overrides
  bool internal = false;
};

// One topic of a CreateTopics request as a NewTopic; INVALID_REPLICA_ASSIGNMENT when a partition is
// assigned twice, INVALID_CONFIG for a config with a null value. Used by the broker's handler and
// by the controller, which both take CreateTopics.
Result<NewTopic> NewTopicFromRequest(const protocol::CreateTopicsRequest::Topic& t);

// A topic of more partitions is refused (INVALID_PARTITIONS): each partition holds a file
// descriptor and two memory maps per segment, so a single request for 2^31 partitions must not
// exhaust the broker (Kafka has no such limit and fails later, when its resources run out).
inline constexpr int32_t kMaxPartitionsPerTopic = 10000;

class TopicAdmin {
 public:
  // None of the pointers is owned; all must outlive the admin.
  TopicAdmin(const BrokerConfig* config, MetadataStore* metadata, ReplicaManager* replicas,
             storage::LogManager* logs);

  // Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
  // INVALID_TOPIC_EXCEPTION naming the problem.
  static Status ValidateTopicName(std::string_view name);

  // What creating `topic` would record, or the Kafka error (Status::kafka_error) and a message:
  // INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
  // INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG, INVALID_REQUEST. Nothing is changed.
  Result<TopicRecord> Plan(const NewTopic& topic) const;
  // Plan + record + lead the partitions.
  Result<TopicRecord> Create(const NewTopic& topic);
  // UNKNOWN_TOPIC_OR_PARTITION when absent; internal topics cannot be deleted (INVALID_REQUEST).
  Status Delete(std::string_view name);

  // Startup: leads every partition the metadata lists (creating missing logs, applying the
  // effective config) and adopts logs the metadata does not list.
  Status LoadPartitions();
  // Creates the internal `__consumer_offsets` topic when missing (offsets.topic.num.partitions,
  // cleanup.policy=compact, segment.bytes=offsets.topic.segment.bytes, replication factor capped
  // at the live brokers).
  Status EnsureOffsetsTopic();

  // The broker's defaults with the topic's overrides.
  Result<TopicConfig> EffectiveConfig(const TopicRecord& topic) const;

 private:
  std::vector<BrokerId> LiveBrokers() const;
  Status CheckReplicationFactor(int32_t factor, size_t live) const;
  Status AssignmentFromRequest(const NewTopic& topic, TopicRecord* out) const;
  void Assign(int32_t partitions, int16_t factor, TopicRecord* out) const;
  Status LeadPartitions(const TopicRecord& topic);
  Status AdoptStrayLogs();

  const BrokerConfig* const config_;
  MetadataStore* const metadata_;
  ReplicaManager* const replicas_;
  storage::LogManager* const logs_;
  std::mutex mu_;  // serializes Create/Delete/Load
};

}  // namespace kbench::broker
