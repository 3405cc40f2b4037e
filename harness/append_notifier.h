// Wakes the direct driver's consumers when producers append: the in-process stand-in for a Fetch
// request parked in the broker's purgatory until data arrives (fetch.wait.max.ms).
//
// AppendNotifier is one consumer's doorbell. A producer's Notify() costs one atomic increment and,
// only when the consumer is actually waiting, a lock and a condition-variable signal. The consumer
// samples generation() before it looks for data and, finding none, calls WaitForChange(sampled,
// deadline): an append between the sample and the wait is never missed (the generation has moved
// on, so it returns at once).
//
// AppendSignals maps a topic's partitions to the doorbells of the consumers reading them, so an
// append wakes only its partition's readers (one per subscription), not every consumer of the run.
//
// Threads: any. AppendSignals: Watch/Unwatch (consumer creation and destruction) take an
// exclusive lock, Notify (every append) a shared one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

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

class AppendSignals {
 public:
  explicit AppendSignals(size_t partitions) : watchers_(partitions) {}
  AppendSignals(const AppendSignals&) = delete;
  AppendSignals& operator=(const AppendSignals&) = delete;

  // `n` (not owned) is rung after every append to `partition` until Unwatch(n).
  void Watch(size_t partition, AppendNotifier* n);
  void Unwatch(AppendNotifier* n);
  // Rings every doorbell watching `partition`.
  void Notify(size_t partition) const;

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::vector<AppendNotifier*>> watchers_;  // by partition
};

}  // namespace kbench::harness
