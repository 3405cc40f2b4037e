#include "harness/consumer_worker.h"

#include <thread>

#include "core/base/clock.h"

namespace kbench::harness {

void ConsumerWorker::PostPositions() {
  if (options_.board == nullptr) return;
  const int64_t now_ms = MonoMillis();
  for (const PartitionPosition& p : options_.consumer->Positions()) {
    if (p.high_watermark < 0) continue;  // nothing fetched yet: no log end to compare with
    options_.board->Post(options_.group, p.partition,
                         {now_ms, p.offset < 0 ? 0 : p.offset, p.high_watermark});
  }
}

void ConsumerWorker::Run(int64_t end_ns) {
  int64_t next_report = MonoNanos() + options_.report_interval_ms * 1'000'000;
  while (!stop_.load(std::memory_order_relaxed) && MonoNanos() < end_ns) {
    if (paused_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_timeout_ms));
    } else {
      options_.consumer->Poll(options_.poll_timeout_ms);
    }
    if (MonoNanos() >= next_report) {
      PostPositions();
      next_report += options_.report_interval_ms * 1'000'000;
    }
  }
  PostPositions();
}

}  // namespace kbench::harness
