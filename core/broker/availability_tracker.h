// AvailabilityTracker: when each partition of an embedded cluster had no serving leader. A window
// opens when the broker serving a partition's leadership stops serving it (it crashed, was
// stopped, paused or isolated: the fault's instant; or it resigned the leadership, e.g. in a
// controlled shutdown) and closes when some reachable broker starts leading it (it applied its
// election) or the same broker becomes reachable again while still leading. Client-side delays
// (noticing the failure, refreshing metadata) come on top and are not included. Every leadership
// that moves to another broker gets exactly one window: when the new leader starts serving before
// the old one has applied its resignation (a controlled shutdown's handover), the window is
// recorded with zero length.
//
// Fed by every broker's ReplicaManager role observer (leadership gained/lost with the leader epoch
// and time) and by the embedded cluster's fault calls (BrokerDown / BrokerUp).
//
// Threads: every method locks; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"

namespace kbench::broker {

struct UnavailabilityWindow {
  TopicPartition tp;
  int64_t from_ns = 0;  // MonoNanos
  int64_t to_ns = -1;   // MonoNanos; -1 while still open
};

class AvailabilityTracker {
 public:
  // A broker gained (leader = true) or lost the leadership of `tp` in `epoch` at `at_ns`.
  void OnRole(BrokerId broker, const TopicPartition& tp, bool leader, LeaderEpoch epoch,
              int64_t at_ns);
  // The broker stopped serving (crash, clean stop, pause, isolation). `lost_leadership`: its
  // leaderships are gone for good (crash, stop); otherwise they may resume (pause, isolation).
  void BrokerDown(BrokerId broker, bool lost_leadership, int64_t at_ns);
  void BrokerUp(BrokerId broker, int64_t at_ns);

  // Closed windows in the order they closed, then the open ones.
  std::vector<UnavailabilityWindow> Windows() const;

 private:
  struct Serving {
    BrokerId leader{-1};
    LeaderEpoch epoch{-1};
    int64_t open_since_ns = -1;  // >= 0: unavailable since then
  };
  void Open(Serving& s, int64_t at_ns);
  void Close(const TopicPartition& tp, Serving& s, int64_t at_ns);

  mutable std::mutex mu_;
  std::map<TopicPartition, Serving> partitions_;
  std::set<BrokerId> down_;
  std::vector<UnavailabilityWindow> closed_;
};

}  // namespace kbench::broker
