// ReplicaManager: the partitions this broker holds and the two operations clients drive through
// them (Kafka's ReplicaManager): appending Produce records (acks 0 / 1 / all, with acks=all parked
// in the produce purgatory until the high watermark passes the batch) and reading for Fetch (with
// the long poll of fetch.min.bytes / fetch.max.wait.ms parked in the fetch purgatory, woken by
// appends and by high-watermark moves, never polled).
//
// In a replicated cluster the controller's metadata makes each partition a leader (BecomeLeader)
// or a follower (BecomeFollower, which hands it to the replica fetcher of its leader). A follower's
// Fetch (replica_id >= 0) reports its log end when it arrives
// (Partition::UpdateFollowerFetchState), which moves the HW and completes acks=all produces and
// consumer long polls; RunIsrMaintenance (every replica.lag.time.max.ms / 2) proposes ISR shrinks,
// fetches propose expansions, and both go to the IsrChangeSink (the broker's controller link),
// whose answers come back through OnIsrChangeCommitted. High watermarks are checkpointed per log
// dir in `replication-offset-checkpoint` (Kafka's file and format) and read back at partition
// creation.
//
// Results come back through callbacks, invoked exactly once: before the call returns, or later on
// the thread that completed the delayed operation (an appending network thread, the timer thread
// at the deadline, or the thread that shuts the manager down).
//
// Ownership: owns the Partitions (shared with delayed operations in flight) and the purgatories;
// does not own the LogManager or the Timer, which must outlive it. Threads: every method from any
// thread. BecomeLeader / DeletePartition do file I/O (log creation, producer-state replay,
// deletion): call them from a background thread, not a network thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/error_code.h"
#include "core/base/file_handle.h"
#include "core/base/result.h"
#include "core/base/topic_partition.h"
#include "core/broker/metadata_store.h"
#include "core/broker/partition.h"
#include "core/broker/purgatory.h"
#include "core/broker/replica_fetcher.h"
#include "core/broker/timer.h"
#include "core/storage/log_manager.h"

namespace kbench::broker {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr std::string_view kHighWatermarkCheckpointFile = "replication-offset-checkpoint";
// Kafka's Topic.isInternal: topics clients may not produce to directly.
bool IsInternalTopic(std::string_view topic);

struct ProduceEntry {
  std::string_view topic;  // not owned: valid during AppendRecords
  PartitionId partition{0};
  std::span<uint8_t> records;  // rewritten in place (offsets, epoch)
  bool records_null = false;
};

struct ProducePartitionResult {
  ErrorCode error = ErrorCode::kNone;
  Offset base_offset{-1};
  int64_t log_append_time_ms = -1;
  Offset log_start_offset{-1};
};
using ProduceCallback = std::function<void(std::vector<ProducePartitionResult>)>;

struct FetchParams {
  BrokerId replica_id{-1};  // >= 0: a follower
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  FetchBound bound = FetchBound::kHighWatermark;
};

struct FetchEntry {
  TopicPartition tp;
  Offset fetch_offset{0};
  int32_t partition_max_bytes = 0;
  LeaderEpoch current_leader_epoch{-1};  // -1: not checked
};

struct FetchPartitionData {
  ErrorCode error = ErrorCode::kNone;
  Offset high_watermark{-1};
  Offset last_stable_offset{-1};
  Offset log_start_offset{-1};
  FileSlice records;  // empty when nothing is readable
};
using FetchCallback = std::function<void(std::vector<FetchPartitionData>)>;

struct ReplicaManagerCounters {
  std::atomic<int64_t> produce_duplicates{0};  // idempotent retries answered without appending
  std::atomic<int64_t> produce_errors{0};      // partitions answered with an error
  std::atomic<int64_t> delayed_produce{0};     // acks=all requests parked
  std::atomic<int64_t> delayed_fetch{0};       // fetches parked for the long poll
  std::atomic<int64_t> isr_proposals{0};       // AlterIsr proposals made (shrinks + expands)
};

class ReplicaManager {
 public:
  ReplicaManager(BrokerId local, storage::LogManager* logs, Timer* timer);
  ~ReplicaManager();  // Shutdown()
  ReplicaManager(const ReplicaManager&) = delete;
  ReplicaManager& operator=(const ReplicaManager&) = delete;

  BrokerId local_broker() const { return local_; }

  // ---- Partitions. ----
  // Leads `tp` with `state`: creates its log (with config.log) when missing, loads its producer
  // state, and makes it leader (it stops fetching it first). An existing partition takes the new
  // state and config.
  Status BecomeLeader(const TopicPartition& tp, const PartitionState& state,
                      const TopicConfig& config);
  // Follows `tp` (created like BecomeLeader): state.leader leads it at `source` (leader kNoBroker:
  // nobody does now; the partition waits). Parked acks=all produces answer NOT_LEADER_OR_FOLLOWER.
  // A new leader or leader epoch restarts its fetcher with the truncation check.
  Status BecomeFollower(const TopicPartition& tp, const PartitionState& state,
                        const TopicConfig& config, const FetchSource& source);
  // No longer a replica here (the topic was deleted while this broker was away, or the replica
  // moved): stops fetching and serving it; its files stay unless DeletePartition follows.
  void StopReplica(const TopicPartition& tp);
  // Stops serving `tp` (waiters complete with errors) and deletes its log files.
  Status DeletePartition(const TopicPartition& tp);
  std::shared_ptr<Partition> GetPartition(const TopicPartition& tp) const;
  std::vector<std::shared_ptr<Partition>> Partitions() const;

  // ---- Produce. ----
  // Appends each entry; results in entry order. acks=all waits (up to timeout_ms) for the HW to
  // pass every appended batch. Internal topics are refused (INVALID_TOPIC_EXCEPTION) unless
  // `internal_topics_allowed`.
  void AppendRecords(int32_t timeout_ms, int16_t required_acks, bool internal_topics_allowed,
                     std::span<const ProduceEntry> entries, ProduceCallback done);

  // Appends records the broker writes itself (the group coordinator's offsets-topic batches) to
  // `partition` as leader (validated as AppendOrigin::kCoordinator), waking the purgatories.
  Result<PartitionAppendResult> AppendAsCoordinator(const std::shared_ptr<Partition>& partition,
                                                    std::span<uint8_t> records);
  // Calls done(NONE) once `partition`'s HW reaches `required_offset` (at once on a lone broker),
  // or done(error): NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT
  // after timeout_ms. The acks=all wait, for callers that are not Produce requests.
  void AwaitReplication(std::shared_ptr<Partition> partition, Offset required_offset,
                        int64_t timeout_ms, std::function<void(ErrorCode)> done);

  // Called with (partition, true) when this broker becomes the leader of a partition (or its
  // leader epoch changes), with (partition, false) before it stops leading it (deletion, or it
  // becomes a follower). Runs on the thread calling BecomeLeader / BecomeFollower /
  // DeletePartition, with no lock held. Set it before the first BecomeLeader.
  using LeadershipListener = std::function<void(const std::shared_ptr<Partition>&, bool leader)>;
  void SetLeadershipListener(LeadershipListener listener) { listener_ = std::move(listener); }
  // Observes every role change with its time (the embedded cluster's availability tracking):
  // (tp, leading now, leader epoch, MonoNanos). Same threads as the listener. Set before use.
  using RoleObserver =
      std::function<void(const TopicPartition&, bool leader, LeaderEpoch epoch, int64_t at_ns)>;
  void SetRoleObserver(RoleObserver observer) { observer_ = std::move(observer); }

  // ---- Replication (a replicated cluster; all optional on a lone broker). ----
  // The fetchers followers use (not owned; must outlive this manager's partitions' use of it).
  void SetFetcherManager(ReplicaFetcherManager* fetchers) { fetchers_ = fetchers; }
  ReplicaFetcherManager* fetchers() const { return fetchers_; }
  // Where ISR change proposals go (the broker's controller link). Called on network or timer
  // threads; must not block.
  using IsrChangeSink = std::function<void(IsrProposal)>;
  void SetIsrChangeSink(IsrChangeSink sink) { isr_sink_ = std::move(sink); }
  // True when the cluster metadata knows `tp` (a produce or fetch for a partition this broker does
  // not host then answers NOT_LEADER_OR_FOLLOWER rather than UNKNOWN_TOPIC_OR_PARTITION, so the
  // client refreshes its metadata).
  void SetPartitionKnown(std::function<bool(const TopicPartition&)> known) {
    known_ = std::move(known);
  }
  // Proposes shrinking the ISR of every led partition whose followers lag more than lag_max_ms.
  void RunIsrMaintenance(int64_t now_ns, int64_t lag_max_ms);
  // The controller committed (error kNone) or refused a proposal; `committed` is the partition's
  // state there. A refused partition proposes nothing more until its state or the set of
  // ISR-eligible brokers changes (Partition::ApplyIsrChange).
  void OnIsrChangeCommitted(const TopicPartition& tp, const PartitionState& committed,
                            ErrorCode error = ErrorCode::kNone);
  // The brokers that may join an ISR (KIP-841: registered, not fenced, not in controlled
  // shutdown), from the cluster metadata; until the first call every replica is eligible (a lone
  // broker). Each call starts a new eligibility generation (refused proposals may be retried).
  void SetIsrEligibleBrokers(std::vector<BrokerId> eligible);
  // Reads the high-watermark checkpoints of `log_dirs` (call before the first Become*); missing
  // files are empty.
  Status LoadHighWatermarks(const std::vector<std::string>& log_dirs);
  // Writes every partition's HW to the checkpoint of its log dir (fsync; a background thread).
  Status CheckpointHighWatermarks();

  // ---- Fetch. ----
  // Reads each entry (results in entry order); answers at once when max_wait_ms <= 0, when at
  // least min_bytes are readable or when a partition has an error, else when enough data arrives
  // or max_wait_ms passes.
  void FetchMessages(const FetchParams& params, std::vector<FetchEntry> entries,
                     FetchCallback done);
  // One read pass over every entry: what a Fetch answers now. *bytes is the record bytes found,
  // *errors whether some partition failed.
  std::vector<FetchPartitionData> ReadFromLocalLog(const FetchParams& params,
                                                   const std::vector<FetchEntry>& entries,
                                                   int64_t* bytes, bool* errors);

  // ---- Maintenance (a background thread). ----
  // Checkpoints the producer state of every partition that changed (all with `force`); returns
  // the first error.
  Status CheckpointProducerStates(bool force);
  size_t ExpireProducers(int64_t now_ms, int64_t expiration_ms);

  // Completes every delayed operation (shutdown) and refuses to park new ones. Idempotent.
  void Shutdown();

  const ReplicaManagerCounters& counters() const { return counters_; }
  size_t pending_delayed_produce() const { return produce_purgatory_.pending(); }
  size_t pending_delayed_fetch() const { return fetch_purgatory_.pending(); }

 private:
  // After an append to `tp`: wake fetches (new data) and, when the HW moved, acks=all produces.
  void OnAppended(const TopicPartition& tp, bool hw_advanced);
  // The HW of `tp` moved (follower fetch, ISR change): wake acks=all produces and consumer fetches.
  void OnHighWatermarkMoved(const TopicPartition& tp);
  Result<std::shared_ptr<Partition>> GetOrCreatePartition(const TopicPartition& tp,
                                                          const TopicConfig& config);
  void UpdateFollowerStates(const FetchParams& params, const std::vector<FetchEntry>& entries);
  IsrEligibility EligibilityOf(BrokerId follower) const;
  void Observe(const TopicPartition& tp, bool leader, LeaderEpoch epoch);
  FetchPartitionData ReadOne(const FetchParams& params, const FetchEntry& entry, bool min_one,
                             int64_t limit);

  const BrokerId local_;
  storage::LogManager* const logs_;  // not owned
  Timer* const timer_;               // not owned

  mutable std::shared_mutex mu_;
  std::unordered_map<TopicPartition, std::shared_ptr<Partition>> partitions_;

  LeadershipListener listener_;
  RoleObserver observer_;
  ReplicaFetcherManager* fetchers_ = nullptr;  // not owned
  IsrChangeSink isr_sink_;
  std::function<bool(const TopicPartition&)> known_;
  mutable std::mutex eligible_mu_;
  std::optional<std::vector<BrokerId>> eligible_;  // guarded by eligible_mu_; nullopt: everyone
  uint64_t eligible_generation_ = 0;               // guarded by eligible_mu_
  std::map<std::string, std::map<TopicPartition, Offset>> checkpointed_hw_;  // by log dir; at load
  std::mutex checkpoint_mu_;                                                 // one writer at a time

  Purgatory<TopicPartition> produce_purgatory_;
  Purgatory<TopicPartition> fetch_purgatory_;
  ReplicaManagerCounters counters_;
};

}  // namespace kbench::broker
