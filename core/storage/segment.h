// Segment: one slice of a partition log: `<base>.log` with its sparse `.index` and `.timeindex`
// (segment_format.h). The log file holds whole record batches back to back, exactly as appended.
//
// Life cycle: Create() a new active segment (indexes preallocated and mapped), Append() to it,
// Seal() it when the log rolls (final time-index entry, indexes trimmed to their valid size). An
// existing segment is Open()ed and then either LoadClean() (after a clean shutdown: trust the files
// after an O(1) index check) or Recover() (after a crash: CRC-check every batch, rebuild both
// indexes, cut at the first invalid byte).
//
// Ownership: held by PartitionLog through std::shared_ptr; a reader copies the pointer for the
// length of a read, and the .log FileHandle is shared further with every FileSlice, so a segment
// deleted by retention stays readable (POSIX unlink) until the last slice is gone.
//
// Concurrency: one writer at a time (PartitionLog serializes Append/TruncateTo/Seal/Recover).
// Readers (FindBatch, ReadSlice, ScanBatches, lookups) may run concurrently with Append: the writer
// writes the bytes and index entries first and then publishes size() and next_offset() with release
// stores; readers stop at the published size. TruncateTo, MakeActive and file renames need readers
// excluded (the log's exclusive segment lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/base/file_handle.h"
#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/storage/offset_index.h"
#include "core/storage/record_batch.h"
#include "core/storage/time_index.h"

namespace kbench::storage {

struct SegmentConfig {
  int32_t index_interval_bytes = 4096;         // index.interval.bytes
  int64_t max_index_bytes = 10 * 1024 * 1024;  // segment.index.bytes
};

// Where one batch of an Append lands.
struct BatchPlacement {
  int64_t offset_in_append = 0;  // first byte of the batch within the appended bytes
  int32_t size = 0;
  Offset last_offset{0};
  int64_t max_timestamp = -1;
};

struct BatchLocation {
  int64_t position = 0;
  BatchHeader header;
};

// The end of a run of whole batches (Segment::ExtendRun).
struct RunEnd {
  int64_t end_position = 0;
  Offset next_offset{0};  // where a reader continues after the run
};

// What recovering one segment found.
struct SegmentRecovery {
  int64_t valid_bytes = 0;
  int64_t truncated_bytes = 0;
  int64_t batches_checked = 0;
  std::string reason;  // why the tail was cut (empty when nothing was)
};

class Segment {
 public:
  // A new, empty segment. `suffix` is appended to every file name (the cleaner writes ".cleaned").
  static Result<std::shared_ptr<Segment>> Create(const std::string& dir, Offset base,
                                                 const SegmentConfig& config, int64_t now_ms,
                                                 std::string_view suffix = {});
  // Existing files (a missing index is created empty). Call LoadClean() or Recover() next.
  static Result<std::shared_ptr<Segment>> Open(const std::string& dir, Offset base,
                                               const SegmentConfig& config,
                                               std::string_view suffix = {});
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // After a clean shutdown: sanity-check the indexes (recovering the segment if they fail) and find
  // the next offset and largest timestamp by scanning from the last index entry.
  Result<SegmentRecovery> LoadClean();
  // After a crash: CRC-check every batch from position 0, rebuild both indexes, truncate the file
  // at the first invalid byte. Batches must start at or after `min_offset` (the previous segment's
  // end).
  Result<SegmentRecovery> Recover(Offset min_offset);

  Offset base_offset() const { return base_; }
  int64_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  // One past the last offset of the last batch; base_offset() when empty.
  Offset next_offset() const { return Offset(next_offset_.load(std::memory_order_acquire)); }
  // Largest batch MaxTimestamp in the segment (-1 when none) and the last offset of the batch
  // holding it.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // Kafka's largestTimestamp for retention: max_timestamp(), or the file's mtime when there is
  // none.
  int64_t LargestTimestampForRetention() const;
  // segment.ms: how long this segment has been rolling, measured as Kafka does (the incoming
  // batch's timestamp minus the first batch's, or wall time since creation when timestamps are
  // missing).
  int64_t TimeWaitedForRoll(int64_t now_ms, int64_t incoming_max_timestamp) const;
  // Either index has no room for the next entry (the time index keeps one slot for the roll entry).
  bool IndexesFull() const;
  // Whether `last_offset` can be stored relative to the base (u32 in the index; Kafka keeps int
  // range).
  bool CanHoldOffset(Offset last_offset) const { return last_offset - base_ <= INT32_MAX; }
  const std::string& log_path() const { return log_path_; }
  std::shared_ptr<const FileHandle> file() const { return file_; }
  const OffsetIndex& offset_index() const { return *offset_index_; }
  const TimeIndex& time_index() const { return *time_index_; }

  // Writes batches (contiguous bytes, each described by a placement) at the end of the file, adds
  // index entries every index.interval.bytes, then publishes the new size and next offset. On an
  // I/O error the file is cut back to its previous size and nothing is published.
  Status Append(std::span<const uint8_t> bytes, std::span<const BatchPlacement> batches);

  // The first batch at or after the index's hint whose last offset >= target, among bytes below
  // `limit` (pass size() read after the log end offset). nullopt when the segment holds no such
  // batch.
  Result<std::optional<BatchLocation>> FindBatch(Offset target, int64_t limit) const;
  // The end of a run of whole batches starting with `first`: it grows while the next batch's last
  // offset is below `upper_bound` (exclusive), the run fits in `max_bytes` and the batch lies below
  // `limit`.
  Result<RunEnd> ExtendRun(const BatchLocation& first, int64_t max_bytes, Offset upper_bound,
                           int64_t limit) const;
  // Calls fn(position, header) for each batch header in [from, limit), stopping early when fn
  // returns false.
  Status ScanHeaders(int64_t from, int64_t limit,
                     const std::function<bool(int64_t, const BatchHeader&)>& fn) const;
  // Calls fn(position, bytes) for each whole batch in [from, limit) (bytes valid during the call
  // only) until fn returns false or an error.
  Status ReadBatches(
      int64_t from, int64_t limit,
      const std::function<Result<bool>(int64_t, std::span<const uint8_t>)>& fn) const;
  // The first record with timestamp >= target, or nullopt.
  Result<std::optional<TimestampOffset>> FindTimestamp(int64_t target, Offset min_offset) const;

  // Removes every batch whose last offset >= offset; returns the bytes removed.
  Result<int64_t> TruncateTo(Offset offset);
  // fdatasync of the log when it grew since the last flush; a sealed segment's indexes are msynced
  // once too. Returns the number of sync calls made (0 when everything was already durable).
  Result<int> Flush();
  // Becoming inactive (roll, close): final time-index entry, both indexes trimmed to their valid
  // entries.
  Status Seal();
  // Becoming the active segment again (after truncation removed later segments): indexes regrown.
  Status MakeActive();
  bool sealed() const { return sealed_.load(std::memory_order_acquire); }
  // Data or (for a sealed segment) indexes not yet synced.
  bool NeedsFlush() const;
  // Renames all three files from the current suffix to `suffix` (cleaner swap).
  Status ChangeSuffix(std::string_view suffix);
  // Unlinks the files. Open FileSlices keep the .log readable.
  Status DeleteFiles();

 private:
  Segment(std::string dir, Offset base, const SegmentConfig& config, std::string suffix);
  Status OpenFiles(bool create, int64_t now_ms);
  std::string PathFor(std::string_view ext) const;
  // Recomputes next offset, max timestamp and index spacing from the last index entry to the end.
  Status ScanTail();
  void IndexBatch(int64_t position, int32_t size, Offset last_offset, int64_t max_timestamp);
  void PublishEnd(int64_t size, Offset next_offset);

  const std::string dir_;
  const Offset base_;
  const SegmentConfig config_;
  std::string suffix_;
  std::string log_path_;
  std::shared_ptr<FileHandle> file_;
  std::unique_ptr<OffsetIndex> offset_index_;
  std::unique_ptr<TimeIndex> time_index_;

  std::atomic<int64_t> size_{0};
  std::atomic<int64_t> next_offset_{0};
  std::atomic<int64_t> max_timestamp_{-1};
  // Writer-only state.
  Offset offset_of_max_timestamp_{0};
  int64_t bytes_since_index_entry_ = 0;
  int64_t first_batch_timestamp_ = -1;  // MaxTimestamp of the first batch (segment.ms reference)
  int64_t created_ms_ = 0;
  std::atomic<int64_t> flushed_size_{0};
  bool indexes_missing_ = false;
  std::atomic<bool> sealed_{false};
  std::atomic<bool> indexes_synced_{false};
};

}  // namespace kbench::storage
