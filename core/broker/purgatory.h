// Purgatory<Key>: where DelayedOperations wait, watched under keys ("watch key -> waiters"), until
// an event on one of their keys lets them complete or their deadline passes (Kafka's
// DelayedOperationPurgatory). Keys are what events name: a TopicPartition for produce (HW advanced)
// and fetch (data appended), a group id for JoinGroup.
//
//   auto op = std::make_shared<DelayedFetch>(deadline, ...);
//   fetch_purgatory.TryCompleteElseWatch(op, keys);   // on the request thread
//   ...
//   fetch_purgatory.CheckAndComplete(tp);             // after an append to tp, on the appending
//   thread
//
// Exactly once: completion goes through DelayedOperation's lock and flag, so an event, the deadline
// and shutdown may race freely. No event is lost between the first try and the watch: the operation
// is tried once more after it is watched.
//
// Watch lists are sharded by key hash, each shard under its own mutex; TryComplete() runs outside
// the shard lock. Completed operations leave the lists of the key that completed them at once;
// their entries under other keys (and expired ones) are swept every `purge_interval` watches.
//
// Threads: every method from any thread. Does not own the Timer, which must outlive the purgatory.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/broker/delayed_operation.h"
#include "core/broker/timer.h"

namespace kbench::broker {

struct PurgatoryOptions {
  std::string name = "purgatory";
  int shards = 16;
  int purge_interval = 1000;  // watches between sweeps of completed entries (Kafka's purgeInterval)
};

template <typename Key, typename Hash = std::hash<Key>>
class Purgatory {
 public:
  using OperationPtr = std::shared_ptr<DelayedOperation>;

  Purgatory(Timer* timer, PurgatoryOptions options = {})
      : timer_(timer), options_(std::move(options)), shards_(std::max(1, options_.shards)) {}
  ~Purgatory() { Shutdown(); }
  Purgatory(const Purgatory&) = delete;
  Purgatory& operator=(const Purgatory&) = delete;

  // Tries `op`; if it cannot complete yet, watches it under every key, arms its deadline and tries
  // again. Returns true when the operation is completed by the time this returns (no need to wait).
  bool TryCompleteElseWatch(const OperationPtr& op, std::span<const Key> keys) {
    if (shut_down_.load(std::memory_order_acquire)) {
      op->ForceComplete(CompletionReason::kShutdown);
      return true;
    }
    if (op->MaybeTryComplete()) return true;
    for (const Key& key : keys) {
      if (op->completed()) break;
      Watch(key, op);
    }
    if (op->MaybeTryComplete()) return true;
    op->ArmDeadline(timer_);
    if (shut_down_.load(std::memory_order_acquire)) op->ForceComplete(CompletionReason::kShutdown);
    if (watches_since_purge_.fetch_add(1, std::memory_order_relaxed) + 1 >=
        static_cast<uint64_t>(options_.purge_interval)) {
      PurgeCompleted();
    }
    return op->completed();
  }

  // After an event on `key`: tries every operation watching it. Returns how many this call
  // completed.
  size_t CheckAndComplete(const Key& key) {
    Shard& shard = ShardFor(key);
    std::vector<OperationPtr> ops;
    {
      std::lock_guard<std::mutex> lock(shard.mu);
      auto it = shard.watchers.find(key);
      if (it == shard.watchers.end()) return 0;
      ops = it->second;
    }
    size_t completed = 0;
    for (const OperationPtr& op : ops) {
      if (op->MaybeTryComplete()) ++completed;
    }
    RemoveCompleted(shard, key);
    return completed;
  }

  // Watch entries, counting an operation once per key, including completed ones not yet purged.
  size_t watched() const { return watched_.load(std::memory_order_relaxed); }
  // Operations watched and not completed (walks every list; for tests and metrics).
  size_t pending() const {
    std::vector<const DelayedOperation*> seen;
    for (const Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      for (const auto& [key, list] : shard.watchers) {
        for (const OperationPtr& op : list) {
          if (!op->completed()) seen.push_back(op.get());
        }
      }
    }
    std::sort(seen.begin(), seen.end());
    return static_cast<size_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
  }

  // Drops completed operations from every watch list. Returns the entries removed.
  size_t PurgeCompleted() {
    watches_since_purge_.store(0, std::memory_order_relaxed);
    size_t removed = 0;
    for (Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      for (auto it = shard.watchers.begin(); it != shard.watchers.end();) {
        removed += EraseCompleted(it->second);
        it = it->second.empty() ? shard.watchers.erase(it) : std::next(it);
      }
    }
    return removed;
  }

  // Completes every watched operation with kShutdown; operations offered later complete at once the
  // same way. Idempotent.
  void Shutdown() {
    shut_down_.store(true, std::memory_order_release);
    for (Shard& shard : shards_) {
      std::unordered_map<Key, std::vector<OperationPtr>, Hash> taken;
      {
        std::lock_guard<std::mutex> lock(shard.mu);
        taken.swap(shard.watchers);
      }
      for (auto& [key, list] : taken) {
        watched_.fetch_sub(list.size(), std::memory_order_relaxed);
        for (const OperationPtr& op : list) op->ForceComplete(CompletionReason::kShutdown);
      }
    }
  }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<Key, std::vector<OperationPtr>, Hash> watchers;
  };

  Shard& ShardFor(const Key& key) { return shards_[Hash()(key) % shards_.size()]; }

  void Watch(const Key& key, const OperationPtr& op) {
    Shard& shard = ShardFor(key);
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.watchers[key].push_back(op);
    watched_.fetch_add(1, std::memory_order_relaxed);
  }

  void RemoveCompleted(Shard& shard, const Key& key) {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.watchers.find(key);
    if (it == shard.watchers.end()) return;
    EraseCompleted(it->second);
    if (it->second.empty()) shard.watchers.erase(it);
  }

  size_t EraseCompleted(std::vector<OperationPtr>& list) {
    size_t removed = std::erase_if(list, [](const OperationPtr& op) { return op->completed(); });
    watched_.fetch_sub(removed, std::memory_order_relaxed);
    return removed;
  }

  Timer* const timer_;  // not owned
  const PurgatoryOptions options_;
  std::vector<Shard> shards_;
  std::atomic<size_t> watched_{0};
  std::atomic<uint64_t> watches_since_purge_{0};
  std::atomic<bool> shut_down_{false};
};

}  // namespace kbench::broker
