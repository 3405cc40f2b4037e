#include "core/broker/partition.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/clock.h"
#include "core/base/log.h"

namespace kbench::broker {

Partition::Partition(TopicPartition tp, std::shared_ptr<storage::PartitionLog> log, BrokerId local,
                     TopicConfig config)
    : tp_(std::move(tp)), log_(std::move(log)), local_(local), config_(std::move(config)) {}

Result<std::shared_ptr<Partition>> Partition::Create(TopicPartition tp,
                                                     std::shared_ptr<storage::PartitionLog> log,
                                                     BrokerId local, TopicConfig config) {
  std::shared_ptr<Partition> p(
      new Partition(std::move(tp), std::move(log), local, std::move(config)));
  KB_ASSIGN_OR_RETURN(int64_t replayed, p->producers_.Load(*p->log_));
  if (replayed > 0 || p->producers_.producer_count() > 0) {
    log::Info("broker.partition", "{}: producer state for {} producers ({} batches replayed)",
              p->tp_.ToString(), p->producers_.producer_count(), replayed);
  }
  return p;
}

Status Partition::MakeLeader(const PartitionState& state) {
  if (state.leader != local_) {
    return Status::InvalidArgument(fmt::format("{}: MakeLeader with leader {} on broker {}",
                                               tp_.ToString(), state.leader.value(),
                                               local_.value()));
  }
  std::unique_lock lock(leader_mu_);
  // Appends are stamped with the epoch; the cache records where the epoch starts (a no-op when the
  // epoch is already the latest one).
  if (state.leader_epoch > log_->latest_epoch()) {
    KB_RETURN_IF_ERROR(log_->AssignEpochStart(state.leader_epoch, log_->log_end_offset()));
  }
  leader_ = true;
  state_ = state;
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    follower_log_end_.clear();
  }
  // A new leader starts from its own log: everything in it up to the ISR's LEO is committed.
  high_watermark_.store(std::max(high_watermark_.load(), log_start_offset().value()));
  MaybeIncrementHighWatermarkLocked();
  return Status::Ok();
}

void Partition::Resign() {
  std::unique_lock lock(leader_mu_);
  leader_ = false;
}

bool Partition::is_leader() const {
  std::shared_lock lock(leader_mu_);
  return leader_;
}

LeaderEpoch Partition::leader_epoch() const {
  std::shared_lock lock(leader_mu_);
  return state_.leader_epoch;
}

PartitionState Partition::state() const {
  std::shared_lock lock(leader_mu_);
  return state_;
}

TopicConfig Partition::config() const {
  std::shared_lock lock(leader_mu_);
  return config_;
}

void Partition::SetConfig(const TopicConfig& config) {
  std::unique_lock lock(leader_mu_);
  config_ = config;
  log_->SetConfig(config.log);
}

Status Partition::CheckLeaderLocked() const {
  if (!leader_) {
    return Status::Kafka(ErrorCode::kNotLeaderOrFollower,
                         fmt::format("broker {} does not lead {}", local_.value(), tp_.ToString()));
  }
  return Status::Ok();
}

bool Partition::MaybeIncrementHighWatermarkLocked() {
  int64_t new_hw = log_end_offset().value();
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    for (BrokerId id : state_.isr) {
      if (id == local_) continue;
      auto it = follower_log_end_.find(id);
      new_hw = std::min(new_hw, it == follower_log_end_.end() ? 0 : it->second.value());
    }
  }
  int64_t current = high_watermark_.load(std::memory_order_acquire);
  while (new_hw > current) {
    if (high_watermark_.compare_exchange_weak(current, new_hw, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

Result<PartitionAppendResult> Partition::AppendRecordsAsLeader(std::span<uint8_t> records,
                                                               int16_t required_acks,
                                                               bool* hw_advanced,
                                                               storage::AppendOrigin origin) {
  *hw_advanced = false;
  storage::ValidationOptions options = log_->validation_options(origin);
  options.require_single_batch = true;  // Kafka's rule for Produce v3+
  KB_ASSIGN_OR_RETURN(storage::ValidatedRecords validated,
                      storage::ValidateRecords(records, options));
  const storage::BatchHeader& header = validated.batches().front().header;
  if (header.is_transactional()) {
    return Status::Kafka(ErrorCode::kInvalidTxnState,
                         fmt::format("{}: transactional batch from producer {}: kbench has no "
                                     "transaction coordinator",
                                     tp_.ToString(), header.producer_id.value()));
  }

  std::shared_lock leader_lock(leader_mu_);
  KB_RETURN_IF_ERROR(CheckLeaderLocked());
  if (required_acks == -1 &&
      static_cast<int32_t>(state_.isr.size()) < config_.min_insync_replicas) {
    return Status::Kafka(
        ErrorCode::kNotEnoughReplicas,
        fmt::format("{}: ISR has {} replicas, min.insync.replicas is {}", tp_.ToString(),
                    state_.isr.size(), config_.min_insync_replicas));
  }
  PartitionAppendResult result;
  {
    std::lock_guard<std::mutex> append_lock(append_mu_);
    KB_ASSIGN_OR_RETURN(SequenceCheck check, producers_.Check(header));
    if (check.duplicate) {
      result.first_offset = check.original.first_offset;
      result.last_offset = check.original.last_offset;
      result.log_start_offset = log_start_offset();
      result.duplicate = true;
      return result;
    }
    KB_ASSIGN_OR_RETURN(storage::AppendInfo info,
                        log_->AppendAsLeader(validated, {.leader_epoch = state_.leader_epoch}));
    if (header.has_producer_id()) {
      producers_.Record(validated.CurrentHeader(0), WallMillis());
    }
    result.first_offset = info.first_offset;
    result.last_offset = info.last_offset;
    result.log_append_time_ms = info.log_append_time_ms;
    result.log_start_offset = info.log_start_offset;
    result.records = info.records;
    result.bytes = info.bytes;
  }
  *hw_advanced = MaybeIncrementHighWatermarkLocked();
  return result;
}

ReplicationCheck Partition::CheckEnoughReplicasReachOffset(Offset required_offset) const {
  std::shared_lock lock(leader_mu_);
  if (!leader_) return {true, ErrorCode::kNotLeaderOrFollower};
  if (high_watermark() < required_offset) return {false, ErrorCode::kNone};
  if (static_cast<int32_t>(state_.isr.size()) < config_.min_insync_replicas) {
    return {true, ErrorCode::kNotEnoughReplicasAfterAppend};
  }
  return {true, ErrorCode::kNone};
}

Offset Partition::UpperBound(FetchBound bound) const {
  switch (bound) {
    case FetchBound::kHighWatermark:
      return high_watermark();
    case FetchBound::kLastStableOffset:
      return last_stable_offset();
    case FetchBound::kLogEnd:
      return log_end_offset();
  }
  return high_watermark();
}

Result<storage::ReadResult> Partition::Read(Offset from, int64_t max_bytes, bool min_one_batch,
                                            FetchBound bound) const {
  {
    std::shared_lock lock(leader_mu_);
    KB_RETURN_IF_ERROR(CheckLeaderLocked());
  }
  storage::ReadOptions options;
  options.from = from;
  options.max_bytes = max_bytes;
  options.min_one_batch = min_one_batch;
  options.upper_bound = UpperBound(bound);
  return log_->Read(options);
}

bool Partition::UpdateFollowerFetchState(BrokerId follower, Offset fetch_offset) {
  std::shared_lock lock(leader_mu_);
  if (!leader_) return false;
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    follower_log_end_[follower] = fetch_offset;
  }
  return MaybeIncrementHighWatermarkLocked();
}

std::optional<ProducerEntry> Partition::FindProducer(ProducerId id) const {
  std::lock_guard<std::mutex> lock(append_mu_);
  return producers_.Find(id);
}

Status Partition::CheckpointProducerState(bool force) {
  ProducerStateManager::Entries entries;
  Offset end{0};
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    end = log_end_offset();
    if (!force && !producers_dirty_ && end == checkpoint_end_) return Status::Ok();
    entries = producers_.entries();
    producers_dirty_ = false;
    checkpoint_end_ = end;
  }
  Status s = ProducerStateManager::WriteCheckpoint(log_->dir(), end, entries);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(append_mu_);
    checkpoint_end_ = kInvalidOffset;
  }
  return s;
}

size_t Partition::ExpireProducers(int64_t now_ms, int64_t expiration_ms) {
  std::lock_guard<std::mutex> lock(append_mu_);
  size_t n = producers_.RemoveExpired(now_ms, expiration_ms);
  if (n > 0) producers_dirty_ = true;
  return n;
}

}  // namespace kbench::broker
