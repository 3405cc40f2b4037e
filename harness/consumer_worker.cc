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
  bool paused = false;
  while (!stop_.load(std::memory_order_relaxed) && MonoNanos() < end_ns) {
    if (const bool want = paused_.load(std::memory_order_relaxed); want != paused) {
      options_.consumer->Pause(want);
      paused = want;
    }
    options_.consumer->Poll(options_.poll_timeout_ms);
    if (MonoNanos() >= next_report) {
      PostPositions();
      next_report += options_.report_interval_ms * 1'000'000;
    }
  }
  PostPositions();
}

}  // namespace kbench::harness
