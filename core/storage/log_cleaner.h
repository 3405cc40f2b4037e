// LogCleaner: compaction for logs with cleanup.policy=compact (Kafka's LogCleaner, one pass at a
// time).
//
// A compacted log has a clean part (below the cleaner checkpoint, cleaned before) and a dirty head
// (non-active segments written since). When dirty bytes / (clean + dirty) bytes of the non-active
// segments exceeds min.cleanable.dirty.ratio, a pass:
//  1. maps every key in the dirty head to its newest offset (bounded by dedupe_buffer_bytes; the
//  head is cut
//     at a segment boundary when the map is full);
//  2. rewrites every non-active segment up to the end of that head, in groups that fit
//  segment.bytes,
//     keeping a record only if no newer record with its key exists. Records without a key are
//     dropped. Tombstones (null value) in the clean part are dropped once their segment's newest
//     timestamp is older than delete.retention.ms, so consumers reading from the start have that
//     long to see a delete. Control batches are kept whole. A batch keeps its BaseOffset and
//     LastOffsetDelta (its offset range), is copied byte for byte when nothing in it was removed,
//     and is dropped when everything was (except the last batch of a group, kept empty so the
//     group's offset range survives);
//  3. swaps each group in with the .cleaned -> .swap -> .log protocol (segment_format.h), so a
//  crash at any
//     point leaves the old segments or the new one, and load completes an interrupted swap;
//  4. moves the cleaner checkpoint to the end of the head.
// The active segment is never touched, and records newer than min.compaction.lag.ms are not
// compacted.
//
// Thread safety: Clean() holds the log's maintenance lock (serialized with retention and
// truncation); appends and reads continue meanwhile. One LogCleaner may clean several logs one
// after another.
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/storage/partition_log.h"

namespace kbench::storage {

struct CleanerConfig {
  // log.cleaner.dedupe.buffer.size (Kafka: 128 MiB across cleaner threads): memory for the key map.
  int64_t dedupe_buffer_bytes = 128LL << 20;
};

struct CleanResult {
  bool cleaned = false;
  double dirty_ratio = 0;  // of the cleanable part when the pass was considered
  Offset first_dirty{0};   // cleaner checkpoint before the pass
  Offset end_offset{0};    // cleaner checkpoint after the pass
  int32_t segments_in = 0;
  int32_t segments_out = 0;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  int64_t records_in = 0;
  int64_t records_removed = 0;
  int64_t tombstones_removed = 0;
};

class LogCleaner {
 public:
  explicit LogCleaner(CleanerConfig config = {}) : config_(config) {}

  // Cleans `log` when it is compacted and its dirty ratio exceeds min.cleanable.dirty.ratio (always
  // when `force`, if anything is cleanable). A log without cleanup.policy=compact is left alone.
  Result<CleanResult> Clean(PartitionLog& log, int64_t now_ms, bool force = false) const;

 private:
  CleanerConfig config_;
};

}  // namespace kbench::storage
