#include "core/broker/replica_fetcher.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

#include "core/base/clock.h"
#include "core/base/log.h"

namespace kbench::broker {
namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;
using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

constexpr int16_t kFetchVersion = 11;
constexpr int16_t kEpochVersion = 3;
constexpr int kConnectTimeoutMs = 5000;

bool IsRetryLater(ErrorCode e) {
  return e == ErrorCode::kNotLeaderOrFollower || e == ErrorCode::kFencedLeaderEpoch ||
         e == ErrorCode::kUnknownLeaderEpoch || e == ErrorCode::kUnknownTopicOrPartition ||
         e == ErrorCode::kLeaderNotAvailable;
}

}  // namespace

ReplicaFetcher::ReplicaFetcher(BrokerId local, FetchSource source, const ReplicationConfig& config,
                               BrokerGates* gates, FetcherCounters* counters)
    : local_(local),
      source_(std::move(source)),
      config_(config),
      gates_(gates),
      counters_(counters),
      connection_(fmt::format("kbench-replica-fetcher-{}", local.value())) {
  thread_ = std::thread([this] { Run(); });
  const std::string name = fmt::format("fetch{}-{}", local_.value(), source_.leader.value());
  pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

ReplicaFetcher::~ReplicaFetcher() { Stop(); }

void ReplicaFetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  connection_.Interrupt();
  if (thread_.joinable()) thread_.join();
  connection_.Close();
}

void ReplicaFetcher::AddPartition(std::shared_ptr<Partition> partition, LeaderEpoch epoch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = partitions_[partition->topic_partition()];
    s.partition = std::move(partition);
    s.epoch = epoch;
    s.phase = Phase::kTruncating;
    s.delayed_until_ns = 0;
  }
  cv_.notify_all();
}

void ReplicaFetcher::RemovePartition(const TopicPartition& tp) {
  // Responses are applied under mu_ and only for partitions still present with the epoch they were
  // fetched for, so erasing under mu_ is enough.
  std::lock_guard<std::mutex> lock(mu_);
  partitions_.erase(tp);
}

size_t ReplicaFetcher::partition_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return partitions_.size();
}

void ReplicaFetcher::Hold(bool hold) {
  std::unique_lock<std::mutex> lock(mu_);
  held_ = hold;
  cv_.notify_all();
  if (hold) cv_.wait(lock, [&] { return !in_flight_ || stopping_; });
}

bool ReplicaFetcher::WaitForWork() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (stopping_) return false;
    const int64_t now = MonoNanos();
    int64_t next_ready = INT64_MAX;
    bool ready = false;
    for (const auto& [tp, s] : partitions_) {
      if (s.delayed_until_ns <= now) {
        ready = true;
        break;
      }
      next_ready = std::min(next_ready, s.delayed_until_ns);
    }
    if (!held_ && !gates_->paused() && !gates_->isolated() && ready) {
      in_flight_ = true;
      return true;
    }
    cv_.notify_all();  // Hold() waits for !in_flight_
    const int64_t wait_ns =
        (held_ || gates_->paused() || gates_->isolated() || next_ready == INT64_MAX)
            ? 50'000'000
            : std::min<int64_t>(next_ready - now, 50'000'000);
    cv_.wait_for(lock, std::chrono::nanoseconds(std::max<int64_t>(wait_ns, 1'000'000)));
  }
}

void ReplicaFetcher::Run() {
  while (WaitForWork()) {
    if (EnsureConnected() && !Truncate()) Fetch();
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = false;
    cv_.notify_all();
  }
}

bool ReplicaFetcher::EnsureConnected() {
  if (connection_.connected()) return true;
  Status s = connection_.Connect(source_.host, source_.port, kConnectTimeoutMs);
  if (s.ok()) return true;
  log::Debug("broker.fetcher", "broker {}: cannot reach leader {} at {}:{}: {}", local_.value(),
             source_.leader.value(), source_.host, source_.port, s.ToString());
  counters_->errors.fetch_add(1, std::memory_order_relaxed);
  Backoff();
  return false;
}

void ReplicaFetcher::Backoff() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(std::max(config_.replica_fetch_backoff_ms, 10)),
               [&] { return stopping_; });
}

void ReplicaFetcher::Delay(State& s) {
  s.delayed_until_ns = MonoNanos() + int64_t{config_.replica_fetch_backoff_ms} * 1'000'000;
}

bool ReplicaFetcher::Truncate() {
  OffsetForLeaderEpochRequest req;
  req.replica_id = local_;
  std::map<TopicPartition, LeaderEpoch> asked;  // tp -> the follower epoch asked about
  std::map<TopicPartition, LeaderEpoch> fetch_epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = MonoNanos();
    for (auto& [tp, s] : partitions_) {
      if (s.phase != Phase::kTruncating || s.delayed_until_ns > now) continue;
      const LeaderEpoch latest = s.partition->log()->latest_epoch();
      if (latest == kNoLeaderEpoch) {  // an empty log (no epoch yet): nothing can diverge
        s.phase = Phase::kFetching;
        continue;
      }
      if (req.topics.empty() || req.topics.back().topic != tp.topic) {
        req.topics.push_back({tp.topic, {}});
      }
      req.topics.back().partitions.push_back({tp.partition, s.epoch, latest});
      asked[tp] = latest;
      fetch_epoch[tp] = s.epoch;
    }
  }
  if (req.topics.empty()) return false;
  Result<OffsetForLeaderEpochResponse> resp = connection_.Call<OffsetForLeaderEpochResponse>(
      req, kEpochVersion, config_.replica_socket_timeout_ms);
  if (!resp.ok()) {
    counters_->errors.fetch_add(1, std::memory_order_relaxed);
    log::Debug("broker.fetcher", "broker {}: OffsetForLeaderEpoch to {} failed: {}",
               local_.value(), source_.leader.value(), resp.status().ToString());
    Backoff();
    return true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& t : resp->topics) {
    for (const auto& r : t.partitions) {
      TopicPartition tp{t.topic, r.partition};
      auto it = partitions_.find(tp);
      auto a = asked.find(tp);
      if (it == partitions_.end() || a == asked.end() || it->second.epoch != fetch_epoch[tp] ||
          it->second.phase != Phase::kTruncating) {
        continue;
      }
      ApplyEpochEnd(it->second, a->second, r);
    }
  }
  return true;
}

void ReplicaFetcher::ApplyEpochEnd(State& s, LeaderEpoch requested,
                                   const OffsetForLeaderEpochResponse::Partition& r) {
  Partition& p = *s.partition;
  if (r.error_code != ErrorCode::kNone) {
    counters_->errors.fetch_add(1, std::memory_order_relaxed);
    Delay(s);
    return;
  }
  const Offset leo = p.log_end_offset();
  Offset target = leo;
  if (r.leader_epoch == kNoLeaderEpoch || r.end_offset.value() < 0) {
    // The leader knows no epoch <= ours (it cannot answer): fall back to the high watermark, the
    // only offset both sides are known to agree on.
    target = std::min(leo, p.high_watermark());
    log::Warn("broker.fetcher", "{}: leader {} has no epoch <= {}; truncating to the HW {}",
              p.topic_partition().ToString(), source_.leader.value(), requested.value(),
              target.value());
  } else {
    target = std::min(leo, r.end_offset);
    if (r.leader_epoch < requested) {
      // KIP-279: the leader's answer is about an older epoch; our own log may end that epoch
      // earlier.
      const storage::EpochEndOffset mine = p.log()->EndOffsetForEpoch(r.leader_epoch);
      if (mine.end_offset.value() >= 0) target = std::min(target, mine.end_offset);
    }
  }
  if (target < leo) {
    Result<Offset> cut = p.TruncateTo(target);
    if (!cut.ok()) {
      log::Error("broker.fetcher", "{}: truncation to {} failed: {}",
                 p.topic_partition().ToString(), target.value(), cut.status().ToString());
      counters_->errors.fetch_add(1, std::memory_order_relaxed);
      Delay(s);
      return;
    }
    counters_->truncations.fetch_add(1, std::memory_order_relaxed);
    counters_->bytes_truncated.fetch_add(leo - *cut, std::memory_order_relaxed);
    log::Warn("broker.fetcher",
              "{}: truncated from {} to {} to match leader {} (epoch {} ends at {} there)",
              p.topic_partition().ToString(), leo.value(), cut->value(), source_.leader.value(),
              r.leader_epoch.value(), r.end_offset.value());
  }
  s.phase = Phase::kFetching;
}

void ReplicaFetcher::Fetch() {
  FetchRequest req;
  req.replica_id = local_;
  req.max_wait_ms = config_.replica_fetch_wait_max_ms;
  req.min_bytes = config_.replica_fetch_min_bytes;
  req.max_bytes = config_.replica_fetch_response_max_bytes;
  std::vector<Sent> sent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = MonoNanos();
    for (auto& [tp, s] : partitions_) {
      if (s.phase != Phase::kFetching || s.delayed_until_ns > now) continue;
      if (req.topics.empty() || req.topics.back().topic != tp.topic) {
        req.topics.push_back({tp.topic, {}});
      }
      FetchRequest::Partition fp;
      fp.partition = tp.partition;
      fp.current_leader_epoch = s.epoch;
      fp.fetch_offset = s.partition->log_end_offset();
      fp.log_start_offset = s.partition->log_start_offset();
      fp.partition_max_bytes = config_.replica_fetch_max_bytes;
      req.topics.back().partitions.push_back(fp);
      sent.push_back({tp, s.epoch, fp.fetch_offset});
    }
  }
  if (sent.empty()) return;
  Result<FetchResponse> resp = connection_.Call<FetchResponse>(
      req, kFetchVersion, config_.replica_socket_timeout_ms + req.max_wait_ms);
  if (!resp.ok()) {
    counters_->errors.fetch_add(1, std::memory_order_relaxed);
    log::Debug("broker.fetcher", "broker {}: fetch from {} failed: {}", local_.value(),
               source_.leader.value(), resp.status().ToString());
    Backoff();
    return;
  }
  counters_->fetches.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  size_t i = 0;
  for (FetchResponse::Topic& t : resp->topics) {
    for (FetchResponse::Partition& r : t.partitions) {
      while (i < sent.size() && !(sent[i].tp.topic == t.topic && sent[i].tp.partition == r.partition_index)) ++i;
      if (i == sent.size()) break;
      auto it = partitions_.find(sent[i].tp);
      if (it != partitions_.end() && it->second.epoch == sent[i].epoch &&
          it->second.phase == Phase::kFetching) {
        ApplyFetched(it->second, sent[i], r);
      }
      ++i;
    }
  }
}

void ReplicaFetcher::ApplyFetched(State& s, const Sent& sent, FetchResponse::Partition& r) {
  Partition& p = *s.partition;
  if (r.error_code == ErrorCode::kOffsetOutOfRange) {
    counters_->errors.fetch_add(1, std::memory_order_relaxed);
    if (r.log_start_offset.value() >= 0 && sent.fetch_offset < r.log_start_offset) {
      Status st = p.TruncateFullyAndStartAt(r.log_start_offset);
      log::Warn("broker.fetcher", "{}: leader {} starts at {}, beyond our end {}: restarted there ({})",
                p.topic_partition().ToString(), source_.leader.value(), r.log_start_offset.value(),
                sent.fetch_offset.value(), st.ok() ? "ok" : st.ToString());
    } else {
      s.phase = Phase::kTruncating;  // beyond the leader's end: find the divergence again
    }
    return;
  }
  if (r.error_code != ErrorCode::kNone) {
    counters_->errors.fetch_add(1, std::memory_order_relaxed);
    if (!IsRetryLater(r.error_code)) {
      log::Warn("broker.fetcher", "{}: fetch from leader {}: {}", p.topic_partition().ToString(),
                source_.leader.value(), ErrorName(r.error_code));
    }
    Delay(s);
    return;
  }
  std::span<const uint8_t> bytes = r.records.bytes();
  if (!bytes.empty()) {
    // The response frame is this fetcher's own receive buffer: writable, alive until the next call.
    std::span<uint8_t> writable(const_cast<uint8_t*>(bytes.data()), bytes.size());
    Result<storage::AppendInfo> appended = p.AppendRecordsAsFollower(writable, s.epoch);
    if (!appended.ok()) {
      counters_->errors.fetch_add(1, std::memory_order_relaxed);
      log::Warn("broker.fetcher", "{}: appending {} bytes from leader {} at {} failed: {}",
                p.topic_partition().ToString(), bytes.size(), source_.leader.value(),
                sent.fetch_offset.value(), appended.status().ToString());
      s.phase = Phase::kTruncating;
      Delay(s);
      return;
    }
    counters_->bytes_fetched.fetch_add(appended->bytes, std::memory_order_relaxed);
  }
  p.UpdateFollowerHighWatermark(r.high_watermark);
}

// ---- ReplicaFetcherManager. ----

ReplicaFetcherManager::ReplicaFetcherManager(BrokerId local, ReplicationConfig config,
                                             BrokerGates* gates)
    : local_(local), config_(std::move(config)), gates_(gates) {}

ReplicaFetcherManager::~ReplicaFetcherManager() { Shutdown(); }

void ReplicaFetcherManager::AddPartition(std::shared_ptr<Partition> partition, LeaderEpoch epoch,
                                         const FetchSource& source) {
  const TopicPartition tp = partition->topic_partition();
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = fetcher_of_.find(tp); it != fetcher_of_.end() && it->second != source.leader) {
    fetchers_[it->second]->RemovePartition(tp);
  }
  std::unique_ptr<ReplicaFetcher>& f = fetchers_[source.leader];
  if (f != nullptr && !(f->source() == source)) {  // the leader came back on another address
    f->Stop();
    f.reset();
  }
  if (f == nullptr) {
    f = std::make_unique<ReplicaFetcher>(local_, source, config_, gates_, &counters_);
    if (held_) f->Hold(true);
  }
  f->AddPartition(std::move(partition), epoch);
  fetcher_of_[tp] = source.leader;
}

void ReplicaFetcherManager::RemovePartition(const TopicPartition& tp) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = fetcher_of_.find(tp);
  if (it == fetcher_of_.end()) return;
  if (auto f = fetchers_.find(it->second); f != fetchers_.end() && f->second != nullptr) {
    f->second->RemovePartition(tp);
  }
  fetcher_of_.erase(it);
}

void ReplicaFetcherManager::Hold(bool hold) {
  std::lock_guard<std::mutex> lock(mu_);
  held_ = hold;
  for (auto& [id, f] : fetchers_) {
    if (f != nullptr) f->Hold(hold);
  }
}

bool ReplicaFetcherManager::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

void ReplicaFetcherManager::InterruptAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, f] : fetchers_) {
    if (f != nullptr) f->Interrupt();
  }
}

void ReplicaFetcherManager::Shutdown() {
  std::map<BrokerId, std::unique_ptr<ReplicaFetcher>> fetchers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fetchers.swap(fetchers_);
    fetcher_of_.clear();
  }
  for (auto& [id, f] : fetchers) {
    if (f != nullptr) f->Stop();
  }
}

}  // namespace kbench::broker
