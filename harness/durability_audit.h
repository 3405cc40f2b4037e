// The durability audit: did every acknowledged message arrive, exactly once, in order?
//
// Every kbench message carries (producer id, sequence) and lands in one partition; a *stream* is
// one (producer, partition) pair, whose sequences are dense from 0 (payload_format.h). Producers
// report each acknowledged or failed message, consumers each delivery; Reconcile() compares the
// sets:
//   lost               acknowledged, never consumed
//   duplicated         deliveries of a sequence beyond its first
//   out_of_order       a sequence consumed for the first time after a higher one of the same stream
//   unacked_delivered  consumed although the producer got an error or no acknowledgement (normal
//   with retries)
//
// Drivers that work in batches (the direct driver) report ranges: a batch holds consecutive
// sequences of one stream, and *Range(first, count) gives exactly what `count` per-message calls in
// ascending order would, with one lock and word-wide bitmap operations.
//
// Memory: per stream, paged bitmaps (64 Ki sequences per 8 KiB page, allocated when first touched)
// for acknowledged, failed and consumed: 10^8 messages cost ~25 MB, not a set of integers. Threads:
// every method is thread-safe. Streams are sharded over independently locked shards, so producer
// delivery callbacks and consumer threads working on different partitions rarely meet on a lock.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kbench::harness {

// A set of non-negative integers as paged bitmaps.
class SequenceBitmap {
 public:
  static constexpr int kPageBits = 16;  // 65,536 sequences per page
  // Sets the bit; returns whether it was already set.
  bool Set(uint64_t seq);
  bool Test(uint64_t seq) const;
  // Sets [first, first + count); returns how many of them were already set.
  int64_t SetRange(uint64_t first, uint64_t count);
  // How many of [first, first + count) are set.
  int64_t CountRange(uint64_t first, uint64_t count) const;
  int64_t Count() const;
  // |this \ other| and, when ranges != nullptr, up to max_ranges [first, last] runs of it.
  int64_t CountMissingFrom(const SequenceBitmap& other,
                           std::vector<std::pair<uint64_t, uint64_t>>* ranges = nullptr,
                           size_t max_ranges = 0) const;
  size_t MemoryBytes() const;

 private:
  static constexpr size_t kWords = (size_t{1} << kPageBits) / 64;
  using Page = std::array<uint64_t, kWords>;
  std::vector<std::unique_ptr<Page>> pages_;
};

struct AuditCounts {
  int64_t acked = 0;
  int64_t failed = 0;    // the producer got an error for it
  int64_t consumed = 0;  // deliveries, duplicates included
  int64_t lost = 0;
  int64_t duplicated = 0;
  int64_t out_of_order = 0;
  int64_t unacked_delivered = 0;
  AuditCounts& operator+=(const AuditCounts& o);
};

struct LostRange {
  uint32_t producer = 0;
  uint32_t partition = 0;
  uint64_t first = 0, last = 0;  // inclusive sequences
};

struct AuditReport {
  AuditCounts total;
  std::map<uint32_t, AuditCounts> by_partition;  // keyed by the caller's partition index
  std::vector<LostRange> lost_ranges;            // the first few, for the report
};

class DurabilityAudit {
 public:
  explicit DurabilityAudit(size_t shards = 64);
  DurabilityAudit(const DurabilityAudit&) = delete;
  DurabilityAudit& operator=(const DurabilityAudit&) = delete;

  // `partition` is the caller's dense index of the topic-partition (0 .. total partitions - 1).
  void Acked(uint32_t producer, uint32_t partition, uint64_t seq);
  void Failed(uint32_t producer, uint32_t partition, uint64_t seq);
  void Consumed(uint32_t producer, uint32_t partition, uint64_t seq);
  // Sequences [first, first + count) of one stream; the same as the per-message calls in order.
  void AckedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count);
  void FailedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count);
  void ConsumedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count);

  // A consistent snapshot of the counts (callable while recording; the end-of-run call is the
  // verdict).
  AuditReport Reconcile(size_t max_lost_ranges = 20) const;
  size_t MemoryBytes() const;

 private:
  struct Stream {
    SequenceBitmap acked, failed, consumed;
    uint64_t max_consumed = 0;
    bool any_consumed = false;
    int64_t deliveries = 0, duplicated = 0, out_of_order = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, std::unique_ptr<Stream>> streams;
  };
  static uint64_t Key(uint32_t producer, uint32_t partition) {
    return (uint64_t{producer} << 32) | partition;
  }
  Shard& ShardFor(uint64_t key) {
    return *shards_[(key * 0x9E3779B97F4A7C15ull >> 32) % shards_.size()];
  }
  Stream& StreamLocked(Shard& shard, uint64_t key);
  static void ConsumeRangeLocked(Stream& s, uint64_t first, uint64_t count);

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace kbench::harness
