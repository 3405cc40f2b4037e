#include "harness/append_notifier.h"

#include <algorithm>
#include <chrono>

#include "core/base/clock.h"

namespace kbench::harness {

// The waiter registers before it re-checks the generation, and Notify() bumps the generation
// before it checks for waiters (both sequentially consistent), so at least one of them sees the
// other: either the waiter sees the new generation and does not sleep, or the notifier sees the
// waiter and broadcasts under the mutex the waiter holds while it checks.
void AppendNotifier::WaitForChange(uint64_t seen, int64_t deadline_mono_ns) {
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (generation_.load(std::memory_order_seq_cst) == seen) {
      const int64_t left = deadline_mono_ns - MonoNanos();
      if (left <= 0) break;
      cv_.wait_for(lock, std::chrono::nanoseconds(left));
    }
  }
  waiters_.fetch_sub(1, std::memory_order_seq_cst);
}

void AppendSignals::Watch(size_t partition, AppendNotifier* n) {
  std::unique_lock lock(mu_);
  if (partition < watchers_.size()) watchers_[partition].push_back(n);
}

void AppendSignals::Unwatch(AppendNotifier* n) {
  std::unique_lock lock(mu_);
  for (auto& list : watchers_) list.erase(std::remove(list.begin(), list.end(), n), list.end());
}

void AppendSignals::Notify(size_t partition) const {
  std::shared_lock lock(mu_);
  if (partition >= watchers_.size()) return;
  for (AppendNotifier* n : watchers_[partition]) n->Notify();
}

}  // namespace kbench::harness
