#include "core/broker/controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/replica_manager.h"

namespace kbench::broker {
namespace {

using protocol::AlterIsrRequest;
using protocol::AlterIsrResponse;
using protocol::BrokerHeartbeatRequest;
using protocol::BrokerHeartbeatResponse;
using protocol::ControlledShutdownResponse;
using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kProducerIdBlock = 1000;

std::string Ids(const std::vector<BrokerId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i].value());
  }
  return out + "]";
}

bool Contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

ErrorCode CodeOf(const Status& s) {
  return s.ok() ? ErrorCode::kNone
                : (s.kafka_error() == ErrorCode::kNone ? ErrorCode::kUnknownServerError
                                                       : s.kafka_error());
}

}  // namespace

Controller::Controller(ControllerConfig config) : config_(std::move(config)) {}

Controller::~Controller() { Stop(); }

Result<std::unique_ptr<Controller>> Controller::Create(ControllerConfig config) {
  if (config.members.empty()) return Status::InvalidArgument("controller: no cluster members");
  if (config.dir.empty()) return Status::InvalidArgument("controller: no metadata directory");
  KB_RETURN_IF_ERROR(config.broker.replication.Validate());
  std::sort(config.members.begin(), config.members.end());
  return std::unique_ptr<Controller>(new Controller(std::move(config)));
}

Status Controller::Start() {
  if (started_) return Status::Internal("Controller::Start called twice");
  started_ = true;
  KB_ASSIGN_OR_RETURN(store_, MetadataStore::Open({config_.dir}, kControllerMetadataFileName));
  KB_ASSIGN_OR_RETURN(controller_epoch_, store_->BumpControllerEpoch());
  next_broker_epoch_ = int64_t{controller_epoch_} << 32;
  store_->SetBrokers({}, kNoBroker);
  planner_ = std::make_unique<TopicAdmin>(&config_.broker, store_.get(), nullptr, nullptr);
  const int64_t now = MonoNanos();
  for (BrokerId id : config_.members) {
    Registration& reg = brokers_[id];
    reg.endpoint.id = id;
    reg.last_heartbeat_ns = now;  // the start of its grace period (see Liveness)
  }
  grace_until_ns_ = now + int64_t{config_.broker.replication.broker_session_timeout_ms} * kMs;
  next_rebalance_ns_ = now + config_.broker.replication.leader_imbalance_check_interval_ms * kMs;
  thread_ = std::make_unique<AdminExecutor>(config_.name);
  timer_ = std::make_unique<Timer>(config_.name + ".timer");
  ScheduleTick();
  log::Info(config_.name, "controller epoch {} for members {} ({} topics)", controller_epoch_,
            Ids(config_.members), store_->TopicNames().size());
  return Status::Ok();
}

void Controller::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  if (timer_) timer_->Stop();
  if (thread_) {
    thread_->Submit([this] {
      for (ParkedHeartbeat& p : parked_) {
        BrokerHeartbeatResponse r;
        r.error_code = ErrorCode::kNotController;
        p.done(std::move(r));
      }
      parked_.clear();
      std::vector<VersionWaiter> waiters;
      waiters.swap(waiters_);
      for (VersionWaiter& w : waiters) w.done(true);
    });
    thread_->Stop();
  }
  log::Info(config_.name, "controller stopped");
}

void Controller::Post(std::function<void()> task) { thread_->Submit(std::move(task)); }

void Controller::ScheduleTick() {
  const ReplicationConfig& r = config_.broker.replication;
  const int64_t period_ms = std::clamp<int64_t>(
      std::min<int64_t>(r.broker_heartbeat_interval_ms / 2, r.broker_session_timeout_ms / 4), 5,
      100);
  timer_->ScheduleAfter(period_ms * kMs, [this] {
    if (stopping_.load()) return;
    Post([this] { Tick(); });
    ScheduleTick();
  });
}

void Controller::Tick() {
  if (stopping_.load()) return;
  const int64_t now = MonoNanos();
  CheckSessions(now);
  ReplyHeartbeats(/*expired_only=*/true);
  CheckWaiters(now);
  MaybeRebalance(now);
}

ControllerStats Controller::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

std::optional<TopicRecord> Controller::Topic(std::string_view name) const {
  if (store_ == nullptr) return std::nullopt;
  return store_->GetTopic(name);
}

// ---- Liveness. ----

bool Controller::Alive(BrokerId b) const {
  auto it = brokers_.find(b);
  return it != brokers_.end() && it->second.state == BrokerState::kActive;
}

BrokerLiveness Controller::Liveness() const {
  const bool in_grace = MonoNanos() < grace_until_ns_;
  return BrokerLiveness{.alive = [this](BrokerId b) { return Alive(b); },
                        .gone =
                            [this, in_grace](BrokerId b) {
                              auto it = brokers_.find(b);
                              if (it == brokers_.end())
                                return true;  // not a member (a removed broker)
                              if (it->second.state == BrokerState::kShuttingDown) return true;
                              // Before its first registration after a controller start, a member is
                              // given the session timeout to come back before it counts as gone.
                              return it->second.state == BrokerState::kOffline &&
                                     !(in_grace && it->second.epoch < 0);
                            }};
}

std::set<BrokerId> Controller::ActiveBrokers() const {
  std::set<BrokerId> out;
  for (const auto& [id, reg] : brokers_) {
    if (reg.state == BrokerState::kActive) out.insert(id);
  }
  return out;
}

std::vector<BrokerEndpoint> Controller::LiveBrokers() const {
  std::vector<BrokerEndpoint> out;
  for (const auto& [id, reg] : brokers_) {
    if (reg.state == BrokerState::kActive || reg.state == BrokerState::kShuttingDown) {
      out.push_back(reg.endpoint);
      out.back().in_controlled_shutdown = reg.state == BrokerState::kShuttingDown;
    }
  }
  return out;
}

void Controller::PublishBrokers() {
  std::vector<BrokerEndpoint> live;
  for (const auto& [id, reg] : brokers_) {
    if (reg.state == BrokerState::kActive) live.push_back(reg.endpoint);
  }
  // The planner places new topics on active brokers only.
  store_->SetBrokers(std::move(live), kNoBroker);
  changes_.BrokersChanged();
}

bool Controller::CheckEpoch(BrokerId id, int64_t epoch) const {
  auto it = brokers_.find(id);
  return it != brokers_.end() && it->second.state != BrokerState::kOffline &&
         it->second.epoch == epoch;
}

bool Controller::UncleanAllowed(const std::string& topic) const {
  std::optional<TopicRecord> t = store_->GetTopic(topic);
  if (!t) return false;
  Result<TopicConfig> c = TopicConfig::Resolve(config_.broker.topic_defaults, t->configs);
  return c.ok() && c->unclean_leader_election_enable;
}

// ---- Heartbeats and registration. ----

void Controller::HandleHeartbeat(BrokerHeartbeatRequest req, HeartbeatDone done) {
  if (stopping_.load()) {
    BrokerHeartbeatResponse r;
    r.error_code = ErrorCode::kNotController;
    done(std::move(r));
    return;
  }
  Post([this, req = std::move(req), done = std::move(done)]() mutable {
    OnHeartbeat(std::move(req), std::move(done));
  });
}

BrokerHeartbeatResponse Controller::HeartbeatResponse(const Registration& reg, bool with_metadata) {
  BrokerHeartbeatResponse r;
  r.broker_epoch = reg.epoch;
  r.controller_epoch = controller_epoch_;
  if (with_metadata) r.metadata = changes_.Build(*store_, reg.applied_version, LiveBrokers());
  return r;
}

void Controller::OnHeartbeat(BrokerHeartbeatRequest req, HeartbeatDone done) {
  BrokerHeartbeatResponse error;
  error.controller_epoch = controller_epoch_;
  auto it = brokers_.find(req.broker_id);
  if (it == brokers_.end()) {
    error.error_code = ErrorCode::kInvalidRequest;
    log::Warn(config_.name, "heartbeat from broker {}, which is not a member of {}",
              req.broker_id.value(), Ids(config_.members));
    done(std::move(error));
    return;
  }
  Registration& reg = it->second;
  if (req.broker_epoch < 0) {
    Register(req, reg);
  } else if (reg.state == BrokerState::kOffline || reg.epoch != req.broker_epoch ||
             reg.incarnation != req.incarnation) {
    error.error_code = ErrorCode::kStaleBrokerEpoch;
    done(std::move(error));
    return;
  }
  const int64_t now = MonoNanos();
  reg.last_heartbeat_ns = now;
  reg.applied_version = req.controller_epoch == controller_epoch_ ? req.applied_version : -1;
  if (reg.state == BrokerState::kFenced && reg.applied_version >= reg.registered_version) {
    Activate(req.broker_id);
  }
  CheckWaiters(now);
  if (reg.applied_version < changes_.version() || reg.applied_version < 0) {
    done(HeartbeatResponse(reg, /*with_metadata=*/true));
    return;
  }
  const int64_t wait_ms = std::clamp<int64_t>(req.max_wait_ms, 0, 60'000);
  parked_.push_back({req.broker_id, now + wait_ms * kMs, std::move(done)});
}

void Controller::Register(const BrokerHeartbeatRequest& req, Registration& reg) {
  const BrokerId id = req.broker_id;
  if (reg.state != BrokerState::kOffline) {
    // It restarted (new incarnation) or lost its registration: what it led was led by a process
    // that is gone, so it is fenced first and re-elected like any returning broker.
    Fence({id},
          reg.incarnation != req.incarnation ? "restarted (new incarnation)" : "registered again");
  }
  reg.state = BrokerState::kFenced;
  reg.incarnation = req.incarnation;
  reg.epoch = ++next_broker_epoch_;
  reg.endpoint = BrokerEndpoint{id, req.host, req.port, req.rack};
  reg.applied_version = -1;
  reg.registered_version = changes_.version();
  log::Info(config_.name, "broker {} registered from {}:{}{} (broker epoch {})", id.value(),
            req.host, req.port, req.rack ? fmt::format(" in rack {}", *req.rack) : "", reg.epoch);
}

void Controller::Activate(BrokerId id) {
  brokers_[id].state = BrokerState::kActive;
  PublishBrokers();
  Batch batch;
  const BrokerLiveness liveness = Liveness();
  for (const TopicRecord& t : store_->Topics()) {
    const bool unclean = UncleanAllowed(t.name);
    for (const PartitionState& s : t.partitions) {
      if (s.leader == id) {
        // Its leadership comes from before it (or this controller) restarted: lead again with a
        // new epoch so followers check their logs against it.
        PartitionState next = s;
        next.leader_epoch = LeaderEpoch(s.leader_epoch.value() + 1);
        next.partition_epoch = s.partition_epoch + 1;
        batch.states.emplace_back(t.name, next);
        continue;
      }
      if (s.leader != kNoBroker && !liveness.gone(s.leader)) continue;  // led, or in grace
      if (!Contains(s.replicas, id)) continue;
      ElectionOutcome e = ElectLeader(s, liveness, unclean);
      if (e.changed) RecordElection(t.name, s, e, "broker returned", &batch);
    }
  }
  log::Info(config_.name, "broker {} is active", id.value());
  Status s = Apply(std::move(batch));
  if (!s.ok()) log::Error(config_.name, "activating broker {}: {}", id.value(), s.ToString());
  MaybeCreateOffsetsTopic();
}

void Controller::Fence(const std::vector<BrokerId>& ids, const std::string& why) {
  std::set<BrokerId> fenced;
  for (BrokerId id : ids) {
    Registration& reg = brokers_[id];
    if (reg.state == BrokerState::kOffline) continue;
    reg.state = BrokerState::kOffline;
    fenced.insert(id);
    log::Warn(config_.name, "broker {} fenced: {}", id.value(), why);
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.brokers_fenced;
  }
  if (fenced.empty()) return;
  std::erase_if(parked_, [&](ParkedHeartbeat& p) {
    if (fenced.count(p.broker) == 0) return false;
    BrokerHeartbeatResponse r;
    r.error_code = ErrorCode::kStaleBrokerEpoch;
    r.controller_epoch = controller_epoch_;
    p.done(std::move(r));
    return true;
  });
  PublishBrokers();
  Batch batch;
  ElectAll(why.starts_with("controlled") ? "controlled shutdown" : "failure", fenced, &batch);
  Status s = Apply(std::move(batch));
  if (!s.ok()) log::Error(config_.name, "electing after fencing: {}", s.ToString());
}

void Controller::CheckSessions(int64_t now) {
  const int64_t timeout = int64_t{config_.broker.replication.broker_session_timeout_ms} * kMs;
  std::vector<BrokerId> expired;
  for (const auto& [id, reg] : brokers_) {
    if (reg.state != BrokerState::kOffline && now - reg.last_heartbeat_ns > timeout) {
      expired.push_back(id);
    }
  }
  if (!expired.empty()) {
    Fence(expired, fmt::format("no heartbeat for {} ms (broker.session.timeout.ms)",
                               config_.broker.replication.broker_session_timeout_ms));
  }
  if (grace_until_ns_ != 0 && now >= grace_until_ns_) {
    // Members that never registered after this controller started are gone now: elect away.
    grace_until_ns_ = 0;
    Batch batch;
    ElectAll("failure", {}, &batch);
    Status s = Apply(std::move(batch));
    if (!s.ok()) log::Error(config_.name, "electing after the start grace: {}", s.ToString());
  }
}

void Controller::ReplyHeartbeats(bool) {
  const int64_t now = MonoNanos();
  const int64_t version = changes_.version();
  std::vector<ParkedHeartbeat> due;
  std::erase_if(parked_, [&](ParkedHeartbeat& p) {
    const Registration& reg = brokers_[p.broker];
    const bool behind = reg.applied_version < version;
    if (now < p.deadline_ns && !behind) return false;
    due.push_back(std::move(p));
    return true;
  });
  for (ParkedHeartbeat& p : due) {
    const Registration& reg = brokers_[p.broker];
    p.done(HeartbeatResponse(reg, reg.applied_version < version));
  }
}

// ---- Metadata changes. ----

void Controller::CountIsrChange(const std::string& topic, const PartitionState& before,
                                const PartitionState& after) {
  bool shrank = false, grew = false;
  for (BrokerId b : before.isr) shrank |= !Contains(after.isr, b);
  for (BrokerId b : after.isr) grew |= !Contains(before.isr, b);
  if (!shrank && !grew) return;
  std::lock_guard<std::mutex> lock(stats_mu_);
  if (shrank) {
    ++stats_.isr_shrinks;
    log::Warn(config_.name, "ISR of {}-{} shrank from {} to {} (leader {}, leader epoch {})", topic,
              before.partition.value(), Ids(before.isr), Ids(after.isr), after.leader.value(),
              after.leader_epoch.value());
  }
  if (grew) {
    ++stats_.isr_expands;
    log::Warn(config_.name, "ISR of {}-{} expanded from {} to {} (leader {}, leader epoch {})",
              topic, before.partition.value(), Ids(before.isr), Ids(after.isr),
              after.leader.value(), after.leader_epoch.value());
  }
}

void Controller::RecordElection(const std::string& topic, const PartitionState& before,
                                const ElectionOutcome& e, const std::string& reason, Batch* batch) {
  batch->states.emplace_back(topic, e.state);
  if (!e.leader_changed) return;
  const TopicPartition tp{topic, before.partition};
  if (e.state.leader == kNoBroker) {
    log::Warn(config_.name,
              "{} has no leader: no in-sync replica of {} is alive (ISR {}; leader was {})",
              tp.ToString(), Ids(before.replicas), Ids(e.state.isr), before.leader.value());
    return;
  }
  ElectionRecord r;
  r.tp = tp;
  r.previous_leader = before.leader;
  r.leader = e.state.leader;
  r.leader_epoch = e.state.leader_epoch;
  r.reason = reason;
  r.unclean = e.unclean;
  r.decided_ns = MonoNanos();
  batch->elections.emplace_back(std::move(r), e.state.leader);
}

Status Controller::Apply(Batch batch) {
  if (batch.states.empty()) {
    // No partition changed, but the broker list may have (a broker became active): brokers must
    // see it now, not with the next partition change (leaders take a returning broker back into
    // their ISRs only once their metadata lists it as eligible).
    const int64_t version = changes_.version();
    if (changes_.Commit() != version) ReplyHeartbeats(/*expired_only=*/false);
    return Status::Ok();
  }
  std::vector<PartitionState> before;
  for (const auto& [topic, state] : batch.states) {
    before.push_back(store_->GetPartitionState(topic, state.partition).value_or(state));
  }
  KB_RETURN_IF_ERROR(store_->UpdatePartitions(batch.states));
  for (size_t i = 0; i < batch.states.size(); ++i) {
    const auto& [topic, state] = batch.states[i];
    changes_.PartitionChanged(topic, state.partition);
    CountIsrChange(topic, before[i], state);
  }
  const int64_t version = changes_.Commit();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.metadata_version = version;
    for (auto& [record, leader] : batch.elections) {
      ++stats_.leader_elections;
      if (record.unclean) ++stats_.unclean_leader_elections;
      log::Warn(config_.name, "{} leader election for {}: {} -> {} (leader epoch {}){}",
                record.unclean ? "UNCLEAN" : "clean", record.tp.ToString(),
                record.previous_leader.value(), record.leader.value(), record.leader_epoch.value(),
                " [" + record.reason + "]");
    }
    int64_t offline = 0;
    for (const TopicRecord& t : store_->Topics()) {
      for (const PartitionState& s : t.partitions) offline += s.leader == kNoBroker ? 1 : 0;
    }
    stats_.offline_partitions = offline;
  }
  for (auto& [record, leader] : batch.elections) {
    pending_elections_[record.tp] = PendingElection{std::move(record), version};
  }
  ReplyHeartbeats(/*expired_only=*/false);
  return Status::Ok();
}

void Controller::ElectAll(const std::string& reason, const std::set<BrokerId>& fenced,
                          Batch* batch) {
  const BrokerLiveness liveness = Liveness();
  for (const TopicRecord& t : store_->Topics()) {
    const bool unclean = UncleanAllowed(t.name);
    for (const PartitionState& s : t.partitions) {
      const bool touched =
          fenced.empty() || fenced.count(s.leader) != 0 ||
          std::any_of(s.isr.begin(), s.isr.end(), [&](BrokerId b) { return fenced.count(b) != 0; });
      if (!touched) continue;
      // A controlled shutdown in progress moves its broker's leaderships itself, one at a time
      // (reason "controlled shutdown"); only its own fencing elects them away here.
      if (shutdowns_.count(s.leader) != 0 && fenced.count(s.leader) == 0) continue;
      ElectionOutcome e = ElectLeader(s, liveness, unclean);
      if (e.changed) RecordElection(t.name, s, e, reason, batch);
    }
  }
}

void Controller::MaybeCreateOffsetsTopic() {
  if (store_->HasTopic(kConsumerOffsetsTopic)) return;
  const int32_t members = static_cast<int32_t>(config_.members.size());
  const int32_t factor =
      std::min<int32_t>(config_.broker.offsets_topic_replication_factor, members);
  if (static_cast<int32_t>(ActiveBrokers().size()) < factor) return;
  NewTopic t;
  t.name = std::string(kConsumerOffsetsTopic);
  t.internal = true;
  t.num_partitions = config_.broker.groups.offsets_topic_num_partitions;
  t.replication_factor = static_cast<int16_t>(factor);
  t.configs["cleanup.policy"] = "compact";
  t.configs["segment.bytes"] = std::to_string(config_.broker.offsets_topic_segment_bytes);
  Result<TopicRecord> plan = planner_->Plan(t);
  Status s = plan.status();
  if (s.ok()) s = store_->CreateTopic(*plan);
  if (!s.ok()) {
    log::Error(config_.name, "cannot create {}: {}", kConsumerOffsetsTopic, s.ToString());
    return;
  }
  changes_.TopicCreated(t.name);
  changes_.Commit();
  log::Info(config_.name, "created {} ({} partitions, replication factor {})",
            kConsumerOffsetsTopic, t.num_partitions, factor);
  ReplyHeartbeats(/*expired_only=*/false);
}

void Controller::WaitForVersion(int64_t version, std::set<BrokerId> brokers, int64_t timeout_ms,
                                std::function<void(bool)> done) {
  waiters_.push_back(
      {version, std::move(brokers), MonoNanos() + timeout_ms * kMs, std::move(done)});
  CheckWaiters(MonoNanos());
}

void Controller::CheckWaiters(int64_t now) {
  // Elections complete when their new leader has applied them.
  for (auto it = pending_elections_.begin(); it != pending_elections_.end();) {
    const Registration& reg = brokers_[it->second.record.leader];
    if (reg.state != BrokerState::kActive && reg.state != BrokerState::kShuttingDown) {
      it = pending_elections_.erase(it);  // the new leader died before it took over
      continue;
    }
    if (reg.applied_version < it->second.version) {
      ++it;
      continue;
    }
    it->second.record.applied_ns = now;
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.elections.push_back(it->second.record);
    }
    it = pending_elections_.erase(it);
  }
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  std::erase_if(waiters_, [&](VersionWaiter& w) {
    bool all = true;
    for (BrokerId b : w.brokers) {
      const Registration& reg = brokers_[b];
      const bool live =
          reg.state == BrokerState::kActive || reg.state == BrokerState::kShuttingDown;
      if (live && reg.applied_version < w.version) all = false;
    }
    if (!all && now < w.deadline_ns) return false;
    ready.emplace_back(std::move(w.done), !all);
    return true;
  });
  for (auto& [done, timed_out] : ready) done(timed_out);
}

void Controller::MaybeRebalance(int64_t now) {
  const ReplicationConfig& r = config_.broker.replication;
  if (!r.auto_leader_rebalance_enable || now < next_rebalance_ns_) return;
  next_rebalance_ns_ = now + r.leader_imbalance_check_interval_ms * kMs;
  const BrokerLiveness liveness = Liveness();
  std::map<BrokerId, std::vector<std::pair<std::string, PartitionState>>> not_led;
  std::map<BrokerId, int64_t> preferred;
  for (const TopicRecord& t : store_->Topics()) {
    for (const PartitionState& s : t.partitions) {
      if (s.replicas.empty()) continue;
      const BrokerId p = s.replicas.front();
      ++preferred[p];
      if (s.leader != p) not_led[p].emplace_back(t.name, s);
    }
  }
  Batch batch;
  for (const auto& [broker, list] : not_led) {
    if (!Alive(broker)) continue;
    if (int64_t(list.size()) * 100 <=
        preferred[broker] * r.leader_imbalance_per_broker_percentage) {
      continue;
    }
    for (const auto& [topic, s] : list) {
      std::optional<PartitionState> next = ElectPreferred(s, liveness);
      if (!next) continue;
      ElectionOutcome e{*next, true, true, false};
      RecordElection(topic, s, e, "preferred", &batch);
    }
  }
  Status s = Apply(std::move(batch));
  if (!s.ok()) log::Error(config_.name, "preferred-leader rebalance: {}", s.ToString());
}

// ---- AlterIsr. ----

void Controller::HandleAlterIsr(AlterIsrRequest req, AlterIsrDone done) {
  if (stopping_.load()) {
    AlterIsrResponse r;
    r.error_code = ErrorCode::kNotController;
    done(std::move(r));
    return;
  }
  Post([this, req = std::move(req), done = std::move(done)]() mutable {
    OnAlterIsr(req, std::move(done));
  });
}

void Controller::OnAlterIsr(const AlterIsrRequest& req, AlterIsrDone done) {
  AlterIsrResponse resp;
  if (!CheckEpoch(req.broker_id, req.broker_epoch)) {
    resp.error_code = ErrorCode::kStaleBrokerEpoch;
    done(std::move(resp));
    return;
  }
  Batch batch;
  std::vector<std::pair<size_t, size_t>> slots;  // (topic, partition) index of each change
  for (const AlterIsrRequest::Topic& t : req.topics) {
    AlterIsrResponse::Topic& rt = resp.topics.emplace_back();
    rt.topic = t.topic;
    for (const AlterIsrRequest::Partition& p : t.partitions) {
      AlterIsrResponse::Partition& rp = rt.partitions.emplace_back();
      std::optional<PartitionState> s = store_->GetPartitionState(t.topic, p.partition);
      if (!s) {
        rp.error_code = ErrorCode::kUnknownTopicOrPartition;
        rp.state.partition = p.partition;
        continue;
      }
      rp.state = ToWire(*s);
      if (s->leader != req.broker_id) {
        rp.error_code = ErrorCode::kNotLeaderOrFollower;
      } else if (s->leader_epoch != p.leader_epoch) {
        rp.error_code = ErrorCode::kFencedLeaderEpoch;
      } else if (s->partition_epoch != p.partition_epoch) {
        rp.error_code = ErrorCode::kInvalidUpdateVersion;
      } else {
        bool valid = !p.new_isr.empty() && Contains(p.new_isr, s->leader);
        bool eligible = true;  // KIP-841: a fenced or shutting-down broker may not join the ISR
        for (BrokerId b : p.new_isr) {
          valid &= Contains(s->replicas, b);
          eligible &= Contains(s->isr, b) || Alive(b);
        }
        if (!valid || !eligible) {
          rp.error_code = valid ? ErrorCode::kIneligibleReplica : ErrorCode::kInvalidRequest;
        } else {
          PartitionState next = *s;
          next.isr = p.new_isr;
          next.partition_epoch = s->partition_epoch + 1;
          batch.states.emplace_back(t.topic, next);
          slots.emplace_back(resp.topics.size() - 1, rt.partitions.size() - 1);
        }
      }
    }
  }
  int64_t refused = 0;
  for (const AlterIsrResponse::Topic& t : resp.topics) {
    for (const AlterIsrResponse::Partition& rp : t.partitions) {
      refused += rp.error_code != ErrorCode::kNone ? 1 : 0;
    }
  }
  if (refused > 0) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.isr_changes_refused += refused;
  }
  Status s = Apply(batch);
  for (size_t i = 0; i < slots.size(); ++i) {
    AlterIsrResponse::Partition& rp = resp.topics[slots[i].first].partitions[slots[i].second];
    if (s.ok()) {
      rp.state = ToWire(batch.states[i].second);
    } else {
      rp.error_code = ErrorCode::kKafkaStorageError;
    }
  }
  done(std::move(resp));
}

// ---- Controlled shutdown. ----

void Controller::HandleControlledShutdown(protocol::ControlledShutdownRequest req,
                                          ShutdownDone done) {
  if (stopping_.load()) {
    ControlledShutdownResponse r;
    r.error_code = ErrorCode::kNotController;
    done(std::move(r));
    return;
  }
  Post([this, req = std::move(req), done = std::move(done)]() mutable {
    OnControlledShutdown(req, std::move(done));
  });
}

void Controller::OnControlledShutdown(const protocol::ControlledShutdownRequest& req,
                                      ShutdownDone done) {
  if (!CheckEpoch(req.broker_id, req.broker_epoch)) {
    ControlledShutdownResponse r;
    r.error_code = ErrorCode::kStaleBrokerEpoch;
    done(std::move(r));
    return;
  }
  auto job = std::make_shared<ShutdownJob>();
  job->broker = req.broker_id;
  job->deadline_ns = MonoNanos() + config_.broker.replication.controlled_shutdown_timeout_ms * kMs;
  job->done = std::move(done);
  for (const TopicRecord& t : store_->Topics()) {
    for (const PartitionState& s : t.partitions) {
      if (s.leader == req.broker_id) job->to_move.push_back({t.name, s.partition});
    }
  }
  brokers_[req.broker_id].state = BrokerState::kShuttingDown;
  // Published before the first move, so the new leaders know it may not rejoin their ISRs.
  PublishBrokers();
  changes_.Commit();
  ReplyHeartbeats(/*expired_only=*/false);
  shutdowns_[req.broker_id] = job;
  log::Warn(config_.name, "controlled shutdown of broker {}: moving {} leaders one at a time",
            req.broker_id.value(), job->to_move.size());
  ContinueShutdown(std::move(job));
}

void Controller::ContinueShutdown(std::shared_ptr<ShutdownJob> job) {
  const BrokerLiveness liveness = Liveness();
  while (job->next < job->to_move.size()) {
    if (MonoNanos() >= job->deadline_ns || stopping_.load()) {
      FinishShutdown(job, /*timed_out=*/true);
      return;
    }
    const TopicPartition tp = job->to_move[job->next++];
    std::optional<PartitionState> s = store_->GetPartitionState(tp.topic, tp.partition);
    if (!s || s->leader != job->broker) continue;
    ElectionOutcome e = ElectLeader(*s, liveness, /*allow_unclean=*/false);
    if (e.state.leader == kNoBroker) {
      job->remaining.push_back({tp.topic, tp.partition});  // no other in-sync replica is alive
      continue;
    }
    Batch batch;
    RecordElection(tp.topic, *s, e, "controlled shutdown", &batch);
    Status st = Apply(std::move(batch));
    if (!st.ok()) {
      log::Error(config_.name, "controlled shutdown: moving {}: {}", tp.ToString(), st.ToString());
      job->remaining.push_back({tp.topic, tp.partition});
      continue;
    }
    const int64_t left_ms = std::max<int64_t>((job->deadline_ns - MonoNanos()) / kMs, 1);
    WaitForVersion(changes_.version(), {e.state.leader}, left_ms,
                   [this, job](bool) { ContinueShutdown(job); });
    return;
  }
  // Leaderships moved: leave the ISR of every partition it follows.
  Batch batch;
  for (const TopicRecord& t : store_->Topics()) {
    for (const PartitionState& s : t.partitions) {
      ElectionOutcome e = RemoveFromIsr(s, job->broker);
      if (e.changed) batch.states.emplace_back(t.name, e.state);
    }
  }
  Status st = Apply(std::move(batch));
  if (!st.ok()) log::Error(config_.name, "controlled shutdown: ISR removal: {}", st.ToString());
  FinishShutdown(job, /*timed_out=*/false);
}

void Controller::FinishShutdown(std::shared_ptr<ShutdownJob> job, bool timed_out) {
  for (size_t i = job->next; i < job->to_move.size(); ++i) {
    job->remaining.push_back({job->to_move[i].topic, job->to_move[i].partition});
  }
  job->next = job->to_move.size();
  ControlledShutdownResponse r;
  r.error_code = timed_out ? ErrorCode::kRequestTimedOut : ErrorCode::kNone;
  r.remaining = job->remaining;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.controlled_shutdowns;
  }
  log::Warn(config_.name, "controlled shutdown of broker {} {}: {} partitions stay with it",
            job->broker.value(), timed_out ? "timed out" : "done", r.remaining.size());
  ShutdownDone done = std::move(job->done);
  if (auto it = shutdowns_.find(job->broker); it != shutdowns_.end() && it->second == job) {
    shutdowns_.erase(it);
  }
  done(std::move(r));
  Fence({job->broker}, "controlled shutdown");
}

// ---- Producer ids and topics. ----

void Controller::HandleAllocateProducerIds(protocol::AllocateProducerIdsRequest req,
                                           ProducerIdsDone done) {
  if (stopping_.load()) {
    protocol::AllocateProducerIdsResponse r;
    r.error_code = ErrorCode::kNotController;
    done(std::move(r));
    return;
  }
  Post([this, req, done = std::move(done)]() mutable {
    protocol::AllocateProducerIdsResponse r;
    if (!CheckEpoch(req.broker_id, req.broker_epoch)) {
      r.error_code = ErrorCode::kStaleBrokerEpoch;
    } else if (Result<ProducerId> first = store_->ReserveProducerIds(kProducerIdBlock);
               first.ok()) {
      r.first_id = *first;
      r.count = static_cast<int32_t>(kProducerIdBlock);
    } else {
      r.error_code = ErrorCode::kKafkaStorageError;
    }
    done(std::move(r));
  });
}

void Controller::HandleCreateTopics(CreateTopicsRequest req, CreateTopicsDone done) {
  if (stopping_.load()) {
    CreateTopicsResponse r;
    for (const auto& t : req.topics) r.topics.push_back({t.name, ErrorCode::kNotController, {}});
    done(std::move(r));
    return;
  }
  Post([this, req = std::move(req), done = std::move(done)]() mutable {
    OnCreateTopics(req, std::move(done));
  });
}

void Controller::OnCreateTopics(const CreateTopicsRequest& req, CreateTopicsDone done) {
  std::map<std::string, int> count;
  for (const CreateTopicsRequest::Topic& t : req.topics) ++count[t.name];
  auto resp = std::make_shared<CreateTopicsResponse>();
  std::set<std::string> answered;
  for (const CreateTopicsRequest::Topic& t : req.topics) {
    if (count[t.name] > 1) {
      // Kafka answers a name listed twice once, with INVALID_REQUEST.
      if (answered.insert(t.name).second) {
        resp->topics.push_back(
            {t.name, ErrorCode::kInvalidRequest, "the request lists this topic more than once"});
      }
      continue;
    }
    CreateTopicsResponse::Topic out;
    out.name = t.name;
    Result<NewTopic> topic = NewTopicFromRequest(t);
    Status s = topic.status();
    Result<TopicRecord> plan = Status::Internal("unset");
    if (s.ok()) {
      plan = planner_->Plan(*topic);
      s = plan.status();
    }
    if (s.ok() && !req.validate_only) s = store_->CreateTopic(*plan);
    if (s.ok() && !req.validate_only) {
      changes_.TopicCreated(t.name);
      log::Info(config_.name, "created topic {} ({} partitions, replication factor {})", t.name,
                plan->partitions.size(),
                plan->partitions.empty() ? 0 : plan->partitions.front().replicas.size());
    }
    out.error_code = CodeOf(s);
    if (!s.ok()) out.error_message = std::string(s.message());
    resp->topics.push_back(std::move(out));
  }
  const int64_t version = changes_.Commit();
  ReplyHeartbeats(/*expired_only=*/false);
  if (req.timeout_ms <= 0 || req.validate_only) {
    done(std::move(*resp));
    return;
  }
  WaitForVersion(version, ActiveBrokers(), req.timeout_ms,
                 [resp, done = std::move(done)](bool) mutable { done(std::move(*resp)); });
}

void Controller::HandleDeleteTopics(DeleteTopicsRequest req, DeleteTopicsDone done) {
  if (stopping_.load()) {
    DeleteTopicsResponse r;
    for (const auto& name : req.topic_names)
      r.responses.push_back({name, ErrorCode::kNotController});
    done(std::move(r));
    return;
  }
  Post([this, req = std::move(req), done = std::move(done)]() mutable {
    OnDeleteTopics(req, std::move(done));
  });
}

void Controller::OnDeleteTopics(const DeleteTopicsRequest& req, DeleteTopicsDone done) {
  auto resp = std::make_shared<DeleteTopicsResponse>();
  for (const std::string& name : req.topic_names) {
    std::optional<TopicRecord> t = store_->GetTopic(name);
    Status s;
    if (!t) {
      s = Status::Kafka(ErrorCode::kUnknownTopicOrPartition,
                        fmt::format("topic '{}' does not exist", name));
    } else if (t->internal) {
      s = Status::Kafka(ErrorCode::kInvalidRequest,
                        fmt::format("topic '{}' is internal and cannot be deleted", name));
    } else {
      s = store_->DeleteTopic(name);
    }
    if (s.ok()) {
      changes_.TopicDeleted(name);
      log::Info(config_.name, "deleted topic {}", name);
    }
    resp->responses.push_back({name, CodeOf(s)});
  }
  const int64_t version = changes_.Commit();
  ReplyHeartbeats(/*expired_only=*/false);
  if (req.timeout_ms <= 0) {
    done(std::move(*resp));
    return;
  }
  WaitForVersion(version, ActiveBrokers(), req.timeout_ms,
                 [resp, done = std::move(done)](bool) mutable { done(std::move(*resp)); });
}

}  // namespace kbench::broker
