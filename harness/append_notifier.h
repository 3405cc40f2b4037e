// Wakes the direct driver's consumers when producers append: the in-process stand-in for a Fetch
// request parked in the broker's purgatory until data arrives (fetch.wait.max.ms).
//
// A producer calls Notify() after every append; it costs one atomic increment and, only when a
// consumer is actually waiting, a lock and a condition-variable broadcast. A consumer samples
// generation() before it looks for data and, finding none, calls WaitForChange(sampled, deadline):
// an append between the sample and the wait is never missed (the generation has moved on, so it
// returns at once).
//
// Threads: any; shared by every producer and consumer of a run.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace kbench::harness {

class AppendNotifier {
 public:
  uint64_t generation() const { return generation_.load(std::memory_order_seq_cst); }

  void Notify() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }

  // Returns once generation() != seen, or at the monotonic deadline (ns), or after Interrupt().
  void WaitForChange(uint64_t seen, int64_t deadline_mono_ns);
  // Wakes every waiter (shutdown).
  void Interrupt() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }

 private:
  std::atomic<uint64_t> generation_{0};
  std::atomic<int32_t> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace kbench::harness
