#include "core/broker/availability_tracker.h"

#include <algorithm>

namespace kbench::broker {

void AvailabilityTracker::Open(Serving& s, int64_t at_ns) {
  if (s.open_since_ns < 0) s.open_since_ns = at_ns;
}

void AvailabilityTracker::Close(const TopicPartition& tp, Serving& s, int64_t at_ns) {
  if (s.open_since_ns < 0) return;
  closed_.push_back({tp, s.open_since_ns, std::max(at_ns, s.open_since_ns)});
  s.open_since_ns = -1;
}

void AvailabilityTracker::OnRole(BrokerId broker, const TopicPartition& tp, bool leader,
                                 LeaderEpoch epoch, int64_t at_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  Serving& s = partitions_[tp];
  if (leader) {
    if (epoch < s.epoch) return;  // a stale leadership reported late
    if (s.leader.value() >= 0 && s.leader != broker && s.open_since_ns < 0) {
      // The new leader serves before the old one applied its resignation: the handover overlapped,
      // a zero-length window (every moved leadership gets one record).
      closed_.push_back({tp, at_ns, at_ns});
    }
    s.leader = broker;
    s.epoch = epoch;
    if (down_.count(broker) == 0) {
      Close(tp, s, at_ns);
    } else {
      Open(s, at_ns);
    }
    return;
  }
  // Resigned: only the broker serving it can open a window (a newer leader may already serve).
  if (s.leader != broker) return;
  s.leader = kNoBroker;
  Open(s, at_ns);
}

void AvailabilityTracker::BrokerDown(BrokerId broker, bool lost_leadership, int64_t at_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  down_.insert(broker);
  for (auto& [tp, s] : partitions_) {
    if (s.leader != broker) continue;
    Open(s, at_ns);
    if (lost_leadership) s.leader = kNoBroker;
  }
}

void AvailabilityTracker::BrokerUp(BrokerId broker, int64_t at_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  down_.erase(broker);
  for (auto& [tp, s] : partitions_) {
    if (s.leader == broker) Close(tp, s, at_ns);
  }
}

std::vector<UnavailabilityWindow> AvailabilityTracker::Windows() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<UnavailabilityWindow> out = closed_;
  for (const auto& [tp, s] : partitions_) {
    if (s.open_since_ns >= 0) out.push_back({tp, s.open_since_ns, -1});
  }
  return out;
}

}  // namespace kbench::broker
