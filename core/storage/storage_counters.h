// StorageCounters: what the storage engine did, for the harness's results and the broker's metrics.
// One instance is shared by every log of a LogManager (a standalone PartitionLog gets its own).
//
// Thread safety: relaxed atomic increments from any thread; Snapshot() reads each counter once (the
// set is not a consistent cut, which is fine for rates and totals).
#pragma once

#include <atomic>
#include <cstdint>

namespace kbench::storage {

struct StorageCountersSnapshot {
  int64_t bytes_appended = 0;
  int64_t batches_appended = 0;
  int64_t records_appended = 0;
  int64_t fsyncs = 0;  // fdatasync of .log files + msync of indexes
  int64_t segments_rolled = 0;
  int64_t segments_deleted = 0;           // by retention
  int64_t bytes_deleted = 0;              // by retention
  int64_t bytes_truncated = 0;            // by TruncateTo / TruncateFullyAndStartAt
  int64_t recovery_segments_checked = 0;  // segments re-read after an unclean stop
  int64_t recovery_batches_checked = 0;
  int64_t recovery_bytes_truncated = 0;  // cut by recovery (torn or corrupt tails, later segments)
  int64_t cleaner_runs = 0;
  int64_t cleaner_bytes_read = 0;
  int64_t cleaner_bytes_written = 0;
  int64_t cleaner_records_removed = 0;
};

struct StorageCounters {
  std::atomic<int64_t> bytes_appended{0};
  std::atomic<int64_t> batches_appended{0};
  std::atomic<int64_t> records_appended{0};
  std::atomic<int64_t> fsyncs{0};
  std::atomic<int64_t> segments_rolled{0};
  std::atomic<int64_t> segments_deleted{0};
  std::atomic<int64_t> bytes_deleted{0};
  std::atomic<int64_t> bytes_truncated{0};
  std::atomic<int64_t> recovery_segments_checked{0};
  std::atomic<int64_t> recovery_batches_checked{0};
  std::atomic<int64_t> recovery_bytes_truncated{0};
  std::atomic<int64_t> cleaner_runs{0};
  std::atomic<int64_t> cleaner_bytes_read{0};
  std::atomic<int64_t> cleaner_bytes_written{0};
  std::atomic<int64_t> cleaner_records_removed{0};

  static void Add(std::atomic<int64_t>& counter, int64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  StorageCountersSnapshot Snapshot() const {
    auto r = [](const std::atomic<int64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {r(bytes_appended),
            r(batches_appended),
            r(records_appended),
            r(fsyncs),
            r(segments_rolled),
            r(segments_deleted),
            r(bytes_deleted),
            r(bytes_truncated),
            r(recovery_segments_checked),
            r(recovery_batches_checked),
            r(recovery_bytes_truncated),
            r(cleaner_runs),
            r(cleaner_bytes_read),
            r(cleaner_bytes_written),
            r(cleaner_records_removed)};
  }
};

}  // namespace kbench::storage
