// LeaderEpochCache: for one partition, the offset at which each leader epoch began (Kafka's
// LeaderEpochFileCache), persisted in `<partition dir>/leader-epoch-checkpoint` (checkpoint_file.h
// format,
// "<epoch> <start offset>" lines) every time it changes.
//
// It answers OffsetForLeaderEpoch (KIP-101/279): a follower of a new leader asks for the end offset
// of its own latest epoch and truncates there instead of at its high watermark. It is truncated
// along with the log (TruncateFromEnd) and moved forward with the log start (TruncateFromStart).
//
// Thread safety: every method locks; safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"

namespace kbench::storage {

struct EpochEntry {
  LeaderEpoch epoch;
  Offset start_offset;
  friend bool operator==(const EpochEntry&, const EpochEntry&) = default;
};

// OffsetForLeaderEpoch's answer; (-1, -1) when undefined (Kafka's UNDEFINED_EPOCH /
// UNDEFINED_EPOCH_OFFSET).
struct EpochEndOffset {
  LeaderEpoch epoch = kNoLeaderEpoch;
  Offset end_offset = kInvalidOffset;
  friend bool operator==(const EpochEndOffset&, const EpochEndOffset&) = default;
};

class LeaderEpochCache {
 public:
  // Loads `path` (a missing file is an empty cache; a malformed one is Corruption naming the line).
  static Result<std::unique_ptr<LeaderEpochCache>> Load(std::string path);

  // Records that `epoch` starts at `start_offset`. A no-op when it is already the latest epoch with
  // an earlier or equal start; entries with an epoch >= `epoch` or a start >= `start_offset` are
  // replaced (Kafka's rule: the cache stays monotonic in both).
  Status Assign(LeaderEpoch epoch, Offset start_offset);
  LeaderEpoch LatestEpoch() const;
  // Start offset of `epoch`, or kInvalidOffset.
  Offset StartOffsetOf(LeaderEpoch epoch) const;
  // Kafka's endOffsetFor: the latest epoch ends at log_end_offset; an older epoch ends where the
  // next higher one starts, reported with the largest known epoch <= requested; a requested epoch
  // above the latest is undefined.
  EpochEndOffset EndOffsetFor(LeaderEpoch requested, Offset log_end_offset) const;
  // Removes entries starting at or after `end_offset` (the log was truncated there).
  Status TruncateFromEnd(Offset end_offset);
  // The log now starts at `start_offset`: entries before it collapse into one entry starting there.
  Status TruncateFromStart(Offset start_offset);
  Status Clear();
  std::vector<EpochEntry> Entries() const;

 private:
  explicit LeaderEpochCache(std::string path) : path_(std::move(path)) {}
  Status FlushLocked() const;

  const std::string path_;
  mutable std::mutex mu_;
  std::vector<EpochEntry> entries_;  // strictly increasing in epoch and start offset
};

}  // namespace kbench::storage
