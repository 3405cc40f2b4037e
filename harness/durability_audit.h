// The durability audit: did every acknowledged message arrive, exactly once, in order?
//
// Every kbench message carries (producer id, sequence) and lands in one partition; a *stream* is
// one (producer, partition) pair, whose sequences are dense from 0 (payload_format.h). Producers
// report each acknowledged or failed message with the offset the log gave it (delivery report,
// append result), consumers each delivery with the offset they read it at; Reconcile() compares:
//   lost               acknowledged, never consumed, and gone for good: the subscription consumed
//                      a later offset of that partition (it moved past without seeing it), or the
//                      log no longer holds the offset (below the log start, at or beyond the
//                      log end / high watermark at the end of the run)
//   unconsumed         acknowledged, never consumed, at or beyond everything the subscription
//                      consumed in a partition that still holds it: backlog the run ended before
//                      the consumers reached (not loss)
//   duplicated         deliveries of a sequence beyond its first
//   out_of_order       a sequence consumed for the first time after a higher one of the same stream
//   unacked_delivered  consumed although the producer got an error or no acknowledgement (normal
//                      with retries)
// A message acknowledged without an offset (acks=0: librdkafka reports none) is judged by its
// stream instead: lost when the subscription consumed a higher sequence of the same stream,
// otherwise unconsumed. The log's start and end per partition come from the driver at the end
// of the run (Reconcile's `ends`); without them only "moved past" can prove a loss.
//
// Drivers that work in batches (the direct driver) report ranges: a batch holds consecutive
// sequences of one stream at consecutive offsets, and *Range(first, count) gives exactly what
// `count` per-message calls in ascending order would, with one lock and word-wide bitmap
// operations.
//
// Memory: per stream, paged bitmaps (64 Ki sequences per 8 KiB page, allocated when first touched)
// for acknowledged, failed and consumed: 10^8 messages cost ~25 MB, not a set of integers. The
// acknowledged offsets are kept as runs (consecutive sequences at consecutive offsets: one per
// acknowledged batch at most, merged while a stream's batches are adjacent in the log), 24 bytes
// each; PruneConsumedOffsets(), called by the runner once per interval, drops the runs whose
// messages have all been consumed, so they cost only what is outstanding. Threads: every method
// is thread-safe. Streams are sharded over independently locked shards, so producer delivery
// callbacks and consumer threads working on different partitions rarely meet on a lock.
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
  // How many of [first, first + count) are not set; when ranges != nullptr, also their [first,
  // last] runs: the last element is extended when a run continues it, new runs are appended
  // while fewer than max_ranges are held.
  int64_t CountUnsetRange(uint64_t first, uint64_t count,
                          std::vector<std::pair<uint64_t, uint64_t>>* ranges = nullptr,
                          size_t max_ranges = 0) const;
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
  int64_t unconsumed = 0;  // acknowledged, not consumed yet, still in the log (backlog)
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

// What a partition's log held at the end of the run, as the driver saw it (ListOffsets, the log).
struct PartitionLogRange {
  int64_t log_start = -1;  // the first offset the log holds (< 0: unknown)
  int64_t log_end = -1;    // the high watermark: consumers can read below it (< 0: unknown)
};
using PartitionLogRanges = std::map<uint32_t, PartitionLogRange>;  // by partition index

struct AuditReport {
  AuditCounts total;
  std::map<uint32_t, AuditCounts> by_partition;  // keyed by the caller's partition index
  std::vector<LostRange> lost_ranges;            // the first few, for the report
};

class DurabilityAudit {
 public:
  static constexpr int64_t kNoOffset = -1;  // the offset is not known (acks=0)

  explicit DurabilityAudit(size_t shards = 64);
  DurabilityAudit(const DurabilityAudit&) = delete;
  DurabilityAudit& operator=(const DurabilityAudit&) = delete;

  // `partition` is the caller's dense index of the topic-partition (0 .. total partitions - 1);
  // `offset` where the log put the message (Acked) or where the consumer read it (Consumed).
  void Acked(uint32_t producer, uint32_t partition, uint64_t seq, int64_t offset = kNoOffset);
  void Failed(uint32_t producer, uint32_t partition, uint64_t seq);
  void Consumed(uint32_t producer, uint32_t partition, uint64_t seq, int64_t offset = kNoOffset);
  // Sequences [first, first + count) of one stream; the same as the per-message calls in order.
  // AckedRange: at offsets first_offset, first_offset + 1, ...; ConsumedRange: the last of them
  // read at last_offset.
  void AckedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count,
                  int64_t first_offset = kNoOffset);
  void FailedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count);
  void ConsumedRange(uint32_t producer, uint32_t partition, uint64_t first, uint64_t count,
                     int64_t last_offset = kNoOffset);

  // A snapshot of the counts, each stream consistent (callable while recording); the end-of-run
  // call, given the logs' ranges, is the verdict. `ends` may lack partitions (unknown).
  AuditReport Reconcile(const PartitionLogRanges& ends, size_t max_lost_ranges = 20) const;
  AuditReport Reconcile(size_t max_lost_ranges = 20) const {
    return Reconcile(PartitionLogRanges{}, max_lost_ranges);
  }
  // Acknowledged and not consumed (lost + unconsumed), without classifying: cheap to poll.
  int64_t Outstanding() const;
  // Forgets the offsets of acknowledged runs whose messages have all been consumed (memory only:
  // the counts do not change).
  void PruneConsumedOffsets();
  size_t MemoryBytes() const;

 private:
  // Consecutive sequences acknowledged at consecutive offsets (first_offset kNoOffset: unknown).
  struct AckRun {
    uint64_t first_seq = 0;
    int64_t first_offset = kNoOffset;
    uint64_t count = 0;
  };
  struct Stream {
    SequenceBitmap acked, failed, consumed;
    std::vector<AckRun> ack_runs;  // in acknowledgement order
    uint64_t max_consumed = 0;
    bool any_consumed = false;
    int64_t max_consumed_offset = kNoOffset;
    int64_t deliveries = 0, duplicated = 0, out_of_order = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, std::unique_ptr<Stream>> streams;
  };
  // One stream's acknowledged-but-not-consumed messages, split.
  struct Verdict {
    int64_t lost = 0, unconsumed = 0;
    std::vector<std::pair<uint64_t, uint64_t>> lost_ranges;
  };
  static uint64_t Key(uint32_t producer, uint32_t partition) {
    return (uint64_t{producer} << 32) | partition;
  }
  Shard& ShardFor(uint64_t key) {
    return *shards_[(key * 0x9E3779B97F4A7C15ull >> 32) % shards_.size()];
  }
  Stream& StreamLocked(Shard& shard, uint64_t key);
  static void ConsumeRangeLocked(Stream& s, uint64_t first, uint64_t count, int64_t last_offset);
  static void AddAckRunLocked(Stream& s, uint64_t first, uint64_t count, int64_t first_offset);
  // `consumed_up_to`: the highest offset the subscription consumed in the stream's partition
  // (kNoOffset: none); `range`: the log's range at the end (fields < 0: unknown).
  static Verdict ClassifyLocked(const Stream& s, int64_t consumed_up_to,
                                const PartitionLogRange& range, size_t max_ranges);
  // The highest offset consumed in each partition, over all its streams.
  std::map<uint32_t, int64_t> ConsumedUpTo() const;

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace kbench::harness
