// OffsetIndex: a segment's sparse offset -> file position map (Kafka's .index). One entry per
// index.interval.bytes of log: (last offset of a batch - segment base, position where that batch
// starts), both u32 big-endian. Offsets and positions strictly increase from entry to entry.
//
// Lookup(t) gives the last entry whose offset <= t: the batch holding t starts at or after that
// position (or at it, when the entry's batch ends at t), so a reader scans forward from there.
// Without a usable entry it gives (base offset, position 0).
//
// Concurrency: as IndexFile (one writer, lock-free readers of published entries).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/storage/index_file.h"

namespace kbench::storage {

struct OffsetPosition {
  Offset offset{0};
  int64_t position = 0;
};

class OffsetIndex {
 public:
  // Opens or creates the index of the segment at `base`. size_bytes as IndexFile::Open.
  static Result<std::unique_ptr<OffsetIndex>> Open(std::string path, Offset base,
                                                   int64_t size_bytes);

  Offset base_offset() const { return base_; }
  int32_t entries() const { return file_->entries(); }
  bool full() const { return file_->full(); }
  OffsetPosition EntryAt(int32_t i) const;
  // The last entry, or (base, 0) when empty.
  OffsetPosition LastEntry() const;

  OffsetPosition Lookup(Offset target) const;
  // Lookup(target) plus the entry after it (the first whose offset > target), when there is one:
  // the batch at that entry's position ends after `target`, so if it starts at or before `target`
  // it holds it.
  OffsetPosition Lookup(Offset target, std::optional<OffsetPosition>* next) const;
  // The last entry whose position <= position, or (base, 0).
  OffsetPosition LookupPosition(int64_t position) const;

  // Writer only: offset and position must exceed the last entry's; the index must not be full.
  void Append(Offset offset, int64_t position);
  // Drops every entry whose offset >= offset.
  void TruncateTo(Offset offset);
  void Reset() { file_->PublishEntries(0); }

  // O(1) check on load (as Kafka's): whole entries; the first and the last two entries increase and
  // lie inside the log file (a preallocated file that was never trimmed ends in zeros and fails).
  Status SanityCheck(int64_t log_size) const;

  IndexFile& file() { return *file_; }
  const IndexFile& file() const { return *file_; }

 private:
  OffsetIndex(Offset base, std::unique_ptr<IndexFile> file) : base_(base), file_(std::move(file)) {}
  // The number of entries with offset <= target (binary search over published entries).
  int32_t CountAtOrBelow(Offset target) const;

  const Offset base_;
  std::unique_ptr<IndexFile> file_;
};

}  // namespace kbench::storage
