// IndexFile: a memory-mapped file of fixed-size entries, the storage under OffsetIndex and
// TimeIndex.
//
// The active segment's index is preallocated (ftruncate to segment.index.bytes, a sparse file) and
// mapped whole; entries are appended in place. When the segment rolls the file is trimmed to its
// valid entries. The descriptor is closed right after mmap (as Kafka does): an index costs a
// mapping, not an open file.
//
// Concurrency: one writer (the log's appender, or a caller holding the log's exclusive lock) and
// any number of readers. Append writes the entry, then publishes the count with a release store;
// readers load the count with acquire and touch only entries below it, so they never see a
// half-written entry. Trim keeps the mapping (only bytes below the count are ever read); Resize may
// remap and so requires that no reader is inside the index (the log holds its segment-list lock
// exclusively).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/base/result.h"

namespace kbench::storage {

class IndexFile {
 public:
  // Opens or creates `path`. When size_bytes >= 0 the file is resized to it (rounded down to whole
  // entries); -1 keeps its size. entries() starts as the number of whole entries the file held
  // before any resize (the caller resets it when it rebuilds the index).
  static Result<std::unique_ptr<IndexFile>> Open(std::string path, int entry_size,
                                                 int64_t size_bytes);
  ~IndexFile();
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;

  const std::string& path() const { return path_; }
  int entry_size() const { return entry_size_; }
  int32_t entries() const { return entries_.load(std::memory_order_acquire); }
  int32_t capacity() const { return static_cast<int32_t>(file_bytes_ / entry_size_); }
  bool full() const { return entries() >= capacity(); }
  int64_t file_bytes() const { return file_bytes_; }

  const uint8_t* entry(int32_t i) const { return base_ + static_cast<int64_t>(i) * entry_size_; }
  // The next free slot (writer only); PublishEntries makes it visible.
  uint8_t* next_slot() {
    return base_ + static_cast<int64_t>(entries_.load(std::memory_order_relaxed)) * entry_size_;
  }
  void PublishEntries(int32_t n) { entries_.store(n, std::memory_order_release); }

  // Grows or shrinks the file to `bytes` (whole entries), remapping when it outgrows the mapping.
  Status Resize(int64_t bytes);
  // Shrinks the file to its valid entries.
  Status Trim() { return Resize(static_cast<int64_t>(entries()) * entry_size_); }
  // msync of the valid entries.
  Status Flush() const;
  Status RenameTo(std::string new_path);
  Status Delete();

 private:
  IndexFile(std::string path, int entry_size) : path_(std::move(path)), entry_size_(entry_size) {}
  Status Map(int fd, int64_t bytes);
  void Unmap();

  std::string path_;
  const int entry_size_;
  uint8_t* base_ = nullptr;
  int64_t mapped_bytes_ = 0;
  int64_t file_bytes_ = 0;
  std::atomic<int32_t> entries_{0};
};

}  // namespace kbench::storage
