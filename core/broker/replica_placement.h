// ReplicaPlacement: which brokers hold the replicas of a new topic's partitions, Kafka's
// AdminUtils.assignReplicasToBrokers: the first replica (the preferred leader) goes round-robin over
// the brokers from a start index, the others follow at a shift that grows every time the partitions
// wrap around the broker list, so leaders and followers spread evenly. When every broker has a rack
// the list is first arranged rack by rack (r1's first broker, r2's first, r3's first, r1's second,
// ...) and a follower is skipped while it would put a second replica into a rack or onto a broker
// that already holds one and another rack or broker is still free: a partition's replicas land in
// as many racks as possible, so a whole rack losing power (seed 000) leaves a copy elsewhere.
//
// Kafka draws the start index and the shift at random; here both come from a hash of the topic
// name, so a run's placement is reproducible and different topics still start on different brokers.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/strong_int.h"

namespace kbench::broker {

struct PlacementBroker {
  BrokerId id{0};
  std::optional<std::string> rack;
};

struct PlacementOptions {
  int32_t partitions = 1;
  int32_t replication_factor = 1;
  // Start index and shift; -1 derives both from `topic`.
  int32_t fixed_start_index = -1;
  std::string_view topic;
};

// One replica list per partition (the first replica is the preferred leader). Requires
// 1 <= replication_factor <= brokers.size() (callers check and answer INVALID_REPLICATION_FACTOR).
std::vector<std::vector<BrokerId>> AssignReplicas(std::vector<PlacementBroker> brokers,
                                                  const PlacementOptions& options);

// True when every broker has a rack (rack-aware placement applies).
bool AllBrokersHaveRacks(const std::vector<PlacementBroker>& brokers);

}  // namespace kbench::broker
