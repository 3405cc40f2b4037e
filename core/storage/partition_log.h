// PartitionLog: one partition's log: a directory of segments (segment.h), the leader-epoch cache,
// the recovery point, and the append / read / truncate / roll / retention / flush operations a
// Kafka broker performs on it.
//
// Who calls what:
//  - Produce (leader): ValidateRecords(buf, log.validation_options(kClient)), idempotence checks on
//  the
//    batch headers, then AppendAsLeader(): offsets are assigned by rewriting each batch's
//    BaseOffset in the caller's buffer, PartitionLeaderEpoch is stamped (the CRC does not cover
//    either), and with message.timestamp.type=LogAppendTime MaxTimestamp is set and the CRC
//    recomputed.
//  - Replication (follower): ValidateRecords(fetched, kReplication) then AppendAsFollower(), which
//  keeps the
//    leader's offsets and refuses an overlap (or, unless the log is compacted, a gap) with the log
//    end.
//  - Fetch: Read() returns a FileSlice of whole batches for sendfile.
//  - OffsetForLeaderEpoch / follower truncation: EndOffsetForEpoch(), TruncateTo().
//  - ListOffsets: log_start_offset(), log_end_offset(), OffsetForTimestamp().
//  - LogManager's background thread: FlushIfNeeded(), DeleteOldSegments(), Compact().
//
// Offsets: log_start_offset() <= every stored offset < log_end_offset() (LEO); recovery_point() <=
// LEO is where flushed data ends (segments below it are trusted after a crash). The high watermark
// belongs to the broker; pass it to Read() as the upper bound.
//
// Concurrency (the broker runs on two cores): appends, truncation, roll, retention, flush
// bookkeeping and compaction are serialized inside the log. Read(), OffsetForTimestamp(),
// ForEachBatch() and the getters may run on any thread concurrently with them. An append writes the
// file and index entries first and then publishes the segment size and the LEO with release stores;
// readers load the LEO with acquire first and stop below it, so they only ever see complete
// batches. A FileSlice holds its segment's file open, so it stays valid after retention deletes the
// segment; a slice that TruncateTo later cuts short reads fewer bytes than its length (the server
// must treat a short sendfile as an error).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/base/file_handle.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"
#include "core/storage/leader_epoch_cache.h"
#include "core/storage/log_config.h"
#include "core/storage/record_batch.h"
#include "core/storage/segment.h"
#include "core/storage/storage_counters.h"

namespace kbench::storage {

class LogCleaner;

struct LogOpenOptions {
  // From the log dir's recovery-point checkpoint: after an unclean stop, segments from the one
  // holding this offset onwards are re-read and CRC-checked.
  Offset recovery_point{0};
  // The log dir had a clean-shutdown marker: trust every segment (O(1) index checks only).
  bool clean_shutdown = false;
  // First dirty offset for compaction (cleaner-offset-checkpoint).
  Offset cleaner_checkpoint{0};
  // Shared with the LogManager; a standalone log gets its own when null.
  std::shared_ptr<StorageCounters> counters = nullptr;
  // Wall clock in milliseconds (tests substitute one); WallMillis when null.
  std::function<int64_t()> clock = nullptr;
};

// What opening the log found.
struct LogLoadReport {
  bool clean = false;
  int32_t segments = 0;
  int32_t segments_recovered = 0;  // re-read and CRC-checked
  int64_t batches_checked = 0;
  int64_t bytes_truncated = 0;   // cut from torn/corrupt tails, including whole later segments
  int32_t segments_deleted = 0;  // later segments dropped after a cut
  std::string problem;           // the first invalid batch found, with file and position
};

struct LeaderAppendOptions {
  // The leader's epoch, stamped in every batch's PartitionLeaderEpoch and recorded in the epoch
  // cache.
  LeaderEpoch leader_epoch = kNoLeaderEpoch;
};

struct AppendInfo {
  Offset first_offset = kInvalidOffset;  // BaseOffset of the first batch
  Offset last_offset = kInvalidOffset;   // last offset of the last batch
  int64_t log_append_time_ms = -1;       // set when the log uses LogAppendTime
  int64_t bytes = 0;
  int32_t batches = 0;
  int64_t records = 0;
  Offset log_start_offset{0};
};

struct ReadOptions {
  Offset from{0};
  // Bytes wanted; the slice never exceeds it, except that with min_one_batch the first batch is
  // returned whole even when larger (KIP-74: a consumer can always make progress).
  int64_t max_bytes = 1 << 20;
  // Exclusive: batches with an offset at or above it are not returned (the high watermark for
  // consumers, the LEO for followers).
  Offset upper_bound = Offset::Max();
  bool min_one_batch = true;
};

struct ReadResult {
  FileSlice slice;                       // whole batches; empty when nothing is readable yet
  Offset first_offset = kInvalidOffset;  // BaseOffset of the first batch (may be below `from`)
  Offset next_offset{0};                 // one past the slice's last offset (== from when empty)
  Offset log_start_offset{0};
  Offset log_end_offset{0};
};

// ListOffsets' special timestamps.
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;

class PartitionLog {
 public:
  // Opens (creating if needed) the log in `dir`, completing or discarding interrupted cleaner swaps
  // and recovering unflushed segments as LogOpenOptions say.
  static Result<std::unique_ptr<PartitionLog>> Open(std::string dir, TopicPartition tp,
                                                    LogConfig config, LogOpenOptions options = {});
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  const TopicPartition& topic_partition() const { return tp_; }
  const std::string& dir() const { return dir_; }
  LogConfig config() const;
  // Takes effect for the next append / maintenance call (segment sizes already written stay).
  void SetConfig(const LogConfig& config);
  ValidationOptions validation_options(AppendOrigin origin) const {
    return config().validation_options(origin);
  }

  Offset log_start_offset() const { return Offset(log_start_.load(std::memory_order_acquire)); }
  Offset log_end_offset() const { return Offset(log_end_.load(std::memory_order_acquire)); }
  Offset recovery_point() const { return Offset(recovery_point_.load(std::memory_order_acquire)); }
  int64_t size_bytes() const;
  int32_t segment_count() const;
  // Open files (one .log descriptor per segment) and memory mappings (two indexes per segment).
  int32_t open_files() const { return segment_count(); }
  const LogLoadReport& load_report() const { return load_report_; }
  StorageCounters& counters() { return *counters_; }

  // ---- Appends (serialized inside the log). A failed append leaves the log unchanged. ----
  Result<AppendInfo> AppendAsLeader(const ValidatedRecords& records,
                                    const LeaderAppendOptions& options);
  Result<AppendInfo> AppendAsFollower(const ValidatedRecords& records);

  // ---- Reads (any thread). ----
  // OFFSET_OUT_OF_RANGE when from < log start or from > LEO.
  Result<ReadResult> Read(const ReadOptions& options) const;
  // The first record with timestamp >= `timestamp` (ListOffsets by time), or nullopt when none is.
  // kLatestTimestamp / kEarliestTimestamp give the LEO / log start (with timestamp -1).
  Result<std::optional<TimestampOffset>> OffsetForTimestamp(int64_t timestamp) const;
  // Calls fn(header, batch bytes) for each stored batch holding offsets >= from, in order, until fn
  // returns false (producer-state rebuild, the direct driver's consumer, tests).
  Status ForEachBatch(
      Offset from,
      const std::function<Result<bool>(const BatchHeader&, std::span<const uint8_t>)>& fn) const;

  // ---- Leader epochs. ----
  // A new leader records where its epoch starts (usually the LEO) before its first append.
  Status AssignEpochStart(LeaderEpoch epoch, Offset start_offset);
  EpochEndOffset EndOffsetForEpoch(LeaderEpoch epoch) const;
  LeaderEpoch latest_epoch() const;
  std::vector<EpochEntry> epoch_entries() const;

  // ---- Truncation (follower). ----
  // Removes every batch holding an offset >= offset; returns the new LEO (a batch straddling
  // `offset` is removed whole, so the LEO may land below it). A no-op when offset >= LEO.
  Result<Offset> TruncateTo(Offset offset);
  // Deletes everything; the log restarts empty at `offset` (log start = LEO = offset).
  Status TruncateFullyAndStartAt(Offset offset);

  // ---- Durability, retention, compaction. ----
  // fsync everything appended so far; the recovery point moves to the LEO.
  Status Flush();
  // flush.ms elapsed with unflushed data, or rolled segments still unflushed (Kafka flushes on
  // roll, in the background): flush them.
  Status FlushIfNeeded(int64_t now_ms);
  // Deletes whole non-active segments past retention.ms / retention.bytes (cleanup.policy includes
  // delete) and moves the log start up; returns how many were deleted.
  Result<int32_t> DeleteOldSegments(int64_t now_ms);
  Offset cleaner_checkpoint() const { return Offset(first_dirty_.load(std::memory_order_acquire)); }

  // Flushes everything, trims the active segment's indexes; later calls fail.
  Status Close();
  // Close() and remove the directory with all its files (topic deletion).
  Status CloseAndDelete();
  // Later calls fail; nothing is sealed, flushed or checkpointed (LogManager::Abandon: a crash).
  void Abandon();

 private:
  friend class LogCleaner;
  PartitionLog(std::string dir, TopicPartition tp, LogConfig config, LogOpenOptions options);

  Status Load(const LogOpenOptions& options);
  Status LoadSegments(const std::vector<Offset>& bases, const LogOpenOptions& options);
  Status CompleteInterruptedSwaps(const std::vector<Offset>& swaps);
  int64_t Now() const { return clock_(); }

  Result<AppendInfo> AppendLocked(std::span<const uint8_t> bytes,
                                  std::vector<BatchPlacement>& placements,
                                  const ValidatedRecords& records, int64_t now_ms);
  Status MaybeRoll(int64_t bytes, Offset first_offset, Offset last_offset, int64_t max_timestamp,
                   int64_t now_ms);
  Status Roll(Offset new_base, int64_t now_ms);
  Status CheckFollowerOffsets(const ValidatedRecords& records) const;
  Status MaybeFlushAfterAppend();
  // fsyncs segments holding data below `target` (and sealed segments' indexes); recovery point ->
  // target.
  Status FlushUpTo(Offset target);
  // Index in segments_ of the segment that holds `offset` (the last one with base <= offset).
  size_t SegmentIndexFor(Offset offset) const;
  std::vector<std::shared_ptr<Segment>> SnapshotSegments() const;
  Status TruncateFullyLocked(Offset offset);  // maintenance_mu_ held
  Status DeleteSegments(std::vector<std::shared_ptr<Segment>> doomed, int64_t* bytes);
  // For the cleaner: replaces `old` (consecutive non-active segments) with `cleaned` (suffix
  // .cleaned) using the .swap protocol, so a crash at any point leaves either the old or the new
  // files.
  Status ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old,
                         std::shared_ptr<Segment> cleaned);
  Status CheckOpen() const;

  const std::string dir_;
  const TopicPartition tp_;
  std::function<int64_t()> clock_;
  std::shared_ptr<StorageCounters> counters_;
  LogLoadReport load_report_;
  std::unique_ptr<LeaderEpochCache> epochs_;

  // Lock order: maintenance_mu_ -> append_mu_ -> flush_mu_ -> segments_mu_.
  std::mutex maintenance_mu_;  // truncation, retention, compaction, close
  std::mutex append_mu_;       // appends, roll, active_
  std::mutex flush_mu_;        // recovery-point updates
  mutable std::shared_mutex
      segments_mu_;  // segments_: shared for readers, exclusive to change the list
  mutable std::mutex config_mu_;
  LogConfig config_;

  std::vector<std::shared_ptr<Segment>> segments_;  // ascending base offset; back() is active_
  std::shared_ptr<Segment> active_;                 // guarded by append_mu_
  std::atomic<int64_t> log_start_{0};
  std::atomic<int64_t> log_end_{0};
  std::atomic<int64_t> recovery_point_{0};
  std::atomic<int64_t> first_dirty_{0};
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace kbench::storage
