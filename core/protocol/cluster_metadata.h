// The cluster metadata a controller sends to its brokers (kbench-internal, docs/architecture.md
// ("Cluster protocol" in "Replication and the bundled cluster")): live brokers, topics with their
// config overrides, and partition states (leader, leader epoch, partition epoch, replicas, ISR). A
// MetadataDelta is either a full image (`full`) or the changes since the version the broker last
// applied; either way it brings the broker to `version`.
//
//   PartitionState  partition i32 | leader i32 | leader_epoch i32 | partition_epoch i32
//                   | replicas [i32] | isr [i32]
//   Broker          id i32 | host STRING | port i32 | rack NULLABLE_STRING
//                   | in_controlled_shutdown BOOLEAN  (KIP-841: not eligible for any ISR)
//   Topic           name STRING | internal BOOLEAN | configs [key STRING | value STRING]
//                   | partitions [PartitionState]
//   MetadataDelta   full BOOLEAN | version i64 | cluster_id STRING
//                   | brokers NULLABLE [Broker]            (null: unchanged since the base version)
//                   | deleted_topics [STRING]              (applied first)
//                   | topics [Topic]                       (created or, in a full image, all)
//                   | partitions [topic STRING | PartitionState]   (changed states, applied last)
//
// Thread safety: plain values; Encode/Decode on one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/strong_int.h"
#include "core/protocol/reader.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

struct ClusterPartitionState {
  PartitionId partition{0};
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{0};
  int32_t partition_epoch = 0;  // bumped by every change of leader or ISR
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> isr;
  friend bool operator==(const ClusterPartitionState&, const ClusterPartitionState&) = default;
};

struct ClusterBroker {
  BrokerId id{0};
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool in_controlled_shutdown = false;
  friend bool operator==(const ClusterBroker&, const ClusterBroker&) = default;
};

struct ClusterTopic {
  std::string name;
  bool internal = false;
  std::vector<std::pair<std::string, std::string>> configs;
  std::vector<ClusterPartitionState> partitions;
  friend bool operator==(const ClusterTopic&, const ClusterTopic&) = default;
};

struct ClusterPartitionChange {
  std::string topic;
  ClusterPartitionState state;
  friend bool operator==(const ClusterPartitionChange&, const ClusterPartitionChange&) = default;
};

struct MetadataDelta {
  bool full = false;
  int64_t version = -1;
  std::string cluster_id;
  std::optional<std::vector<ClusterBroker>> brokers;
  std::vector<std::string> deleted_topics;
  std::vector<ClusterTopic> topics;
  std::vector<ClusterPartitionChange> partitions;

  static MetadataDelta Decode(Reader& r);  // errors stay in the reader
  void Encode(Writer& w) const;
  friend bool operator==(const MetadataDelta&, const MetadataDelta&) = default;
};

ClusterPartitionState DecodeClusterPartitionState(Reader& r);
void EncodeClusterPartitionState(Writer& w, const ClusterPartitionState& s);

}  // namespace kbench::protocol
