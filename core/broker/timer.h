// Timer: runs tasks at monotonic-clock deadlines on one thread of its own (Kafka's SystemTimer and
// expiration reaper in one). Used for purgatory deadlines (fetch.max.wait.ms, produce timeout.ms,
// rebalance and session timeouts).
//
// Design: a binary min-heap of the pending tasks, each knowing its heap slot, so Cancel() removes a
// task in O(log n) at once instead of leaving it to expire. Purgatory operations are mostly
// cancelled (completed by their event) long before their deadline, so the heap holds only what is
// really outstanding. The thread sleeps on a condition variable until the earliest deadline (no
// ticking, no busy waiting) and is woken only when a new task becomes the earliest.
//
// Threads: every method may be called from any thread, including from inside a task. A task runs on
// the timer thread, after its deadline, outside the timer's lock; keep it short (hand heavy work
// on).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/base/strong_int.h"
#include "core/broker/broker_gates.h"

namespace kbench::broker {

using TimerId = StrongInt<struct TimerIdTag, uint64_t>;
inline constexpr TimerId kNoTimer{0};

class Timer {
 public:
  // With `gates` (not owned), a paused broker's timer runs no task until it is resumed.
  explicit Timer(std::string name = "timer", BrokerGates* gates = nullptr);
  ~Timer();  // Stop()
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `task` once, at or after `deadline_ns` (MonoNanos() clock). Returns kNoTimer (and drops
  // the task) after Stop().
  TimerId ScheduleAt(int64_t deadline_ns, std::function<void()> task);
  TimerId ScheduleAfter(int64_t delay_ns, std::function<void()> task);
  // True when the task was removed before it started; false when it already ran, is running or is
  // unknown. The task object is destroyed before Cancel returns true.
  bool Cancel(TimerId id);
  // Tasks waiting for their deadline.
  size_t pending() const;
  // Ends the thread; tasks not yet run are dropped without running. Idempotent.
  void Stop();

 private:
  struct Entry {
    int64_t deadline_ns;
    uint64_t id;
    std::function<void()> task;
    size_t heap_index;
  };
  void Run();
  bool Earlier(const Entry* a, const Entry* b) const;
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void Place(size_t i, Entry* e);
  std::unique_ptr<Entry> RemoveAt(size_t i);

  const std::string name_;
  BrokerGates* const gates_;  // not owned; may be null
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry*> heap_;  // guarded by mu_
  std::unordered_map<uint64_t, std::unique_ptr<Entry>>
      entries_;            // guarded by mu_; owns the entries
  uint64_t next_id_ = 1;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace kbench::broker
