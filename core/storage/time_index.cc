#include "core/storage/time_index.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/byte_order.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {

Result<std::unique_ptr<TimeIndex>> TimeIndex::Open(std::string path, Offset base,
                                                   int64_t size_bytes) {
  KB_ASSIGN_OR_RETURN(
      auto file, IndexFile::Open(std::move(path), segment_format::kTimeIndexEntrySize, size_bytes));
  return std::unique_ptr<TimeIndex>(new TimeIndex(base, std::move(file)));
}

TimestampOffset TimeIndex::EntryAt(int32_t i) const {
  const uint8_t* e = file_->entry(i);
  return {LoadBigEndian<int64_t>(e), base_ + LoadBigEndian<uint32_t>(e + 8)};
}

TimestampOffset TimeIndex::LastEntry() const {
  const int32_t n = entries();
  return n == 0 ? TimestampOffset{-1, base_} : EntryAt(n - 1);
}

TimestampOffset TimeIndex::LookupBefore(int64_t target) const {
  int32_t lo = 0, hi = entries();
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).timestamp < target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? TimestampOffset{-1, base_} : EntryAt(lo - 1);
}

void TimeIndex::MaybeAppend(int64_t timestamp, Offset offset) {
  const int32_t n = entries();
  if (n > 0) {
    const TimestampOffset last = EntryAt(n - 1);
    if (timestamp <= last.timestamp || offset <= last.offset) return;
  }
  if (full()) return;
  uint8_t* slot = file_->next_slot();
  StoreBigEndian<int64_t>(slot, timestamp);
  StoreBigEndian<uint32_t>(slot + 8, static_cast<uint32_t>(offset - base_));
  file_->PublishEntries(n + 1);
}

void TimeIndex::TruncateTo(Offset offset) {
  int32_t n = entries();
  while (n > 0 && EntryAt(n - 1).offset >= offset) --n;
  file_->PublishEntries(n);
}

Status TimeIndex::SanityCheck() const {
  if (file_->file_bytes() % segment_format::kTimeIndexEntrySize != 0) {
    return Status::Corruption(fmt::format("{}: size {} is not a whole number of entries",
                                          file_->path(), file_->file_bytes()));
  }
  TimestampOffset previous{INT64_MIN, base_ - 1};
  for (int32_t i = std::max(0, entries() - 2); i < entries(); ++i) {
    const TimestampOffset e = EntryAt(i);
    if (e.timestamp <= previous.timestamp || e.offset <= previous.offset) {
      return Status::Corruption(
          fmt::format("{}: entry {} (timestamp {}, offset {}) does not follow (timestamp {}, "
                      "offset {})",
                      file_->path(), i, e.timestamp, e.offset.value(), previous.timestamp,
                      previous.offset.value()));
    }
    previous = e;
  }
  return Status::Ok();
}

}  // namespace kbench::storage
