// Error counts by Kafka error name ("NOT_ENOUGH_REPLICAS", "KAFKA_STORAGE_ERROR"), shared by a
// driver's callbacks and the collector; they become results `summary.errors.by_code`.
//
// Threads: Add() from any thread (a mutex; errors are rare); the getters from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kbench::harness {

class ErrorCounter {
 public:
  void Add(std::string_view name, int64_t n = 1);
  std::map<std::string, int64_t> Snapshot() const;
  int64_t total() const { return total_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> counts_;
  std::atomic<int64_t> total_{0};
};

}  // namespace kbench::harness
