// Partition election: the controller's rules for choosing a partition's leader and ISR, as pure
// functions over a partition's state and the brokers' liveness (unit-tested on their own).
//
// Leader election (Kafka's): the first replica, in replica order, that is in the ISR and alive
// (active, not shutting down, not excluded); the ISR loses the brokers that are gone. With no such
// replica and unclean.leader.election.enable, the first alive replica outside the ISR leads with an
// ISR of itself (it may lack acknowledged data: an unclean election). Otherwise the partition has
// no leader and keeps its ISR as it was: its last in-sync replicas are the only ones allowed to
// lead when they come back (the "partition waits" of seed 000).
//
// Every change of leader bumps the leader epoch (also to "no leader"), and every change of leader
// or ISR bumps the partition epoch.
//
// Thread safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/base/strong_int.h"
#include "core/broker/metadata_store.h"

namespace kbench::broker {

struct ElectionOutcome {
  PartitionState state;      // the new state (== the old one when nothing changed)
  bool changed = false;      // leader or ISR differ
  bool leader_changed = false;
  bool unclean = false;      // the new leader was not in the ISR
};

// `alive(b)`: b may lead and stay in the ISR (an active broker, not shutting down).
// `gone(b)`: b must leave the ISR (fenced or shutting down); a broker neither alive nor gone
// (registered but not caught up) keeps its ISR place but cannot lead.
struct BrokerLiveness {
  std::function<bool(BrokerId)> alive;
  std::function<bool(BrokerId)> gone;
};

// Re-elects when the current leader is not alive (or `force` is set, e.g. to move leadership off a
// broker that is stopping, given as not alive), and drops gone brokers from the ISR.
ElectionOutcome ElectLeader(const PartitionState& current, const BrokerLiveness& liveness,
                            bool allow_unclean);

// The ISR without `broker` (a follower that is gone); unchanged when it would leave no member or
// `broker` leads.
ElectionOutcome RemoveFromIsr(const PartitionState& current, BrokerId broker);

// Leadership handed to `preferred` (replicas[0]) when it is alive and in the ISR.
std::optional<PartitionState> ElectPreferred(const PartitionState& current,
                                             const BrokerLiveness& liveness);

}  // namespace kbench::broker
