#include "core/broker/partition.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "core/base/clock.h"
#include "core/base/log.h"

namespace kbench::broker {
namespace {

bool Contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string IdList(const std::vector<BrokerId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i].value());
  }
  return out + "]";
}

}  // namespace

Partition::Partition(TopicPartition tp, std::shared_ptr<storage::PartitionLog> log, BrokerId local,
                     TopicConfig config)
    : tp_(std::move(tp)), log_(std::move(log)), local_(local), config_(std::move(config)) {}

Result<std::shared_ptr<Partition>> Partition::Create(TopicPartition tp,
                                                     std::shared_ptr<storage::PartitionLog> log,
                                                     BrokerId local, TopicConfig config,
                                                     Offset initial_hw) {
  std::shared_ptr<Partition> p(
      new Partition(std::move(tp), std::move(log), local, std::move(config)));
  KB_ASSIGN_OR_RETURN(int64_t replayed, p->producers_.Load(*p->log_));
  if (replayed > 0 || p->producers_.producer_count() > 0) {
    log::Info("broker.partition", "{}: producer state for {} producers ({} batches replayed)",
              p->tp_.ToString(), p->producers_.producer_count(), replayed);
  }
  const Offset hw = std::clamp(initial_hw, p->log_start_offset(), p->log_end_offset());
  p->high_watermark_.store(hw.value());
  return p;
}

void Partition::ResetFollowersLocked(int64_t now_ns) {
  std::lock_guard<std::mutex> f(follower_mu_);
  followers_.clear();
  pending_isr_.reset();
  refused_isr_.reset();
  for (BrokerId r : state_.replicas) {
    if (r == local_) continue;
    FollowerState& s = followers_[r];
    // Kafka: an ISR member counts as caught up when the leadership begins, others do not.
    s.last_caught_up_ns = Contains(state_.isr, r) ? now_ns : 0;
  }
}

Status Partition::MakeLeader(const PartitionState& state, int64_t now_ns) {
  if (state.leader != local_) {
    return Status::InvalidArgument(fmt::format("{}: MakeLeader with leader {} on broker {}",
                                               tp_.ToString(), state.leader.value(),
                                               local_.value()));
  }
  if (now_ns == 0) now_ns = MonoNanos();
  std::unique_lock lock(leader_mu_);
  const bool same_leadership = role_ == Role::kLeader && state.leader_epoch == state_.leader_epoch;
  if (same_leadership) {
    // The controller's newer view of the same leadership (an ISR change it committed).
    if (state.partition_epoch >= state_.partition_epoch) {
      state_ = state;
      std::lock_guard<std::mutex> f(follower_mu_);
      if (pending_isr_ && state.partition_epoch > pending_isr_->partition_epoch) {
        pending_isr_.reset();
      }
    }
    MaybeIncrementHighWatermarkLocked();
    return Status::Ok();
  }
  // Appends are stamped with the epoch; the cache records where the epoch starts (a no-op when the
  // epoch is already the latest one).
  if (state.leader_epoch > log_->latest_epoch()) {
    KB_RETURN_IF_ERROR(log_->AssignEpochStart(state.leader_epoch, log_->log_end_offset()));
  }
  role_ = Role::kLeader;
  state_ = state;
  leader_epoch_start_ = log_->log_end_offset();
  ResetFollowersLocked(now_ns);
  // A new leader starts from its own HW (a follower's, or the checkpointed one); the followers'
  // fetches move it on.
  high_watermark_.store(std::max(high_watermark_.load(), log_start_offset().value()));
  MaybeIncrementHighWatermarkLocked();
  return Status::Ok();
}

bool Partition::MakeFollower(const PartitionState& state) {
  std::unique_lock lock(leader_mu_);
  const bool changed = role_ != Role::kFollower || state.leader != state_.leader ||
                       state.leader_epoch != state_.leader_epoch;
  role_ = Role::kFollower;
  state_ = state;
  std::lock_guard<std::mutex> f(follower_mu_);
  followers_.clear();
  pending_isr_.reset();
  return changed;
}

void Partition::Resign() {
  std::unique_lock lock(leader_mu_);
  role_ = Role::kNone;
}

bool Partition::is_leader() const {
  std::shared_lock lock(leader_mu_);
  return role_ == Role::kLeader;
}

bool Partition::is_follower() const {
  std::shared_lock lock(leader_mu_);
  return role_ == Role::kFollower;
}

LeaderEpoch Partition::leader_epoch() const {
  std::shared_lock lock(leader_mu_);
  return state_.leader_epoch;
}

BrokerId Partition::leader() const {
  std::shared_lock lock(leader_mu_);
  return state_.leader;
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
  if (role_ != Role::kLeader) {
    return Status::Kafka(ErrorCode::kNotLeaderOrFollower,
                         fmt::format("broker {} does not lead {}", local_.value(), tp_.ToString()));
  }
  return Status::Ok();
}

std::vector<BrokerId> Partition::MaximalIsrLocked() const {
  std::vector<BrokerId> isr = state_.isr;
  if (pending_isr_ && pending_isr_->expand) {
    for (BrokerId id : pending_isr_->new_isr) {
      if (!Contains(isr, id)) isr.push_back(id);
    }
  }
  return isr;
}

bool Partition::MaybeIncrementHighWatermarkLocked() {
  if (role_ != Role::kLeader) return false;
  int64_t new_hw = log_end_offset().value();
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    for (BrokerId id : MaximalIsrLocked()) {
      if (id == local_) continue;
      auto it = followers_.find(id);
      const int64_t leo =
          it == followers_.end() ? 0 : std::max<int64_t>(it->second.log_end.value(), 0);
      new_hw = std::min(new_hw, leo);
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

std::vector<BrokerId> Partition::maximal_isr() const {
  std::shared_lock lock(leader_mu_);
  std::lock_guard<std::mutex> f(follower_mu_);
  return MaximalIsrLocked();
}

Offset Partition::follower_log_end(BrokerId follower) const {
  std::lock_guard<std::mutex> f(follower_mu_);
  auto it = followers_.find(follower);
  return it == followers_.end() ? kInvalidOffset : it->second.log_end;
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
  if (role_ != Role::kLeader) return {true, ErrorCode::kNotLeaderOrFollower};
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

FollowerFetchUpdate Partition::UpdateFollowerFetchState(BrokerId follower, Offset fetch_offset,
                                                        int64_t now_ns,
                                                        IsrEligibility eligibility) {
  FollowerFetchUpdate out;
  std::shared_lock lock(leader_mu_);
  if (role_ != Role::kLeader || !Contains(state_.replicas, follower) || follower == local_) {
    return out;
  }
  const Offset leo = log_end_offset();
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    FollowerState& s = followers_[follower];
    if (fetch_offset >= leo) {
      s.last_caught_up_ns = now_ns;
    } else if (s.last_fetch_leader_leo.value() >= 0 && fetch_offset >= s.last_fetch_leader_leo) {
      s.last_caught_up_ns = std::max(s.last_caught_up_ns, s.last_fetch_ns);
    }
    s.log_end = fetch_offset;
    s.last_fetch_leader_leo = leo;
    s.last_fetch_ns = now_ns;
    eligibility_generation_ = std::max(eligibility_generation_, eligibility.generation);
    const bool in_isr = Contains(MaximalIsrLocked(), follower);
    if (!in_isr && !pending_isr_ && eligibility.eligible && !IsrRefusedLocked() &&
        fetch_offset >= high_watermark() && fetch_offset >= leader_epoch_start_) {
      IsrProposal p{tp_, state_.leader_epoch, state_.partition_epoch, state_.isr, true};
      p.new_isr.push_back(follower);
      pending_isr_ = p;
      out.expand = p;
    }
  }
  out.hw_advanced = MaybeIncrementHighWatermarkLocked();
  return out;
}

std::optional<IsrProposal> Partition::MaybeShrinkIsr(int64_t now_ns, int64_t lag_max_ns) {
  std::shared_lock lock(leader_mu_);
  if (role_ != Role::kLeader) return std::nullopt;
  std::lock_guard<std::mutex> f(follower_mu_);
  if (pending_isr_ || IsrRefusedLocked()) return std::nullopt;
  std::vector<BrokerId> keep;
  std::vector<BrokerId> dropped;
  const Offset leader_leo = log_->log_end_offset();
  for (BrokerId id : state_.isr) {
    auto it = followers_.find(id);
    // Kafka's isFollowerOutOfSync: a follower at the leader's log end is never out of sync, however
    // long ago it last caught up (nothing was produced since).
    const bool lagging =
        id != local_ &&
        (it == followers_.end() ||
         (it->second.log_end != leader_leo && now_ns - it->second.last_caught_up_ns > lag_max_ns));
    (lagging ? dropped : keep).push_back(id);
  }
  if (dropped.empty()) return std::nullopt;
  IsrProposal p{tp_, state_.leader_epoch, state_.partition_epoch, keep, false};
  pending_isr_ = p;
  log::Debug("broker.partition", "{}: proposing ISR {} -> {} (followers {} lag more than {} ms)",
             tp_.ToString(), IdList(state_.isr), IdList(keep), IdList(dropped),
             lag_max_ns / 1'000'000);
  return p;
}

bool Partition::IsrRefusedLocked() const {
  return refused_isr_ && refused_isr_->leader_epoch == state_.leader_epoch &&
         refused_isr_->partition_epoch == state_.partition_epoch &&
         refused_isr_->generation == eligibility_generation_;
}

bool Partition::ApplyIsrChange(const PartitionState& committed, ErrorCode error) {
  std::unique_lock lock(leader_mu_);
  {
    std::lock_guard<std::mutex> f(follower_mu_);
    if (pending_isr_ && error != ErrorCode::kNone && error != ErrorCode::kKafkaStorageError) {
      // Held against the state the proposal was refused for: newer state from the answer below or
      // from the metadata, or a new eligibility generation, lifts it.
      refused_isr_ =
          RefusedIsr{state_.leader_epoch, state_.partition_epoch, eligibility_generation_};
    }
    pending_isr_.reset();
  }
  if (role_ != Role::kLeader || committed.leader != local_ ||
      committed.leader_epoch != state_.leader_epoch ||
      committed.partition_epoch < state_.partition_epoch) {
    return false;
  }
  state_ = committed;
  return MaybeIncrementHighWatermarkLocked();
}

Result<storage::AppendInfo> Partition::AppendRecordsAsFollower(std::span<uint8_t> records,
                                                               LeaderEpoch leader_epoch) {
  storage::ValidationOptions options =
      log_->validation_options(storage::AppendOrigin::kReplication);
  options.check_records = false;  // the leader walked the records; followers check framing + CRC
  KB_ASSIGN_OR_RETURN(storage::ValidatedRecords validated,
                      storage::ValidateRecords(records, options));
  std::shared_lock leader_lock(leader_mu_);
  if (role_ != Role::kFollower || state_.leader_epoch != leader_epoch) {
    return Status::Kafka(ErrorCode::kFencedLeaderEpoch,
                         fmt::format("{}: fetched for leader epoch {}, now {} ({})", tp_.ToString(),
                                     leader_epoch.value(), state_.leader_epoch.value(),
                                     role_ == Role::kLeader ? "leading" : "following"));
  }
  std::lock_guard<std::mutex> append_lock(append_mu_);
  KB_ASSIGN_OR_RETURN(storage::AppendInfo info, log_->AppendAsFollower(validated));
  const int64_t now_ms = WallMillis();
  for (size_t i = 0; i < validated.batches().size(); ++i) {
    producers_.Record(validated.CurrentHeader(i), now_ms);
  }
  return info;
}

void Partition::UpdateFollowerHighWatermark(Offset leader_hw) {
  const Offset hw = std::clamp(leader_hw, log_start_offset(), log_end_offset());
  high_watermark_.store(hw.value(), std::memory_order_release);
}

Status Partition::ReloadProducerStateLocked() {
  // A checkpoint taken before the cut describes batches that are gone: drop it and replay.
  const std::string path = log_->dir() + "/" + std::string(kProducerStateFileName);
  ::unlink(path.c_str());
  checkpoint_end_ = kInvalidOffset;
  producers_dirty_ = true;
  KB_ASSIGN_OR_RETURN(int64_t replayed, producers_.Load(*log_));
  (void)replayed;
  return Status::Ok();
}

Result<Offset> Partition::TruncateTo(Offset offset) {
  std::shared_lock leader_lock(leader_mu_);
  std::lock_guard<std::mutex> append_lock(append_mu_);
  const Offset before = log_end_offset();
  KB_ASSIGN_OR_RETURN(Offset leo, log_->TruncateTo(offset));
  if (leo < before) KB_RETURN_IF_ERROR(ReloadProducerStateLocked());
  if (high_watermark() > leo) high_watermark_.store(leo.value(), std::memory_order_release);
  return leo;
}

Status Partition::TruncateFullyAndStartAt(Offset offset) {
  std::shared_lock leader_lock(leader_mu_);
  std::lock_guard<std::mutex> append_lock(append_mu_);
  KB_RETURN_IF_ERROR(log_->TruncateFullyAndStartAt(offset));
  KB_RETURN_IF_ERROR(ReloadProducerStateLocked());
  high_watermark_.store(offset.value(), std::memory_order_release);
  return Status::Ok();
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
