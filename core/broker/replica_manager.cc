#include "core/broker/replica_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/delayed_fetch.h"
#include "core/broker/delayed_produce.h"
#include "core/storage/checkpoint_file.h"

namespace kbench::broker {

namespace {

// A log dir as one spelling ("a/b", never "a/b/" or "a//b"), to match partitions to checkpoints.
std::string NormalDir(const std::filesystem::path& dir) {
  std::filesystem::path p = dir.lexically_normal();
  if (p.has_parent_path() && p.filename().empty()) p = p.parent_path();
  return p.string();
}

std::string LogDirOf(const storage::PartitionLog& log) {
  return NormalDir(std::filesystem::path(log.dir()).lexically_normal().parent_path());
}

}  // namespace

bool IsInternalTopic(std::string_view topic) {
  return topic == kConsumerOffsetsTopic || topic == "__transaction_state";
}

ReplicaManager::ReplicaManager(BrokerId local, storage::LogManager* logs, Timer* timer)
    : local_(local),
      logs_(logs),
      timer_(timer),
      produce_purgatory_(timer, PurgatoryOptions{.name = "produce"}),
      fetch_purgatory_(timer, PurgatoryOptions{.name = "fetch"}) {}

ReplicaManager::~ReplicaManager() { Shutdown(); }

void ReplicaManager::Shutdown() {
  produce_purgatory_.Shutdown();
  fetch_purgatory_.Shutdown();
}

Result<std::shared_ptr<Partition>> ReplicaManager::GetOrCreatePartition(const TopicPartition& tp,
                                                                        const TopicConfig& config) {
  std::shared_ptr<Partition> partition = GetPartition(tp);
  if (partition == nullptr) {
    KB_ASSIGN_OR_RETURN(std::shared_ptr<storage::PartitionLog> log,
                        logs_->GetOrCreateLog(tp, config.log));
    if (!(log->config() == config.log)) KB_RETURN_IF_ERROR(logs_->UpdateConfig(tp, config.log));
    Offset hw{0};
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      const std::string dir = LogDirOf(*log);
      if (auto d = checkpointed_hw_.find(dir); d != checkpointed_hw_.end()) {
        if (auto it = d->second.find(tp); it != d->second.end()) hw = it->second;
      }
    }
    KB_ASSIGN_OR_RETURN(partition, Partition::Create(tp, log, local_, config, hw));
    std::unique_lock lock(mu_);
    auto [it, inserted] = partitions_.emplace(tp, partition);
    if (!inserted) partition = it->second;  // another thread created it first
  } else if (!(partition->config() == config)) {
    KB_RETURN_IF_ERROR(logs_->UpdateConfig(tp, config.log));
    partition->SetConfig(config);
  }
  return partition;
}

void ReplicaManager::Observe(const TopicPartition& tp, bool leader, LeaderEpoch epoch) {
  if (observer_) observer_(tp, leader, epoch, MonoNanos());
}

Status ReplicaManager::BecomeLeader(const TopicPartition& tp, const PartitionState& state,
                                    const TopicConfig& config) {
  KB_ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition, GetOrCreatePartition(tp, config));
  const bool was_leader = partition->is_leader();
  const LeaderEpoch old_epoch = partition->leader_epoch();
  // No fetched batch may land once the leadership (and its epoch start offset) is set up.
  if (fetchers_ != nullptr && !was_leader) fetchers_->RemovePartition(tp);
  KB_RETURN_IF_ERROR(partition->MakeLeader(state));
  const bool new_leadership = !was_leader || old_epoch != state.leader_epoch;
  if (new_leadership) Observe(tp, true, state.leader_epoch);
  if (listener_ && new_leadership) listener_(partition, true);
  OnHighWatermarkMoved(tp);
  return Status::Ok();
}

Status ReplicaManager::BecomeFollower(const TopicPartition& tp, const PartitionState& state,
                                      const TopicConfig& config, const FetchSource& source) {
  KB_ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition, GetOrCreatePartition(tp, config));
  const bool was_leader = partition->is_leader();
  if (was_leader && listener_) listener_(partition, false);
  const bool changed = partition->MakeFollower(state);
  if (was_leader) Observe(tp, false, state.leader_epoch);
  // Waiting acks=all produces and consumer long polls learn that this broker no longer leads.
  produce_purgatory_.CheckAndComplete(tp);
  fetch_purgatory_.CheckAndComplete(tp);
  if (fetchers_ == nullptr) return Status::Ok();
  if (state.leader == kNoBroker || state.leader == local_ || source.port <= 0) {
    fetchers_->RemovePartition(tp);
  } else if (changed) {
    fetchers_->AddPartition(partition, state.leader_epoch, source);
  }
  return Status::Ok();
}

void ReplicaManager::StopReplica(const TopicPartition& tp) {
  std::shared_ptr<Partition> partition = GetPartition(tp);
  if (fetchers_ != nullptr) fetchers_->RemovePartition(tp);
  if (partition == nullptr) return;
  const bool was_leader = partition->is_leader();
  if (was_leader && listener_) listener_(partition, false);
  partition->Resign();
  if (was_leader) Observe(tp, false, partition->leader_epoch());
  produce_purgatory_.CheckAndComplete(tp);
  fetch_purgatory_.CheckAndComplete(tp);
}

Status ReplicaManager::DeletePartition(const TopicPartition& tp) {
  std::shared_ptr<Partition> partition;
  {
    std::unique_lock lock(mu_);
    auto it = partitions_.find(tp);
    if (it != partitions_.end()) {
      partition = std::move(it->second);
      partitions_.erase(it);
    }
  }
  if (fetchers_ != nullptr) fetchers_->RemovePartition(tp);
  if (partition != nullptr) {
    const bool was_leader = partition->is_leader();
    if (listener_ && was_leader) listener_(partition, false);
    partition->Resign();
    if (was_leader) Observe(tp, false, partition->leader_epoch());
  }
  produce_purgatory_.CheckAndComplete(tp);
  fetch_purgatory_.CheckAndComplete(tp);
  if (logs_->GetLog(tp) == nullptr) return Status::Ok();
  return logs_->DeleteLog(tp);
}

std::shared_ptr<Partition> ReplicaManager::GetPartition(const TopicPartition& tp) const {
  std::shared_lock lock(mu_);
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Partition>> ReplicaManager::Partitions() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, p] : partitions_) out.push_back(p);
  return out;
}

void ReplicaManager::OnAppended(const TopicPartition& tp, bool hw_advanced) {
  if (hw_advanced) produce_purgatory_.CheckAndComplete(tp);
  fetch_purgatory_.CheckAndComplete(tp);
}

void ReplicaManager::OnHighWatermarkMoved(const TopicPartition& tp) {
  produce_purgatory_.CheckAndComplete(tp);
  fetch_purgatory_.CheckAndComplete(tp);
}

void ReplicaManager::AppendRecords(int32_t timeout_ms, int16_t required_acks,
                                   bool internal_topics_allowed,
                                   std::span<const ProduceEntry> entries, ProduceCallback done) {
  std::vector<ProducePartitionResult> results(entries.size());
  std::vector<DelayedProduce::Waiting> waiting;
  TopicPartition tp;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ProduceEntry& e = entries[i];
    ProducePartitionResult& r = results[i];
    tp.topic.assign(e.topic);
    tp.partition = e.partition;
    if (IsInternalTopic(e.topic) && !internal_topics_allowed) {
      r.error = ErrorCode::kInvalidTopicException;
      continue;
    }
    std::shared_ptr<Partition> p = GetPartition(tp);
    if (p == nullptr) {
      r.error = known_ && known_(tp) ? ErrorCode::kNotLeaderOrFollower
                                     : ErrorCode::kUnknownTopicOrPartition;
      continue;
    }
    if (e.records_null) {
      r.error = ErrorCode::kInvalidRecord;
      continue;
    }
    bool hw_advanced = false;
    Result<PartitionAppendResult> a =
        p->AppendRecordsAsLeader(e.records, required_acks, &hw_advanced);
    if (!a.ok()) {
      r.error = a.status().kafka_error() == ErrorCode::kNone ? ErrorCode::kUnknownServerError
                                                             : a.status().kafka_error();
      counters_.produce_errors.fetch_add(1, std::memory_order_relaxed);
      log::Debug("broker.produce", "{}: {}", tp.ToString(), a.status().ToString());
      continue;
    }
    r.base_offset = a->first_offset;
    r.log_append_time_ms = a->log_append_time_ms;
    r.log_start_offset = a->log_start_offset;
    if (a->duplicate) counters_.produce_duplicates.fetch_add(1, std::memory_order_relaxed);
    if (required_acks == -1) {
      waiting.push_back({i, p, a->last_offset + 1});
    }
    if (!a->duplicate) OnAppended(tp, hw_advanced);
  }
  if (required_acks != -1 || waiting.empty()) {
    done(std::move(results));
    return;
  }
  std::vector<TopicPartition> keys;
  keys.reserve(waiting.size());
  for (const auto& w : waiting) keys.push_back(w.partition->topic_partition());
  auto op =
      std::make_shared<DelayedProduce>(MonoNanos() + int64_t{std::max(timeout_ms, 0)} * 1'000'000,
                                       std::move(results), std::move(waiting), std::move(done));
  if (!produce_purgatory_.TryCompleteElseWatch(op, keys)) {
    counters_.delayed_produce.fetch_add(1, std::memory_order_relaxed);
  }
}

Result<PartitionAppendResult> ReplicaManager::AppendAsCoordinator(
    const std::shared_ptr<Partition>& partition, std::span<uint8_t> records) {
  bool hw_advanced = false;
  KB_ASSIGN_OR_RETURN(PartitionAppendResult r,
                      partition->AppendRecordsAsLeader(records, -1, &hw_advanced,
                                                       storage::AppendOrigin::kCoordinator));
  OnAppended(partition->topic_partition(), hw_advanced);
  return r;
}

void ReplicaManager::AwaitReplication(std::shared_ptr<Partition> partition, Offset required_offset,
                                      int64_t timeout_ms, std::function<void(ErrorCode)> done) {
  std::vector<TopicPartition> keys{partition->topic_partition()};
  std::vector<DelayedProduce::Waiting> waiting{{0, std::move(partition), required_offset}};
  auto op = std::make_shared<DelayedProduce>(
      MonoNanos() + std::max<int64_t>(timeout_ms, 0) * 1'000'000,
      std::vector<ProducePartitionResult>(1), std::move(waiting),
      [done = std::move(done)](std::vector<ProducePartitionResult> r) { done(r[0].error); });
  produce_purgatory_.TryCompleteElseWatch(op, keys);
}

FetchPartitionData ReplicaManager::ReadOne(const FetchParams& params, const FetchEntry& e,
                                           bool min_one, int64_t limit) {
  FetchPartitionData d;
  std::shared_ptr<Partition> p = GetPartition(e.tp);
  if (p == nullptr) {
    d.error = known_ && known_(e.tp) ? ErrorCode::kNotLeaderOrFollower
                                     : ErrorCode::kUnknownTopicOrPartition;
    return d;
  }
  if (e.current_leader_epoch.value() >= 0) {
    const LeaderEpoch current = p->leader_epoch();
    if (e.current_leader_epoch < current) d.error = ErrorCode::kFencedLeaderEpoch;
    if (e.current_leader_epoch > current) d.error = ErrorCode::kUnknownLeaderEpoch;
    if (d.error != ErrorCode::kNone) return d;
  }
  Result<storage::ReadResult> r = p->Read(e.fetch_offset, limit, min_one, params.bound);
  d.high_watermark = p->high_watermark();
  d.last_stable_offset = p->last_stable_offset();
  d.log_start_offset = p->log_start_offset();
  if (!r.ok()) {
    d.error = r.status().kafka_error() == ErrorCode::kNone ? ErrorCode::kUnknownServerError
                                                           : r.status().kafka_error();
    return d;
  }
  d.log_start_offset = r->log_start_offset;
  d.records = std::move(r->slice);
  return d;
}

std::vector<FetchPartitionData> ReplicaManager::ReadFromLocalLog(
    const FetchParams& params, const std::vector<FetchEntry>& entries, int64_t* bytes,
    bool* errors) {
  std::vector<FetchPartitionData> out;
  out.reserve(entries.size());
  int64_t remaining = std::max(params.max_bytes, 0);
  bool min_one = true;  // KIP-74: the first batch found is returned even when over the limits
  *bytes = 0;
  *errors = false;
  for (const FetchEntry& e : entries) {
    const int64_t limit = std::min<int64_t>(std::max(e.partition_max_bytes, 0), remaining);
    FetchPartitionData d = ReadOne(params, e, min_one && e.partition_max_bytes > 0, limit);
    if (d.error != ErrorCode::kNone) *errors = true;
    if (d.records.length > 0) {
      min_one = false;
      *bytes += d.records.length;
      remaining = std::max<int64_t>(0, remaining - d.records.length);
    }
    out.push_back(std::move(d));
  }
  return out;
}

void ReplicaManager::UpdateFollowerStates(const FetchParams& params,
                                          const std::vector<FetchEntry>& entries) {
  // A follower's fetch offset is its log end when the request arrives; updating here (not when a
  // parked fetch completes) keeps purgatory wake-ups off other operations' locks.
  const int64_t now = MonoNanos();
  const IsrEligibility eligibility = EligibilityOf(params.replica_id);
  for (const FetchEntry& e : entries) {
    std::shared_ptr<Partition> p = GetPartition(e.tp);
    if (p == nullptr) continue;
    FollowerFetchUpdate u =
        p->UpdateFollowerFetchState(params.replica_id, e.fetch_offset, now, eligibility);
    if (u.expand && isr_sink_) {
      counters_.isr_proposals.fetch_add(1, std::memory_order_relaxed);
      isr_sink_(std::move(*u.expand));
    }
    if (u.hw_advanced) OnHighWatermarkMoved(e.tp);
  }
}

void ReplicaManager::FetchMessages(const FetchParams& params, std::vector<FetchEntry> entries,
                                   FetchCallback done) {
  if (params.replica_id.value() >= 0) UpdateFollowerStates(params, entries);
  int64_t bytes = 0;
  bool errors = false;
  std::vector<FetchPartitionData> data = ReadFromLocalLog(params, entries, &bytes, &errors);
  if (params.max_wait_ms <= 0 || entries.empty() || errors || bytes >= params.min_bytes) {
    done(std::move(data));
    return;
  }
  std::vector<TopicPartition> keys;
  keys.reserve(entries.size());
  for (const FetchEntry& e : entries) keys.push_back(e.tp);
  auto op = std::make_shared<DelayedFetch>(MonoNanos() + int64_t{params.max_wait_ms} * 1'000'000,
                                           this, params, std::move(entries), std::move(done));
  if (!fetch_purgatory_.TryCompleteElseWatch(op, keys)) {
    counters_.delayed_fetch.fetch_add(1, std::memory_order_relaxed);
  }
}

void ReplicaManager::RunIsrMaintenance(int64_t now_ns, int64_t lag_max_ms) {
  if (!isr_sink_) return;
  for (const std::shared_ptr<Partition>& p : Partitions()) {
    std::optional<IsrProposal> shrink = p->MaybeShrinkIsr(now_ns, lag_max_ms * 1'000'000);
    if (!shrink) continue;
    counters_.isr_proposals.fetch_add(1, std::memory_order_relaxed);
    isr_sink_(std::move(*shrink));
  }
}

IsrEligibility ReplicaManager::EligibilityOf(BrokerId follower) const {
  std::lock_guard<std::mutex> lock(eligible_mu_);
  const bool eligible =
      !eligible_ || std::find(eligible_->begin(), eligible_->end(), follower) != eligible_->end();
  return {eligible, eligible_generation_};
}

void ReplicaManager::SetIsrEligibleBrokers(std::vector<BrokerId> eligible) {
  std::lock_guard<std::mutex> lock(eligible_mu_);
  eligible_ = std::move(eligible);
  ++eligible_generation_;
}

void ReplicaManager::OnIsrChangeCommitted(const TopicPartition& tp, const PartitionState& committed,
                                          ErrorCode error) {
  std::shared_ptr<Partition> p = GetPartition(tp);
  if (p == nullptr) return;
  p->ApplyIsrChange(committed, error);
  // The ISR changed (or the proposal ended): the HW may move, acks=all may now fail with 20.
  OnHighWatermarkMoved(tp);
}

Status ReplicaManager::LoadHighWatermarks(const std::vector<std::string>& log_dirs) {
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  for (const std::string& dir : log_dirs) {
    const std::string canonical = NormalDir(dir);
    KB_ASSIGN_OR_RETURN(
        checkpointed_hw_[canonical],
        storage::ReadOffsetCheckpoint(canonical + "/" + std::string(kHighWatermarkCheckpointFile)));
  }
  return Status::Ok();
}

Status ReplicaManager::CheckpointHighWatermarks() {
  std::map<std::string, std::map<TopicPartition, Offset>> by_dir;
  for (const std::shared_ptr<Partition>& p : Partitions()) {
    const std::string dir = LogDirOf(*p->log());
    by_dir[dir][p->topic_partition()] = p->high_watermark();
  }
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  Status first;
  for (auto& [dir, offsets] : by_dir) {
    Status s = storage::WriteOffsetCheckpoint(dir + "/" + std::string(kHighWatermarkCheckpointFile),
                                              offsets);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status ReplicaManager::CheckpointProducerStates(bool force) {
  Status first;
  for (const std::shared_ptr<Partition>& p : Partitions()) {
    Status s = p->CheckpointProducerState(force);
    if (!s.ok() && first.ok()) first = s.WithContext(p->topic_partition().ToString());
  }
  return first;
}

size_t ReplicaManager::ExpireProducers(int64_t now_ms, int64_t expiration_ms) {
  size_t n = 0;
  for (const std::shared_ptr<Partition>& p : Partitions()) {
    n += p->ExpireProducers(now_ms, expiration_ms);
  }
  return n;
}

}  // namespace kbench::broker
