#include "core/broker/partition_election.h"

#include <algorithm>

namespace kbench::broker {
namespace {

bool Contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void Bump(const PartitionState& before, ElectionOutcome* out) {
  out->leader_changed = out->state.leader != before.leader;
  out->changed = out->leader_changed || out->state.isr != before.isr;
  if (out->leader_changed) out->state.leader_epoch = LeaderEpoch(before.leader_epoch.value() + 1);
  if (out->changed) out->state.partition_epoch = before.partition_epoch + 1;
}

}  // namespace

ElectionOutcome ElectLeader(const PartitionState& current, const BrokerLiveness& liveness,
                            bool allow_unclean) {
  ElectionOutcome out;
  out.state = current;
  std::vector<BrokerId> isr;
  for (BrokerId b : current.isr) {
    if (!liveness.gone(b)) isr.push_back(b);
  }
  const bool leader_ok = current.leader != kNoBroker && liveness.alive(current.leader) &&
                         Contains(current.isr, current.leader);
  if (leader_ok) {
    if (!isr.empty()) out.state.isr = isr;
    Bump(current, &out);
    return out;
  }
  BrokerId leader = kNoBroker;
  for (BrokerId r : current.replicas) {
    if (Contains(isr, r) && liveness.alive(r)) {
      leader = r;
      break;
    }
  }
  if (leader != kNoBroker) {
    out.state.leader = leader;
    out.state.isr = isr;
  } else if (allow_unclean) {
    for (BrokerId r : current.replicas) {
      if (liveness.alive(r)) {
        leader = r;
        break;
      }
    }
    if (leader != kNoBroker) {
      out.state.leader = leader;
      out.state.isr = {leader};
      out.unclean = true;
    }
  }
  if (leader == kNoBroker) {
    // Nobody may lead: keep the last in-sync replicas (they alone hold every committed write).
    out.state.leader = kNoBroker;
    if (!isr.empty()) out.state.isr = isr;
  }
  Bump(current, &out);
  return out;
}

ElectionOutcome RemoveFromIsr(const PartitionState& current, BrokerId broker) {
  ElectionOutcome out;
  out.state = current;
  if (broker == current.leader || !Contains(current.isr, broker) || current.isr.size() <= 1) {
    return out;
  }
  std::erase(out.state.isr, broker);
  Bump(current, &out);
  return out;
}

std::optional<PartitionState> ElectPreferred(const PartitionState& current,
                                             const BrokerLiveness& liveness) {
  if (current.replicas.empty()) return std::nullopt;
  const BrokerId preferred = current.replicas.front();
  if (preferred == current.leader || !liveness.alive(preferred) ||
      !Contains(current.isr, preferred)) {
    return std::nullopt;
  }
  PartitionState next = current;
  next.leader = preferred;
  next.leader_epoch = LeaderEpoch(current.leader_epoch.value() + 1);
  next.partition_epoch = current.partition_epoch + 1;
  return next;
}

}  // namespace kbench::broker
