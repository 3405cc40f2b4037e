// ProducerStateManager: broker-side idempotence for one partition (Kafka's ProducerStateManager,
// without transactions). For every producer id that wrote to the partition it keeps the current
// epoch and the last 5 batches' (first sequence, last sequence, first offset, last offset), and
// decides for each incoming batch, before it is appended:
//   - no producer id (-1): not idempotent, append;
//   - unknown producer id: append, whatever the first sequence;
//   - epoch below the producer's: INVALID_PRODUCER_EPOCH (47);
//   - same epoch, same (first, last) sequence as a cached batch: a duplicate (a retry of a batch
//     already written): do not append; answer with the cached batch's offsets;
//   - same epoch, first sequence != last sequence + 1 (INT32_MAX wraps to 0), or a new (higher)
//     epoch not starting at sequence 0: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
//
// Recovery (see docs/architecture.md, "Broker"): the state is checkpointed to
// `<partition dir>/producer-state-checkpoint` (at clean shutdown and every
// producer.state.snapshot.interval.ms) with the log end offset it covers. Loading takes the
// checkpoint when it is not beyond the log end (an unclean stop may have cut the log below it) and
// replays every batch from there to the log end; without a usable checkpoint it replays the whole
// log. Producers whose last write is older than producer.id.expiration.ms are forgotten.
//
// Thread safety: none. The owning Partition calls it under its append lock (check, append, record
// must be one step), and copies it out (Snapshot()) to write the checkpoint without holding it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/storage/partition_log.h"
#include "core/storage/record_batch.h"

namespace kbench::broker {

inline constexpr int kProducerBatchesRetained = 5;
inline constexpr std::string_view kProducerStateFileName = "producer-state-checkpoint";

struct ProducerBatch {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  Offset first_offset = kInvalidOffset;
  Offset last_offset = kInvalidOffset;
  friend bool operator==(const ProducerBatch&, const ProducerBatch&) = default;
};

struct ProducerEntry {
  ProducerEpoch epoch = kNoProducerEpoch;
  std::deque<ProducerBatch> batches;  // oldest first, at most kProducerBatchesRetained
  int64_t last_write_ms = 0;          // wall clock of the last append (or the batch timestamp)
  friend bool operator==(const ProducerEntry&, const ProducerEntry&) = default;
};

// What to do with a batch that passed the sequence checks.
struct SequenceCheck {
  bool duplicate = false;
  ProducerBatch original;  // when duplicate: the batch already in the log
};

class ProducerStateManager {
 public:
  using Entries = std::unordered_map<ProducerId, ProducerEntry>;

  // The verdict for `batch` (its header as the producer sent it), or 45 / 47 as a Status with
  // that Kafka code and a message naming the producer, epoch and sequences.
  Result<SequenceCheck> Check(const storage::BatchHeader& batch) const;
  // After `batch` was appended (header with the assigned offsets): remember it.
  void Record(const storage::BatchHeader& batch, int64_t now_ms);

  // Rebuilds the state of `log` from its checkpoint (in the log's directory) and the batches after
  // it. Returns how many batches were replayed.
  Result<int64_t> Load(const storage::PartitionLog& log);
  // Writes `entries` as the state at `end_offset` into `dir` (atomically).
  static Status WriteCheckpoint(const std::string& dir, Offset end_offset, const Entries& entries);

  // Forgets producers that have not written for `expiration_ms`. Returns how many.
  size_t RemoveExpired(int64_t now_ms, int64_t expiration_ms);
  // Forgets everything (the log was truncated or replaced; Load again).
  void Clear() { entries_.clear(); }

  const Entries& entries() const { return entries_; }
  std::optional<ProducerEntry> Find(ProducerId id) const;
  size_t producer_count() const { return entries_.size(); }

 private:
  Status LoadCheckpoint(const std::string& path, Offset* end_offset);

  Entries entries_;
};

}  // namespace kbench::broker
