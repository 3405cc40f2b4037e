// ManualGroupTimer: a GroupTimer whose clock moves only when a test says so, so the coordinator's
// session, rebalance and initial-delay timeouts are driven deterministically (no sleeps, no timed
// assertions). Advance(ms) runs every task whose deadline falls inside the step, in deadline order
// (ties in scheduling order), each with NowMs() equal to its deadline, on the calling thread with
// no lock held (as the broker's Timer thread does).
//
// Thread safety: every method may be called from any thread; Advance from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/broker/group_timer.h"

namespace kbench::broker::testing {

class ManualGroupTimer final : public GroupTimer {
 public:
  // Monotonic and wall clocks start at these values and move together.
  explicit ManualGroupTimer(int64_t start_ms = 1'000'000,
                            int64_t wall_start_ms = 1'700'000'000'000);

  int64_t NowMs() const override;
  int64_t WallMs() const override;
  TaskId ScheduleAt(int64_t deadline_ms, std::function<void()> task) override;
  bool Cancel(TaskId id) override;

  // Moves time forward by `ms` (>= 0), running the tasks that come due.
  void Advance(int64_t ms);
  // Tasks waiting for their deadline.
  size_t pending() const;
  // The earliest pending deadline, or -1.
  int64_t NextDeadline() const;

 private:
  using Key = std::pair<int64_t, TaskId>;  // (deadline, id): ids grow, so ties run in order
  mutable std::mutex mu_;
  int64_t now_ms_;
  const int64_t wall_offset_ms_;
  TaskId next_id_ = 1;
  std::map<Key, std::function<void()>> tasks_;
  std::unordered_map<TaskId, int64_t> deadlines_;
};

}  // namespace kbench::broker::testing
