#include "core/storage/offset_index.h"

#include <fmt/format.h>

#include "core/base/byte_order.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {

Result<std::unique_ptr<OffsetIndex>> OffsetIndex::Open(std::string path, Offset base,
                                                       int64_t size_bytes) {
  KB_ASSIGN_OR_RETURN(
      auto file,
      IndexFile::Open(std::move(path), segment_format::kOffsetIndexEntrySize, size_bytes));
  return std::unique_ptr<OffsetIndex>(new OffsetIndex(base, std::move(file)));
}

OffsetPosition OffsetIndex::EntryAt(int32_t i) const {
  const uint8_t* e = file_->entry(i);
  return {base_ + LoadBigEndian<uint32_t>(e), LoadBigEndian<uint32_t>(e + 4)};
}

OffsetPosition OffsetIndex::LastEntry() const {
  const int32_t n = entries();
  return n == 0 ? OffsetPosition{base_, 0} : EntryAt(n - 1);
}

int32_t OffsetIndex::CountAtOrBelow(Offset target) const {
  int32_t lo = 0, hi = entries();  // answer in [lo, hi]
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).offset <= target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

OffsetPosition OffsetIndex::Lookup(Offset target) const {
  const int32_t n = CountAtOrBelow(target);
  return n == 0 ? OffsetPosition{base_, 0} : EntryAt(n - 1);
}

OffsetPosition OffsetIndex::Lookup(Offset target, std::optional<OffsetPosition>* next) const {
  const int32_t n = CountAtOrBelow(target);
  if (n < entries()) {
    *next = EntryAt(n);
  } else {
    next->reset();
  }
  return n == 0 ? OffsetPosition{base_, 0} : EntryAt(n - 1);
}

OffsetPosition OffsetIndex::LookupPosition(int64_t position) const {
  int32_t lo = 0, hi = entries();
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).position <= position) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? OffsetPosition{base_, 0} : EntryAt(lo - 1);
}

void OffsetIndex::Append(Offset offset, int64_t position) {
  uint8_t* slot = file_->next_slot();
  StoreBigEndian<uint32_t>(slot, static_cast<uint32_t>(offset - base_));
  StoreBigEndian<uint32_t>(slot + 4, static_cast<uint32_t>(position));
  file_->PublishEntries(entries() + 1);
}

void OffsetIndex::TruncateTo(Offset offset) { file_->PublishEntries(CountAtOrBelow(offset - 1)); }

Status OffsetIndex::SanityCheck(int64_t log_size) const {
  const int32_t n = entries();
  if (file_->file_bytes() % segment_format::kOffsetIndexEntrySize != 0) {
    return Status::Corruption(fmt::format("{}: size {} is not a whole number of entries",
                                          file_->path(), file_->file_bytes()));
  }
  OffsetPosition previous{base_ - 1, -1};
  for (int32_t i : {0, n - 2, n - 1}) {
    if (i < 0 || i >= n || (i == 0 && n <= 2)) continue;
    const OffsetPosition e = EntryAt(i);
    if (e.offset <= previous.offset || e.position <= previous.position || e.position >= log_size) {
      return Status::Corruption(
          fmt::format("{}: entry {} (offset {}, position {}) after (offset {}, position {}) "
                      "in a {} byte log",
                      file_->path(), i, e.offset.value(), e.position, previous.offset.value(),
                      previous.position, log_size));
    }
    previous = e;
  }
  return Status::Ok();
}

}  // namespace kbench::storage
