// TimeIndex: a segment's sparse timestamp -> offset map (Kafka's .timeindex). Entries are
// (timestamp i64, relative offset u32), big-endian; an entry is added at the same points as the
// offset index, only when the segment's largest timestamp grew, so timestamps and offsets strictly
// increase. Each entry says: up to and including the batch ending at `offset`, no record has a
// timestamp above `timestamp`.
//
// Concurrency: as IndexFile (one writer, lock-free readers of published entries).
#pragma once

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/storage/index_file.h"

namespace kbench::storage {

struct TimestampOffset {
  int64_t timestamp = -1;
  Offset offset{0};
};

class TimeIndex {
 public:
  static Result<std::unique_ptr<TimeIndex>> Open(std::string path, Offset base, int64_t size_bytes);

  int32_t entries() const { return file_->entries(); }
  bool full() const { return file_->full(); }
  TimestampOffset EntryAt(int32_t i) const;
  // The last entry, or (-1, base) when empty.
  TimestampOffset LastEntry() const;
  // The last entry whose timestamp < target, or (-1, base): every record up to its offset is older
  // than target, so a search for the first record at or after target may start after it.
  TimestampOffset LookupBefore(int64_t target) const;

  // Writer only: appends when timestamp and offset exceed the last entry's and a slot is free;
  // no-op otherwise. (Segments roll while one slot is still free, for the final entry written on
  // roll.)
  void MaybeAppend(int64_t timestamp, Offset offset);
  void TruncateTo(Offset offset);
  void Reset() { file_->PublishEntries(0); }
  // O(1) check on load (as Kafka's): whole entries, and the last two entries in increasing order (a
  // preallocated file that was never trimmed ends in zeros and fails).
  Status SanityCheck() const;

  IndexFile& file() { return *file_; }
  const IndexFile& file() const { return *file_; }

 private:
  TimeIndex(Offset base, std::unique_ptr<IndexFile> file) : base_(base), file_(std::move(file)) {}

  const Offset base_;
  std::unique_ptr<IndexFile> file_;
};

}  // namespace kbench::storage
