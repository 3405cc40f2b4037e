// Partition: one topic partition as this broker holds it: its log, its leadership state (leader
// epoch, replicas, ISR), the high watermark, and the producer state that makes appends idempotent
// (Kafka's Partition). The replica manager owns the partitions; a replicated cluster (issue 4)
// extends this class with follower state and ISR changes rather than adding a second one.
//
// Offsets kept apart (see core/base/strong_int.h): log start <= high watermark (HW) <= log end
// (LEO). The HW is the minimum LEO over the ISR: consumers read below it and acks=all completes
// once it passes a batch. On a lone broker the ISR is this broker alone, so the HW follows the LEO
// after every append; the same rule moves it once followers report their LEOs
// (UpdateFollowerFetchState). The last stable offset equals the HW (no transactions yet).
//
// Appends: AppendRecordsAsLeader validates the Produce bytes (storage::ValidateRecords, outside
// any lock), then under the append lock checks the ISR for acks=all (NOT_ENOUGH_REPLICAS), runs
// the producer-state checks (45 / 47 / duplicate), appends and records the batch in the producer
// state, all as one step; a rejected request leaves the log unchanged. Batches are rewritten in
// the caller's buffer (offsets, leader epoch), so the buffer must stay alive for the call.
//
// Thread safety: every method may be called from any thread. Leadership state sits under a
// reader/writer lock (appends and reads share it); appends to one partition are serialized.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"
#include "core/broker/metadata_store.h"
#include "core/broker/producer_state.h"
#include "core/broker/topic_config.h"
#include "core/storage/partition_log.h"

namespace kbench::broker {

struct PartitionAppendResult {
  Offset first_offset = kInvalidOffset;
  Offset last_offset = kInvalidOffset;
  int64_t log_append_time_ms = -1;  // set for LogAppendTime topics
  Offset log_start_offset{0};
  bool duplicate = false;  // an idempotent retry answered from the producer state, not appended
  int64_t records = 0;
  int64_t bytes = 0;
};

// Which offsets a fetch may see.
enum class FetchBound : uint8_t {
  kHighWatermark,     // consumers, read_uncommitted
  kLastStableOffset,  // consumers, read_committed (== HW without transactions)
  kLogEnd,            // followers
};

// Whether an acks=all append at `required_offset` (its last offset + 1) may be answered.
struct ReplicationCheck {
  bool done = false;
  ErrorCode error = ErrorCode::kNone;
};

class Partition {
 public:
  // Loads the producer state from `log` (checkpoint + replay). Not yet a leader: MakeLeader next.
  static Result<std::shared_ptr<Partition>> Create(TopicPartition tp,
                                                   std::shared_ptr<storage::PartitionLog> log,
                                                   BrokerId local, TopicConfig config);
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  const TopicPartition& topic_partition() const { return tp_; }
  const std::shared_ptr<storage::PartitionLog>& log() const { return log_; }
  BrokerId local_broker() const { return local_; }

  // ---- Leadership. ----
  // This broker leads the partition with `state` (its leader must be local_broker()): records the
  // epoch's start offset in the log's epoch cache, takes the replicas and ISR, and moves the HW.
  Status MakeLeader(const PartitionState& state);
  // No longer served here (deleted, or led elsewhere): appends and reads fail with
  // NOT_LEADER_OR_FOLLOWER, acks=all waiters complete with it.
  void Resign();
  bool is_leader() const;
  LeaderEpoch leader_epoch() const;
  PartitionState state() const;
  TopicConfig config() const;
  // Applies a topic config change to the partition and its log (persisted by the log manager).
  void SetConfig(const TopicConfig& config);

  // ---- Offsets. ----
  Offset high_watermark() const { return Offset(high_watermark_.load(std::memory_order_acquire)); }
  Offset last_stable_offset() const { return high_watermark(); }
  Offset log_end_offset() const { return log_->log_end_offset(); }
  Offset log_start_offset() const { return log_->log_start_offset(); }

  // ---- Produce (leader). ----
  // Errors (Status::kafka_error): NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS (acks=all with the
  // ISR below min.insync.replicas), CORRUPT_MESSAGE / INVALID_RECORD / MESSAGE_TOO_LARGE
  // (validation), OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE
  // (transactional batches: no transactions here), KAFKA_STORAGE_ERROR. `hw_advanced` is set when
  // the append moved the HW (the caller wakes the purgatories).
  // `origin` is kClient for Produce and kCoordinator for records the broker writes itself (the
  // group coordinator's offsets-topic records).
  Result<PartitionAppendResult> AppendRecordsAsLeader(
      std::span<uint8_t> records, int16_t required_acks, bool* hw_advanced,
      storage::AppendOrigin origin = storage::AppendOrigin::kClient);
  // For acks=all: done once the HW reached `required_offset`; NOT_ENOUGH_REPLICAS_AFTER_APPEND if
  // the ISR is then below min.insync.replicas; NOT_LEADER_OR_FOLLOWER if leadership was lost.
  ReplicationCheck CheckEnoughReplicasReachOffset(Offset required_offset) const;

  // ---- Fetch. ----
  // Whole batches from `from`, bounded by `bound`; OFFSET_OUT_OF_RANGE outside [log start, LEO].
  Result<storage::ReadResult> Read(Offset from, int64_t max_bytes, bool min_one_batch,
                                   FetchBound bound) const;
  // The offset a fetch with `bound` may read up to (exclusive).
  Offset UpperBound(FetchBound bound) const;
  // A follower (issue 4) fetched at `fetch_offset` (its LEO): remember it and move the HW. True
  // when the HW advanced.
  bool UpdateFollowerFetchState(BrokerId follower, Offset fetch_offset);

  // ---- Producer state. ----
  std::optional<ProducerEntry> FindProducer(ProducerId id) const;
  // Writes the producer-state checkpoint at the current LEO (fsync; not on a network thread) when
  // the log or the producer state moved since the last one, or always with `force` (clean
  // shutdown, so the next start replays nothing).
  Status CheckpointProducerState(bool force);
  // Forgets producers idle for `expiration_ms`.
  size_t ExpireProducers(int64_t now_ms, int64_t expiration_ms);

 private:
  Partition(TopicPartition tp, std::shared_ptr<storage::PartitionLog> log, BrokerId local,
            TopicConfig config);
  // Sets the HW to the minimum LEO over the ISR if that is higher. leader_mu_ held (any mode).
  bool MaybeIncrementHighWatermarkLocked();
  Status CheckLeaderLocked() const;

  const TopicPartition tp_;
  const std::shared_ptr<storage::PartitionLog> log_;
  const BrokerId local_;

  mutable std::shared_mutex leader_mu_;  // leadership state and config
  bool leader_ = false;
  PartitionState state_;
  TopicConfig config_;
  std::map<BrokerId, Offset> follower_log_end_;  // guarded by follower_mu_
  mutable std::mutex follower_mu_;

  mutable std::mutex append_mu_;  // appends + producer state; taken after leader_mu_
  ProducerStateManager producers_;
  bool producers_dirty_ = false;            // expired entries since the last checkpoint
  Offset checkpoint_end_ = kInvalidOffset;  // LEO of the last checkpoint written

  std::atomic<int64_t> high_watermark_{0};
};

}  // namespace kbench::broker
