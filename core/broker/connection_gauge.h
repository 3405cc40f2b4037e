// ConnectionGauge: the server-wide count of open connections, checked by the acceptor against
// max.connections and awaited by SocketServer::Stop() while connections drain.
//
// Threads: Add()/Remove() from any network thread; WaitForZero() from the stopping thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace kbench::broker {

class ConnectionGauge {
 public:
  void Add() { open_.fetch_add(1, std::memory_order_relaxed); }
  void Remove() {
    if (open_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }
  int64_t open() const { return open_.load(std::memory_order_acquire); }

  // Blocks until no connection is open or `timeout` passed; true when none is open.
  bool WaitForZero(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return open() == 0; });
  }

 private:
  std::atomic<int64_t> open_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace kbench::broker
