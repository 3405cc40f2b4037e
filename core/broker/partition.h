// Partition: one topic partition as this broker holds it (Kafka's Partition): its log, its role
// (leader or follower) with the controller's state for it (leader, leader epoch, partition epoch,
// replicas, ISR), the high watermark, what the leader knows of each follower, and the producer
// state that makes appends idempotent. The replica manager owns the partitions.
//
// Offsets kept apart (see core/base/strong_int.h): log start <= high watermark (HW) <= log end
// (LEO). Consumers read below the HW and acks=all completes once it passes a batch.
//
// Leader. HW = the minimum LEO over the ISR, moved forward only (a CAS), with a follower whose LEO
// is not known since this leadership began counting as 0. Followers report their LEO as the fetch
// offset of each Fetch (UpdateFollowerFetchState, called when the request arrives). A follower is
// caught up at the time of a fetch whose offset reaches the leader's LEO, or at the time of its
// previous fetch when this one reaches the LEO the leader had then (Kafka's lastCaughtUpTimeMs);
// MaybeShrinkIsr proposes to drop ISR followers not caught up for replica.lag.time.max.ms, and a
// fetch by a replica outside the ISR that reaches the HW and the current epoch's start offset
// proposes to add it back. Proposals go to the controller (AlterIsr) and take effect only when it
// commits them (ApplyIsrChange): until then the HW is computed over the "maximal ISR" (the
// committed ISR plus a replica being added; a replica being removed still counts), so a shrink can
// never let the HW pass data the removed follower lacks before the controller knows it is gone
// (Kafka's rule). At most one proposal per partition is in flight. A follower the cluster metadata
// names ineligible (fenced or in controlled shutdown, KIP-841) is never proposed, and after the
// controller refuses a proposal the partition proposes nothing more until its state (leader or
// partition epoch) or the eligibility generation changes (Kafka's leader waits for new metadata
// too) rather than re-proposing the same change at every fetch.
//
// Follower. AppendRecordsAsFollower appends batches fetched from the leader (validated shallowly:
// framing and CRC, as Kafka's follower does) with the leader's offsets and epochs, fenced by the
// leader epoch the fetch was made for; the producer state follows the appended batches so a
// follower that becomes leader deduplicates idempotent retries. TruncateTo cuts the log where the
// leader's log diverges (the replica fetcher finds that offset with OffsetForLeaderEpoch) and
// rebuilds the producer state. The follower's HW is min(leader's HW, its LEO).
//
// Appends (leader): AppendRecordsAsLeader validates the Produce bytes (outside any lock), then
// under the append lock checks the committed ISR for acks=all (NOT_ENOUGH_REPLICAS), runs the
// producer-state checks (45 / 47 / duplicate), appends and records the batch, all as one step; a
// rejected request leaves the log unchanged. Batches are rewritten in the caller's buffer (offsets,
// leader epoch), so the buffer must stay alive for the call.
//
// Thread safety: every method may be called from any thread. The role and controller state sit
// under a reader/writer lock (appends and reads share it); appends, truncation and the producer
// state are serialized by the append lock (taken after the role lock); follower bookkeeping has its
// own small lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

// An ISR change the leader asks the controller for (AlterIsr).
struct IsrProposal {
  TopicPartition tp;
  LeaderEpoch leader_epoch{0};
  int32_t partition_epoch = 0;
  std::vector<BrokerId> new_isr;
  bool expand = false;  // true: a follower rejoins; false: followers are dropped
};

// Whether a follower may be proposed for the ISR, as this broker's cluster metadata says (KIP-841).
struct IsrEligibility {
  bool eligible = true;     // registered, not fenced, not in controlled shutdown
  uint64_t generation = 0;  // changes whenever the eligible set may have changed
};

// What the leader learned from one follower fetch.
struct FollowerFetchUpdate {
  bool hw_advanced = false;
  std::optional<IsrProposal> expand;  // the follower caught up and may rejoin the ISR
};

class Partition {
 public:
  // Loads the producer state from `log` (checkpoint + replay); `initial_hw` is the checkpointed
  // high watermark (replication-offset-checkpoint), clamped to [log start, LEO]. No role yet:
  // MakeLeader or MakeFollower next.
  static Result<std::shared_ptr<Partition>> Create(TopicPartition tp,
                                                   std::shared_ptr<storage::PartitionLog> log,
                                                   BrokerId local, TopicConfig config,
                                                   Offset initial_hw = Offset(0));
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  const TopicPartition& topic_partition() const { return tp_; }
  const std::shared_ptr<storage::PartitionLog>& log() const { return log_; }
  BrokerId local_broker() const { return local_; }

  // ---- Role. ----
  // This broker leads the partition with `state` (its leader must be local_broker()). A new
  // leadership (not leader before, or another leader epoch) records the epoch's start offset in
  // the log's epoch cache before the first append and resets what is known of the followers (ISR
  // members count as caught up now); the same epoch only takes a newer ISR/partition epoch.
  Status MakeLeader(const PartitionState& state, int64_t now_ns = 0);
  // This broker follows `state.leader` (kNoBroker: no leader now). True when the leader or leader
  // epoch changed (the replica fetcher must start over with a truncation check).
  bool MakeFollower(const PartitionState& state);
  // No longer served here (deleted, or no longer a replica): appends and reads fail with
  // NOT_LEADER_OR_FOLLOWER, acks=all waiters complete with it.
  void Resign();
  bool is_leader() const;
  bool is_follower() const;
  LeaderEpoch leader_epoch() const;
  BrokerId leader() const;
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
  // the committed ISR is then below min.insync.replicas; NOT_LEADER_OR_FOLLOWER if leadership was
  // lost.
  ReplicationCheck CheckEnoughReplicasReachOffset(Offset required_offset) const;

  // ---- Fetch (leader). ----
  // Whole batches from `from`, bounded by `bound`; OFFSET_OUT_OF_RANGE outside [log start, LEO].
  Result<storage::ReadResult> Read(Offset from, int64_t max_bytes, bool min_one_batch,
                                   FetchBound bound) const;
  // The offset a fetch with `bound` may read up to (exclusive).
  Offset UpperBound(FetchBound bound) const;
  // A follower fetched at `fetch_offset` (its LEO) at `now_ns`: remember it, move the HW, and
  // propose taking it back into the ISR when it has caught up. Ignored unless this broker leads
  // and `follower` is a replica.
  // An ineligible follower is tracked (HW, lag) but not proposed.
  FollowerFetchUpdate UpdateFollowerFetchState(BrokerId follower, Offset fetch_offset,
                                               int64_t now_ns, IsrEligibility eligibility = {});
  // Proposes dropping ISR followers not caught up within `lag_max_ns` (none when not leading or a
  // proposal is already in flight).
  std::optional<IsrProposal> MaybeShrinkIsr(int64_t now_ns, int64_t lag_max_ns);
  // The controller's answer to a proposal: `committed` is the partition's state there, `error` its
  // refusal (kNone: committed). Takes the state when it belongs to this leadership and is newer;
  // ends the proposal either way. A refusal (other than KAFKA_STORAGE_ERROR, a controller failure)
  // that leaves the state unchanged holds further proposals until the state or the eligibility
  // generation changes. True when the HW advanced.
  bool ApplyIsrChange(const PartitionState& committed, ErrorCode error = ErrorCode::kNone);
  // The ISR the HW is computed over (committed ISR plus a replica being added).
  std::vector<BrokerId> maximal_isr() const;
  // What the leader knows of `follower`'s log end (kInvalidOffset: nothing yet).
  Offset follower_log_end(BrokerId follower) const;

  // ---- Follower. ----
  // Appends batches fetched from the leader (leader's offsets and epochs) while this broker still
  // follows `leader_epoch`; FENCED_LEADER_EPOCH otherwise. `records` is rewritten by nothing.
  Result<storage::AppendInfo> AppendRecordsAsFollower(std::span<uint8_t> records,
                                                      LeaderEpoch leader_epoch);
  // The follower's HW after a fetch: min(leader_hw, LEO).
  void UpdateFollowerHighWatermark(Offset leader_hw);
  // Cuts the log at `offset` (where it diverges from the leader's), rebuilds the producer state
  // and lowers the HW to the new LEO if needed. Returns the new LEO.
  Result<Offset> TruncateTo(Offset offset);
  // The leader's log starts beyond ours: restart empty at `offset`.
  Status TruncateFullyAndStartAt(Offset offset);

  // ---- Producer state. ----
  std::optional<ProducerEntry> FindProducer(ProducerId id) const;
  // Writes the producer-state checkpoint at the current LEO (fsync; not on a network thread) when
  // the log or the producer state moved since the last one, or always with `force` (clean
  // shutdown, so the next start replays nothing).
  Status CheckpointProducerState(bool force);
  // Forgets producers idle for `expiration_ms`.
  size_t ExpireProducers(int64_t now_ms, int64_t expiration_ms);

 private:
  struct FollowerState {
    Offset log_end = kInvalidOffset;
    int64_t last_fetch_ns = 0;
    Offset last_fetch_leader_leo = kInvalidOffset;
    int64_t last_caught_up_ns = 0;
  };
  enum class Role : uint8_t { kNone, kLeader, kFollower };

  Partition(TopicPartition tp, std::shared_ptr<storage::PartitionLog> log, BrokerId local,
            TopicConfig config);
  // Sets the HW to the minimum LEO over the maximal ISR if that is higher. leader_mu_ held.
  bool MaybeIncrementHighWatermarkLocked();
  std::vector<BrokerId> MaximalIsrLocked() const;  // leader_mu_ held
  Status CheckLeaderLocked() const;
  void ResetFollowersLocked(int64_t now_ns);  // leader_mu_ held exclusively
  // A refused proposal still holds: same leader epoch, partition epoch and eligibility
  // generation. leader_mu_ and follower_mu_ held.
  bool IsrRefusedLocked() const;
  Status ReloadProducerStateLocked();  // append_mu_ held

  const TopicPartition tp_;
  const std::shared_ptr<storage::PartitionLog> log_;
  const BrokerId local_;

  mutable std::shared_mutex leader_mu_;  // role, controller state, proposal, config
  Role role_ = Role::kNone;
  PartitionState state_;
  TopicConfig config_;
  Offset leader_epoch_start_ = Offset(0);  // LEO when this leadership began
  std::optional<IsrProposal> pending_isr_;

  mutable std::mutex follower_mu_;  // followers_
  std::map<BrokerId, FollowerState> followers_;
  struct RefusedIsr {
    LeaderEpoch leader_epoch{0};
    int32_t partition_epoch = 0;
    uint64_t generation = 0;
  };
  std::optional<RefusedIsr> refused_isr_;  // guarded by follower_mu_
  uint64_t eligibility_generation_ = 0;    // the latest seen; guarded by follower_mu_

  mutable std::mutex append_mu_;  // appends, truncation, producer state; taken after leader_mu_
  ProducerStateManager producers_;
  bool producers_dirty_ = false;            // expired entries since the last checkpoint
  Offset checkpoint_end_ = kInvalidOffset;  // LEO of the last checkpoint written

  std::atomic<int64_t> high_watermark_{0};
};

}  // namespace kbench::broker
