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

int64_t SequenceBitmap::CountUnsetRange(uint64_t first, uint64_t count,
                                        std::vector<std::pair<uint64_t, uint64_t>>* ranges,
                                        size_t max_ranges) const {
  int64_t n = 0;
  uint64_t word_base = first & ~uint64_t{63};  // the sequence of bit 0 of the current word
  ForEachWordInRange(
      first, count, kPageBits,
      [&](size_t page) -> const Page* {
        return page < pages_.size() ? pages_[page].get() : nullptr;
      },
      [&](const Page* page, size_t word, uint64_t mask) {
        uint64_t unset = mask & ~(page != nullptr ? (*page)[word] : 0);
        n += std::popcount(unset);
        while (ranges != nullptr && unset != 0) {
          // One run of unset bits: from the lowest one up to the next set bit (or the word's end).
          const int from = std::countr_zero(unset);
          const uint64_t shifted = unset >> from;
          const int len = shifted == ~uint64_t{0} >> from ? 64 - from : std::countr_one(shifted);
          const uint64_t a = word_base + static_cast<uint64_t>(from);
          const uint64_t b = a + static_cast<uint64_t>(len) - 1;
          if (!ranges->empty() && ranges->back().second + 1 == a) {
            ranges->back().second = b;
          } else if (ranges->size() < max_ranges) {
            ranges->emplace_back(a, b);
          }
          unset = from + len >= 64 ? 0 : unset & ~((uint64_t{1} << (from + len)) - 1);
        }
        word_base += 64;
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
  unconsumed += o.unconsumed;
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

// A stream's batches usually land back to back in the log (one producer per partition), so most
// acknowledgements extend the last run.
void DurabilityAudit::AddAckRunLocked(Stream& s, uint64_t first, uint64_t count,
                                      int64_t first_offset) {
  if (count == 0) return;
  if (first_offset < 0) first_offset = kNoOffset;
  if (!s.ack_runs.empty()) {
    AckRun& last = s.ack_runs.back();
    const bool next_seq = last.first_seq + last.count == first;
    const bool next_offset = (last.first_offset == kNoOffset && first_offset == kNoOffset) ||
                             (last.first_offset != kNoOffset && first_offset != kNoOffset &&
                              last.first_offset + static_cast<int64_t>(last.count) == first_offset);
    if (next_seq && next_offset) {
      last.count += count;
      return;
    }
  }
  s.ack_runs.push_back({first, first_offset, count});
}

void DurabilityAudit::Acked(uint32_t producer, uint32_t partition, uint64_t seq, int64_t offset) {
  AckedRange(producer, partition, seq, 1, offset);
}

void DurabilityAudit::Failed(uint32_t producer, uint32_t partition, uint64_t seq) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  StreamLocked(shard, key).failed.Set(seq);
}

void DurabilityAudit::Consumed(uint32_t producer, uint32_t partition, uint64_t seq,
                               int64_t offset) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Stream& s = StreamLocked(shard, key);
  ++s.deliveries;
  s.max_consumed_offset = std::max(s.max_consumed_offset, offset < 0 ? kNoOffset : offset);
  if (s.consumed.Set(seq)) {
    ++s.duplicated;
    return;
  }
  if (s.any_consumed && seq < s.max_consumed) ++s.out_of_order;
  if (!s.any_consumed || seq > s.max_consumed) s.max_consumed = seq;
  s.any_consumed = true;
}

void DurabilityAudit::AckedRange(uint32_t producer, uint32_t partition, uint64_t first,
                                 uint64_t count, int64_t first_offset) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Stream& s = StreamLocked(shard, key);
  s.acked.SetRange(first, count);
  AddAckRunLocked(s, first, count, first_offset);
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
void DurabilityAudit::ConsumeRangeLocked(Stream& s, uint64_t first, uint64_t count,
                                         int64_t last_offset) {
  if (count == 0) return;
  const uint64_t last = first + count - 1;
  s.deliveries += static_cast<int64_t>(count);
  s.max_consumed_offset =
      std::max(s.max_consumed_offset, last_offset < 0 ? kNoOffset : last_offset);
  if (s.any_consumed && first < s.max_consumed) {
    const uint64_t below = std::min(last, s.max_consumed - 1) - first + 1;
    s.out_of_order += static_cast<int64_t>(below) - s.consumed.CountRange(first, below);
  }
  s.duplicated += s.consumed.SetRange(first, count);
  s.max_consumed = s.any_consumed ? std::max(s.max_consumed, last) : last;
  s.any_consumed = true;
}

void DurabilityAudit::ConsumedRange(uint32_t producer, uint32_t partition, uint64_t first,
                                    uint64_t count, int64_t last_offset) {
  const uint64_t key = Key(producer, partition);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  ConsumeRangeLocked(StreamLocked(shard, key), first, count, last_offset);
}

namespace {

// The sequence of `run` stored at `offset`, clamped to the run: the first sequence whose offset
// is >= `offset`.
template <typename Run>
uint64_t SequenceAtOffset(const Run& run, int64_t offset) {
  const int64_t delta = offset - run.first_offset;
  if (delta <= 0) return run.first_seq;
  if (static_cast<uint64_t>(delta) >= run.count) return run.first_seq + run.count;
  return run.first_seq + static_cast<uint64_t>(delta);
}

}  // namespace

// Within one run of acknowledged sequences [start, end): those stored at offsets the subscription
// consumed past (or that the log dropped from its start) form a lost prefix, those at or beyond
// the log's end a lost suffix, and what lies between is still waiting to be read. Without offsets
// the stream's own order stands in: below the highest sequence consumed is passed over.
DurabilityAudit::Verdict DurabilityAudit::ClassifyLocked(const Stream& s, int64_t consumed_up_to,
                                                         const PartitionLogRange& range,
                                                         size_t max_ranges) {
  Verdict v;
  std::vector<AckRun> sorted;
  const std::vector<AckRun>* runs = &s.ack_runs;
  auto by_seq = [](const AckRun& a, const AckRun& b) { return a.first_seq < b.first_seq; };
  if (!std::is_sorted(runs->begin(), runs->end(), by_seq)) {
    sorted = s.ack_runs;
    std::sort(sorted.begin(), sorted.end(), by_seq);
    runs = &sorted;
  }
  int64_t passed = consumed_up_to;  // offsets <= passed are behind the consumer or the log start
  if (range.log_start > 0) passed = std::max(passed, range.log_start - 1);
  uint64_t covered = 0;  // runs may overlap (a sequence acknowledged twice): count it once
  for (const AckRun& run : *runs) {
    const uint64_t start = std::max(run.first_seq, covered), end = run.first_seq + run.count;
    if (start >= end) continue;
    covered = end;
    uint64_t lost_below = start, lost_from = end;
    if (run.first_offset == kNoOffset) {
      if (s.any_consumed) lost_below = std::clamp(s.max_consumed, start, end);
    } else {
      lost_below = std::clamp(SequenceAtOffset(run, passed + 1), start, end);
      if (range.log_end >= 0)
        lost_from = std::clamp(SequenceAtOffset(run, range.log_end), lost_below, end);
    }
    v.lost += s.consumed.CountUnsetRange(start, lost_below - start, &v.lost_ranges, max_ranges);
    v.unconsumed += s.consumed.CountUnsetRange(lost_below, lost_from - lost_below);
    v.lost += s.consumed.CountUnsetRange(lost_from, end - lost_from, &v.lost_ranges, max_ranges);
  }
  return v;
}

std::map<uint32_t, int64_t> DurabilityAudit::ConsumedUpTo() const {
  std::map<uint32_t, int64_t> up_to;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [key, s] : shard->streams) {
      auto [it, inserted] = up_to.emplace(static_cast<uint32_t>(key), s->max_consumed_offset);
      if (!inserted) it->second = std::max(it->second, s->max_consumed_offset);
    }
  }
  return up_to;
}

AuditReport DurabilityAudit::Reconcile(const PartitionLogRanges& ends,
                                       size_t max_lost_ranges) const {
  const std::map<uint32_t, int64_t> up_to = ConsumedUpTo();
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
      const size_t room = max_lost_ranges > report.lost_ranges.size()
                              ? max_lost_ranges - report.lost_ranges.size()
                              : 0;
      const auto end = ends.find(partition);
      const auto consumed_to = up_to.find(partition);
      Verdict v = ClassifyLocked(*s, consumed_to == up_to.end() ? kNoOffset : consumed_to->second,
                                 end == ends.end() ? PartitionLogRange{} : end->second, room);
      c.lost = v.lost;
      c.unconsumed = v.unconsumed;
      c.unacked_delivered = s->consumed.CountMissingFrom(s->acked);
      for (const auto& [first, last] : v.lost_ranges)
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

int64_t DurabilityAudit::Outstanding() const {
  int64_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [key, s] : shard->streams) n += s->acked.CountMissingFrom(s->consumed);
  }
  return n;
}

void DurabilityAudit::PruneConsumedOffsets() {
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (auto& [key, s] : shard->streams) {
      std::vector<AckRun>& runs = s->ack_runs;
      std::erase_if(runs, [&](const AckRun& r) {
        return s->consumed.CountRange(r.first_seq, r.count) == static_cast<int64_t>(r.count);
      });
      if (runs.capacity() > 2 * runs.size() + 1024) runs.shrink_to_fit();
    }
  }
}

size_t DurabilityAudit::MemoryBytes() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& [key, s] : shard->streams) {
      n += sizeof(Stream) + s->acked.MemoryBytes() + s->failed.MemoryBytes() +
           s->consumed.MemoryBytes() + s->ack_runs.capacity() * sizeof(AckRun);
    }
  }
  return n;
}

}  // namespace kbench::harness
