// One consumer thread: polls its ConsumerClient (driver.h: it records end-to-end latency and feeds
// the audit) and, once per report interval, posts the positions of its assigned partitions to the
// LagBoard.
//
// Ownership: the consumer and the board are borrowed. Threads: Run() on one thread; Stop() from
// any.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "harness/driver.h"
#include "harness/lag_board.h"

namespace kbench::harness {

struct ConsumerWorkerOptions {
  std::string group;
  ConsumerClient* consumer = nullptr;  // not owned
  LagBoard* board = nullptr;           // not owned; may be null
  int64_t report_interval_ms = 1000;
  int poll_timeout_ms = 100;
};

class ConsumerWorker {
 public:
  explicit ConsumerWorker(const ConsumerWorkerOptions& options) : options_(options) {}

  // Polls until Stop() or until the monotonic time end_ns; posts positions on the way and once at
  // the end.
  void Run(int64_t end_ns);
  void Stop() { stop_.store(true, std::memory_order_relaxed); }
  // Pausing (a backlog being built): the thread hands it to its consumer (ConsumerClient::Pause)
  // before its next poll and keeps polling, so the consumer stays in its group (a Kafka group
  // drops a member that does not poll within max.poll.interval.ms). Set before Run() to start
  // paused.
  void SetPaused(bool paused) { paused_.store(paused, std::memory_order_relaxed); }

 private:
  void PostPositions();

  ConsumerWorkerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
};

}  // namespace kbench::harness
