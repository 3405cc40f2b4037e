#include "harness/durability_audit.h"

#include <algorithm>
#include <bit>

namespace kbench::harness {

bool SequenceBitmap::Set(uint64_t seq) {
  const size_t page = seq >> kPageBits;
  if (page >= pages_.size()) pages_.resize(page + 1);
  if (!pages_[page]) pages_[page] = std::make_unique<Page>(Page{});
  const size_t bit = seq & ((size_t{1} << kPageBits) - 1);
  uint64_t& word = (*pages_[page])[bit / 64];
  const uint64_t mask = uint64_t{1} << (bit % 64);
  const bool was = (word & mask) != 0;
  word |= mask;
  return was;
}

bool SequenceBitmap::Test(uint64_t seq) const {
  const size_t page = seq >> kPageBits;
  if (page >= pages_.size() || !pages_[page]) return false;
  const size_t bit = seq & ((size_t{1} << kPageBits) - 1);
  return ((*pages_[page])[bit / 64] >> (bit % 64)) & 1;
}

namespace {

// Calls fn(word, mask) for every bitmap word that [first, first + count) touches, with the bits of
// the range in that word; `page_of(page index)` returns the page (or null).
template <typename PageOf, typename Fn>
void ForEachWordInRange(uint64_t first, uint64_t count, int page_bits, PageOf page_of, Fn fn) {
  uint64_t seq = first;
  const uint64_t end = first + count;
  while (seq < end) {
    const uint64_t bit = seq & 63;
    const uint64_t n = std::min<uint64_t>(64 - bit, end - seq);
    const uint64_t mask = (n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1)) << bit;
    const size_t page = static_cast<size_t>(seq >> page_bits);
    const size_t word = static_cast<size_t>((seq & ((uint64_t{1} << page_bits) - 1)) / 64);
    fn(page_of(page), word, mask);
    seq += n;
  }
}

}  // namespace

int64_t SequenceBitmap::SetRange(uint64_t first, uint64_t count) {
  if (count == 0) return 0;
  const size_t last_page = static_cast<size_t>((first + count - 1) >> kPageBits);
  if (last_page >= pages_.size()) pages_.resize(last_page + 1);
  int64_t already = 0;
  ForEachWordInRange(
      first, count, kPageBits,
      [&](size_t page) {
        if (!pages_[page]) pages_[page] = std::make_unique<Page>(Page{});
        return pages_[page].get();
      },
      [&](Page* page, size_t word, uint64_t mask) {
        uint64_t& w = (*page)[word];
        already += std::popcount(w & mask);
        w |= mask;
      });
  return already;
}

int64_t SequenceBitmap::CountRange(uint64_t first, uint64_t count) const {
  int64_t n = 0;
  ForEachWordInRange(
      first, count, kPageBits,
      [&](size_t page) -> const Page* {
        return page < pages_.size() ? pages_[page].get() : nullptr;
      },
      [&](const Page* page, size_t word, uint64_t mask) {
        if (page != nullptr) n += std::popcount((*page)[word] & mask);
      });
  return n;
}

int64_t SequenceBitmap::Count() const {
  int64_t n = 0;
  for (const auto& p : pages_) {
    if (p) {
      for (uint64_t w : *p) n += std::popcount(w);
    }
  }
  return n;
}

int64_t SequenceBitmap::CountMissingFrom(const SequenceBitmap& other,
                                         std::vector<std::pair<uint64_t, uint64_t>>* ranges,
                                         size_t max_ranges) const {
  int64_t n = 0;
  bool in_run = false;
  for (size_t p = 0; p < pages_.size(); ++p) {
    if (!pages_[p]) {
      in_run = false;
      continue;
    }
    const Page* theirs = p < other.pages_.size() ? other.pages_[p].get() : nullptr;
    for (size_t w = 0; w < kWords; ++w) {
      const uint64_t missing = (*pages_[p])[w] & ~(theirs ? (*theirs)[w] : 0);
      n += std::popcount(missing);
      if (ranges == nullptr) continue;
      if (missing == 0) {
        in_run = false;
        continue;
      }
      if (missing == ~uint64_t{0} && in_run) {
        ranges->back().second = (uint64_t{p} << kPageBits) + w * 64 + 63;
        continue;
      }
      for (int b = 0; b < 64; ++b) {
        const bool bit = (missing >> b) & 1;
        const uint64_t seq = (uint64_t{p} << kPageBits) + w * 64 + b;
        if (bit && in_run) {
          ranges->back().second = seq;
        } else if (bit && ranges->size() < max_ranges) {
          ranges->emplace_back(seq, seq);
          in_run = true;
        } else if (!bit) {
          in_run = false;
        }
      }
    }
  }
  return n;
}

size_t SequenceBitmap::MemoryBytes() const {
  size_t n = pages_.capacity() * sizeof(pages_[0]);
  for (const auto& p : pages_) n += p ? sizeof(Page) : 0;
  return n;
}

AuditCounts& AuditCounts::operator+=(const AuditCounts& o) {
  acked += o.acked;
  failed += o.failed;
  consumed += o.consumed;
  lost += o.lost;
  duplicated += o.duplicated;
  out_of_order += o.out_of_order;
  unacked_delivered += o.unacked_delivered;
  return *this;
}

DurabilityAudit::DurabilityAudit(size_t shards) {
  for (size_t i = 0; i < std::max<size_t>(shards, 1); ++i)
    shards_.push_back(std::make_unique<Shard>());
}

DurabilityAudit::Stream& DurabilityAudit::StreamLocked(Shard& shard, uint64_t key) {
  auto& s = shard.streams[key];
  if (!s) s = std::make_unique<Stream>();
  return *s;
}

void DurabilityAudit::Acked(uint32_t producer, uint32_t partition, uint64_t seq) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  StreamLocked(shard, key).acked.Set(seq);
}

void DurabilityAudit::Failed(uint32_t producer, uint32_t partition, uint64_t seq) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  StreamLocked(shard, key).failed.Set(seq);
}

void DurabilityAudit::Consumed(uint32_t producer, uint32_t partition, uint64_t seq) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Stream& s = StreamLocked(shard, key);
  ++s.deliveries;
  if (s.consumed.Set(seq)) {
    ++s.duplicated;
    return;
  }
  if (s.any_consumed && seq < s.max_consumed) ++s.out_of_order;
  if (!s.any_consumed || seq > s.max_consumed) s.max_consumed = seq;
  s.any_consumed = true;
}

void DurabilityAudit::AckedRange(uint32_t producer, uint32_t partition, uint64_t first,
                                 uint64_t count) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  StreamLocked(shard, key).acked.SetRange(first, count);
}

void DurabilityAudit::FailedRange(uint32_t producer, uint32_t partition, uint64_t first,
                                  uint64_t count) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  StreamLocked(shard, key).failed.SetRange(first, count);
}

// Per message in ascending order, a first delivery below the stream's highest so far is out of
// order and raises nothing; so in a range exactly the new sequences below the highest before the
// range are out of order, and the highest afterwards is max(before, last) (a duplicate `last` was
// consumed before, so the highest was already >= it).
void DurabilityAudit::ConsumeRangeLocked(Stream& s, uint64_t first, uint64_t count) {
  if (count == 0) return;
  const uint64_t last = first + count - 1;
  s.deliveries += static_cast<int64_t>(count);
  if (s.any_consumed && first < s.max_consumed) {
    const uint64_t below = std::min(last, s.max_consumed - 1) - first + 1;
    s.out_of_order += static_cast<int64_t>(below) - s.consumed.CountRange(first, below);
  }
  s.duplicated += s.consumed.SetRange(first, count);
  s.max_consumed = s.any_consumed ? std::max(s.max_consumed, last) : last;
  s.any_consumed = true;
}

void DurabilityAudit::ConsumedRange(uint32_t producer, uint32_t partition, uint64_t first,
                                    uint64_t count) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  ConsumeRangeLocked(StreamLocked(shard, key), first, count);
}

AuditReport DurabilityAudit::Reconcile(size_t max_lost_ranges) const {
  AuditReport report;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [key, s] : shard->streams) {
      const uint32_t producer = static_cast<uint32_t>(key >> 32);
      const uint32_t partition = static_cast<uint32_t>(key);
      AuditCounts c;
      c.acked = s->acked.Count();
      c.failed = s->failed.Count();
      c.consumed = s->deliveries;
      c.duplicated = s->duplicated;
      c.out_of_order = s->out_of_order;
      std::vector<std::pair<uint64_t, uint64_t>> ranges;
      const size_t room = max_lost_ranges > report.lost_ranges.size()
                              ? max_lost_ranges - report.lost_ranges.size()
                              : 0;
      c.lost = s->acked.CountMissingFrom(s->consumed, &ranges, room);
      c.unacked_delivered = s->consumed.CountMissingFrom(s->acked);
      for (const auto& [first, last] : ranges)
        report.lost_ranges.push_back({producer, partition, first, last});
      report.by_partition[partition] += c;
      report.total += c;
    }
  }
  std::sort(report.lost_ranges.begin(), report.lost_ranges.end(),
            [](const LostRange& a, const LostRange& b) {
              return std::tie(a.producer, a.partition, a.first) <
                     std::tie(b.producer, b.partition, b.first);
            });
  return report;
}

size_t DurabilityAudit::MemoryBytes() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [key, s] : shard->streams) {
      n += sizeof(Stream) + s->acked.MemoryBytes() + s->failed.MemoryBytes() +
           s->consumed.MemoryBytes();
    }
  }
  return n;
}

}  // namespace kbench::harness
