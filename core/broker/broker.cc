#include "core/broker/broker.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/metadata_changes.h"
#include "core/broker/partition_offset_log.h"
#include "core/storage/checkpoint_file.h"

namespace kbench::broker {
namespace {

constexpr std::string_view kMetaPropertiesFile = "meta.properties";

bool Contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Result<std::unique_ptr<Broker>> Broker::Create(BrokerConfig config) {
  KB_RETURN_IF_ERROR(config.Validate());
  return std::unique_ptr<Broker>(new Broker(std::move(config)));
}

Broker::~Broker() { Stop(); }

Status Broker::OpenStorage() {
  storage::LogManagerConfig lm;
  lm.log_dirs = config_.log_dirs;
  lm.default_log_config = config_.topic_defaults.log;
  lm.retention_check_interval_ms = config_.log_retention_check_interval_ms;
  lm.flush_check_interval_ms = config_.log_flush_scheduler_interval_ms;
  lm.recovery_point_checkpoint_interval_ms = config_.log_flush_offset_checkpoint_interval_ms;
  lm.cleaner_enable = config_.log_cleaner_enable;
  lm.cleaner_backoff_ms = config_.log_cleaner_backoff_ms;
  KB_ASSIGN_OR_RETURN(logs_, storage::LogManager::Open(std::move(lm)));
  const storage::LogManagerLoadReport& report = logs_->load_report();
  if (report.unclean_dirs > 0 && !report.logs.empty()) {
    log::Warn("broker",
              "broker {} recovered after an unclean stop: {} logs, {} batches checked, {} bytes "
              "truncated in {} logs",
              config_.node_id.value(), report.logs.size(), report.batches_checked,
              report.bytes_truncated, report.logs_with_damage);
  }
  if (clustered()) {
    metadata_ = MetadataStore::InMemory();  // the controller's updates fill it
  } else {
    KB_ASSIGN_OR_RETURN(metadata_, MetadataStore::Open(config_.log_dirs));
  }
  return Status::Ok();
}

void Broker::RegisterSelf(const ListenerAddress& address) {
  const ListenerAddress advertised = config_.AdvertisedAddress(address);
  metadata_->SetBrokers(
      {BrokerEndpoint{config_.node_id, advertised.host, advertised.port, config_.replication.rack}},
      config_.node_id);
}

Status Broker::Start() {
  if (started_) return Status::Internal("Broker::Start called twice");
  started_ = true;
  const std::string name = fmt::format("broker.{}", config_.node_id.value());
  KB_RETURN_IF_ERROR(OpenStorage());
  timer_ = std::make_unique<Timer>(name + ".timer", &gates_);
  replicas_ = std::make_unique<ReplicaManager>(config_.node_id, logs_.get(), timer_.get());
  if (role_observer_) replicas_->SetRoleObserver(role_observer_);
  admin_ = std::make_unique<AdminExecutor>(name + ".admin", &gates_);
  topics_ = std::make_unique<TopicAdmin>(&config_, metadata_.get(), replicas_.get(), logs_.get());
  if (clustered()) {
    KB_RETURN_IF_ERROR(StartReplication());
  } else {
    producer_ids_ = std::make_unique<ProducerIdManager>(metadata_.get());
    RegisterSelf(config_.network.listener);
  }
  KB_RETURN_IF_ERROR(StartGroupCoordinator());
  if (!clustered()) {
    KB_RETURN_IF_ERROR(topics_->LoadPartitions());
    KB_RETURN_IF_ERROR(topics_->EnsureOffsetsTopic());
  }
  apis_ = std::make_unique<KafkaApis>(ApiContext{.config = &config_,
                                                 .metadata = metadata_.get(),
                                                 .replicas = replicas_.get(),
                                                 .topics = topics_.get(),
                                                 .producer_ids = producer_ids_.get(),
                                                 .admin = admin_.get(),
                                                 .groups = groups_.get(),
                                                 .link = link_.get()});
  if (config_.cluster.host_controller) KB_RETURN_IF_ERROR(StartHostedController());
  SocketServerConfig network = config_.network;
  network.name = name + ".net";
  server_ = std::make_unique<SocketServer>(network, apis_.get(), &gates_);
  KB_RETURN_IF_ERROR(server_->Start());
  ScheduleMaintenance();
  if (clustered()) {
    ScheduleReplicationTasks();
    ScheduleHighWatermarkCheckpoint();
    link_->Start();  // clients are served once the controller's metadata is applied
    log::Info("broker",
              "broker {} listening on {} (advertised {}); registering with the "
              "controller at {}",
              config_.node_id.value(), server_->bound_address().ToString(),
              advertised_address().ToString(), config_.cluster.controller.ToString());
    return Status::Ok();
  }
  RegisterSelf(server_->bound_address());
  apis_->SetReady(true);
  log::Info("broker", "broker {} serving {} partitions on {} (advertised {})",
            config_.node_id.value(), replicas_->Partitions().size(),
            server_->bound_address().ToString(), advertised_address().ToString());
  return Status::Ok();
}

Status Broker::StartReplication() {
  KB_RETURN_IF_ERROR(replicas_->LoadHighWatermarks(config_.log_dirs));
  fetchers_ =
      std::make_unique<ReplicaFetcherManager>(config_.node_id, config_.replication, &gates_);
  replicas_->SetFetcherManager(fetchers_.get());
  ControllerLinkHooks hooks;
  hooks.apply_metadata = [this](const protocol::MetadataDelta& d) { return ApplyMetadata(d); };
  hooks.isr_committed = [this](const TopicPartition& tp, const std::optional<PartitionState>& s,
                               ErrorCode error) {
    std::shared_ptr<Partition> p = replicas_->GetPartition(tp);
    if (p != nullptr) replicas_->OnIsrChangeCommitted(tp, s.value_or(p->state()), error);
  };
  hooks.advertised = [this] { return advertised_address(); };
  link_ = std::make_unique<ControllerLink>(config_, &gates_, std::move(hooks));
  replicas_->SetIsrChangeSink([this](IsrProposal p) { link_->ProposeIsr(std::move(p)); });
  replicas_->SetPartitionKnown([this](const TopicPartition& tp) {
    return metadata_->GetPartitionState(tp.topic, tp.partition).has_value();
  });
  producer_ids_ = std::make_unique<ProducerIdManager>(
      [this]() -> Result<std::pair<ProducerId, int64_t>> { return link_->AllocateProducerIds(); });
  return Status::Ok();
}

Status Broker::StartHostedController() {
  ControllerConfig c;
  c.members = config_.cluster.member_ids();
  c.dir = config_.cluster.controller_dir.empty() ? config_.log_dirs.front()
                                                 : config_.cluster.controller_dir;
  c.broker = config_;
  c.name = fmt::format("controller@{}", config_.node_id.value());
  KB_ASSIGN_OR_RETURN(controller_, Controller::Create(std::move(c)));
  KB_RETURN_IF_ERROR(controller_->Start());
  controller_apis_ = std::make_unique<ControllerApis>(controller_.get());
  apis_->SetClusterHandler(controller_apis_.get());
  return Status::Ok();
}

bool Broker::AwaitRegistration(int64_t timeout_ms) {
  if (!clustered()) return started_ && !stopped_;
  return link_ != nullptr && link_->WaitUntilRegistered(timeout_ms);
}

Status Broker::StartGroupCoordinator() {
  GroupCoordinatorConfig config = config_.groups;
  config.broker_id = config_.node_id;
  if (std::optional<TopicRecord> offsets = metadata_->GetTopic(kConsumerOffsetsTopic)) {
    const auto existing = static_cast<int32_t>(offsets->partitions.size());
    if (existing != config.offsets_topic_num_partitions) {
      // Groups must keep mapping to the partitions their offsets are in (Kafka has the same rule).
      log::Warn("broker", "{} has {} partitions; offsets.topic.num.partitions = {} is ignored",
                kConsumerOffsetsTopic, existing, config.offsets_topic_num_partitions);
      config.offsets_topic_num_partitions = existing;
      config_.groups.offsets_topic_num_partitions = existing;
    }
  }
  GroupCoordinatorHooks hooks;
  hooks.leader_of = [this](PartitionId p) -> std::optional<CoordinatorEndpoint> {
    std::optional<PartitionState> state = metadata_->GetPartitionState(kConsumerOffsetsTopic, p);
    if (!state) return std::nullopt;
    std::optional<BrokerEndpoint> leader = metadata_->GetBroker(state->leader);
    if (!leader) return std::nullopt;
    return CoordinatorEndpoint{leader->id, leader->host, leader->port};
  };
  hooks.partition_exists = [this](const TopicPartition& tp) {
    return metadata_->GetPartitionState(tp.topic, tp.partition).has_value();
  };
  KB_ASSIGN_OR_RETURN(
      groups_, GroupCoordinator::Create(config, std::make_shared<BrokerGroupTimer>(timer_.get()),
                                        std::move(hooks)));
  replicas_->SetLeadershipListener(
      [this](const std::shared_ptr<Partition>& p, bool leader) { OnLeadershipChange(p, leader); });
  return Status::Ok();
}

void Broker::OnLeadershipChange(const std::shared_ptr<Partition>& partition, bool leader) {
  const TopicPartition& tp = partition->topic_partition();
  if (tp.topic != kConsumerOffsetsTopic) return;
  if (!leader) {
    groups_->OnResigned(tp.partition);
    return;
  }
  Status s = groups_->OnElected(
      tp.partition, std::make_shared<PartitionOffsetLog>(partition, replicas_.get(),
                                                         config_.offsets_commit_timeout_ms));
  if (!s.ok())
    log::Error("broker", "cannot coordinate the groups of {}: {}", tp.ToString(), s.ToString());
}

void Broker::ScheduleMaintenance() {
  if (maintenance_stopped_.load()) return;
  timer_->ScheduleAfter(config_.producer_state_snapshot_interval_ms * 1'000'000, [this] {
    admin_->Submit([this] {
      RunMaintenance();
      ScheduleMaintenance();
    });
  });
}

void Broker::RunMaintenance() {
  if (maintenance_stopped_.load()) return;
  const size_t expired =
      replicas_->ExpireProducers(WallMillis(), config_.producer_id_expiration_ms);
  if (expired > 0) log::Info("broker", "forgot {} idle producer ids", expired);
  Status s = replicas_->CheckpointProducerStates(/*force=*/false);
  if (!s.ok()) log::Warn("broker", "producer-state checkpoint failed: {}", s.ToString());
}

void Broker::ScheduleHighWatermarkCheckpoint() {
  if (maintenance_stopped_.load()) return;
  const int64_t ms = config_.replication.replica_high_watermark_checkpoint_interval_ms;
  timer_->ScheduleAfter(ms * 1'000'000, [this] {
    admin_->Submit([this] {
      if (maintenance_stopped_.load()) return;
      Status s = replicas_->CheckpointHighWatermarks();
      if (!s.ok()) log::Warn("broker", "high-watermark checkpoint failed: {}", s.ToString());
      ScheduleHighWatermarkCheckpoint();
    });
  });
}

void Broker::ScheduleReplicationTasks() {
  if (maintenance_stopped_.load()) return;
  // ISR expiry every replica.lag.time.max.ms / 2 (Kafka's isr-expiration task), on the timer
  // thread: proposals only queue for the controller link.
  const int64_t lag_ms = config_.replication.replica_lag_time_max_ms;
  timer_->ScheduleAfter(std::max<int64_t>(lag_ms / 2, 1) * 1'000'000, [this, lag_ms] {
    if (maintenance_stopped_.load()) return;
    replicas_->RunIsrMaintenance(MonoNanos(), lag_ms);
    ScheduleReplicationTasks();
  });
}

// ---- Cluster metadata. ----

Status Broker::CheckClusterId(const std::string& cluster_id) {
  if (cluster_id_checked_) return Status::Ok();
  // Kafka's meta.properties: log dirs remember the cluster they belong to, so a broker pointed at
  // another cluster's dirs refuses them instead of deleting their "stray" logs.
  for (const std::string& dir : config_.log_dirs) {
    const std::string path = dir + "/" + std::string(kMetaPropertiesFile);
    Result<std::string> text = storage::ReadWholeFile(path);
    if (text.ok()) {
      const std::string want = "cluster.id=" + cluster_id + "\n";
      if (text->find(want) == std::string::npos) {
        return Status::Corruption(
            fmt::format("{} belongs to another cluster (this cluster's id is {})", path,
                        cluster_id),
            ErrorCode::kUnknownServerError);
      }
      continue;
    }
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    KB_RETURN_IF_ERROR(
        storage::WriteFileAtomically(path, fmt::format("version=1\ncluster.id={}\nnode.id={}\n",
                                                       cluster_id, config_.node_id.value())));
  }
  cluster_id_checked_ = true;
  return Status::Ok();
}

Status Broker::ApplyMetadata(const protocol::MetadataDelta& delta) {
  std::vector<TopicPartition> affected;
  if (delta.full) {
    KB_RETURN_IF_ERROR(ApplyImage(delta, &affected));
  } else {
    KB_RETURN_IF_ERROR(ApplyChanges(delta, &affected));
  }
  if (delta.brokers) {
    std::vector<BrokerEndpoint> brokers;
    std::vector<BrokerId> eligible;  // KIP-841: live and not shutting down
    BrokerId lowest = kNoBroker;
    for (const protocol::ClusterBroker& b : *delta.brokers) {
      brokers.push_back(FromWire(b));
      if (!b.in_controlled_shutdown) eligible.push_back(b.id);
      if (lowest == kNoBroker || b.id < lowest) lowest = b.id;
    }
    replicas_->SetIsrEligibleBrokers(std::move(eligible));
    // Any broker forwards admin requests to the controller, so the lowest live id is named as the
    // "controller" clients send CreateTopics to.
    metadata_->SetBrokers(std::move(brokers), lowest);
  }
  Status first;
  std::map<std::string, TopicConfig> configs;  // per topic, resolved once per update
  for (const TopicPartition& tp : affected) {
    Status s = Reconcile(tp, &configs);
    if (!s.ok() && first.ok()) first = s.WithContext(tp.ToString());
  }
  if (first.ok() && !apis_->ready()) {
    apis_->SetReady(true);
    log::Info("broker", "broker {} serving (metadata version {}, {} partitions here)",
              config_.node_id.value(), delta.version, replicas_->Partitions().size());
  }
  return first;
}

Status Broker::ApplyImage(const protocol::MetadataDelta& delta,
                          std::vector<TopicPartition>* affected) {
  KB_RETURN_IF_ERROR(CheckClusterId(delta.cluster_id));
  metadata_->SetClusterId(delta.cluster_id);
  std::vector<TopicRecord> topics;
  std::map<std::string, const TopicRecord*> by_name;
  for (const protocol::ClusterTopic& t : delta.topics) topics.push_back(FromWire(t));
  for (const TopicRecord& t : topics) by_name[t.name] = &t;
  // Logs of topics the cluster no longer has (deleted while this broker was away) go; replicas
  // that are not assigned here any more stop.
  for (const TopicPartition& tp : logs_->Partitions()) {
    auto it = by_name.find(tp.topic);
    if (it == by_name.end()) {
      log::Warn("broker", "broker {}: deleting {}: its topic no longer exists in the cluster",
                config_.node_id.value(), tp.ToString());
      KB_RETURN_IF_ERROR(replicas_->DeletePartition(tp));
      continue;
    }
    const int32_t p = tp.partition.value();
    const auto& parts = it->second->partitions;
    if (p >= static_cast<int32_t>(parts.size()) || !Contains(parts[p].replicas, config_.node_id)) {
      replicas_->StopReplica(tp);
    }
  }
  for (const TopicRecord& t : topics) {
    for (const PartitionState& s : t.partitions) affected->push_back({t.name, s.partition});
  }
  return metadata_->ReplaceTopics(std::move(topics));
}

Status Broker::ApplyChanges(const protocol::MetadataDelta& delta,
                            std::vector<TopicPartition>* affected) {
  for (const std::string& name : delta.deleted_topics) {
    for (const TopicPartition& tp : logs_->Partitions()) {
      if (tp.topic == name) KB_RETURN_IF_ERROR(replicas_->DeletePartition(tp));
    }
    for (const std::shared_ptr<Partition>& p : replicas_->Partitions()) {
      if (p->topic_partition().topic == name) {
        KB_RETURN_IF_ERROR(replicas_->DeletePartition(p->topic_partition()));
      }
    }
    (void)metadata_->DeleteTopic(name);  // NotFound: never known here
  }
  for (const protocol::ClusterTopic& t : delta.topics) {
    (void)metadata_->DeleteTopic(t.name);
    KB_RETURN_IF_ERROR(metadata_->CreateTopic(FromWire(t)));
    for (const protocol::ClusterPartitionState& s : t.partitions) {
      affected->push_back({t.name, s.partition});
    }
  }
  std::vector<std::pair<std::string, PartitionState>> changes;
  for (const protocol::ClusterPartitionChange& c : delta.partitions) {
    if (!metadata_->GetPartitionState(c.topic, c.state.partition)) continue;  // unknown topic
    changes.emplace_back(c.topic, FromWire(c.state));
    affected->push_back({c.topic, c.state.partition});
  }
  return metadata_->UpdatePartitions(changes);
}

Status Broker::Reconcile(const TopicPartition& tp, std::map<std::string, TopicConfig>* configs) {
  std::optional<PartitionState> state = metadata_->GetPartitionState(tp.topic, tp.partition);
  if (!state) return Status::Ok();
  const BrokerId local = config_.node_id;
  if (!Contains(state->replicas, local)) {
    if (replicas_->GetPartition(tp) != nullptr) replicas_->StopReplica(tp);
    return Status::Ok();
  }
  auto cached = configs->find(tp.topic);
  if (cached == configs->end()) {
    std::optional<TopicRecord> topic = metadata_->GetTopic(tp.topic);
    if (!topic) return Status::Ok();
    KB_ASSIGN_OR_RETURN(TopicConfig resolved, topics_->EffectiveConfig(*topic));
    cached = configs->emplace(tp.topic, std::move(resolved)).first;
  }
  const TopicConfig& config = cached->second;
  if (state->leader == local) return replicas_->BecomeLeader(tp, *state, config);
  FetchSource source;
  source.leader = state->leader;
  if (std::optional<BrokerEndpoint> leader = metadata_->GetBroker(state->leader)) {
    source.host = leader->host;
    source.port = leader->port;
  }
  return replicas_->BecomeFollower(tp, *state, config, source);
}

// ---- Stop, crash and faults. ----

void Broker::Stop(bool controlled_shutdown) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  if (controlled_shutdown && link_ && link_->registered() &&
      config_.replication.controlled_shutdown_enable && !gates_.isolated() && !gates_.paused()) {
    Result<protocol::ControlledShutdownResponse> r = link_->ControlledShutdown();
    if (!r.ok()) {
      log::Warn("broker", "broker {}: controlled shutdown failed: {}", config_.node_id.value(),
                r.status().ToString());
    } else if (r->error_code != ErrorCode::kNone || !r->remaining.empty()) {
      log::Warn("broker", "broker {}: controlled shutdown: {}; {} partitions stay offline",
                config_.node_id.value(), ErrorName(r->error_code), r->remaining.size());
    }
  }
  maintenance_stopped_.store(true);
  gates_.Release();
  if (link_) link_->Stop();
  if (fetchers_) fetchers_->Shutdown();
  if (replicas_) replicas_->Shutdown();  // answer parked acks=all produces and long polls
  if (groups_) groups_->Shutdown();      // answer waiting JoinGroup/SyncGroup/OffsetCommit
  if (server_) server_->Stop();          // no handler runs after this
  if (admin_) admin_->Stop();
  if (controller_) controller_->Stop();
  if (timer_) timer_->Stop();
  if (replicas_ && logs_) {
    Status s = replicas_->CheckpointProducerStates(/*force=*/true);
    if (!s.ok()) log::Warn("broker", "producer-state checkpoint at shutdown: {}", s.ToString());
    if (clustered()) {
      s = replicas_->CheckpointHighWatermarks();
      if (!s.ok()) log::Warn("broker", "high-watermark checkpoint at shutdown: {}", s.ToString());
    }
  }
  if (logs_) {
    Status s = logs_->Close();  // flushes and writes the clean-shutdown marker
    if (!s.ok()) log::Error("broker", "closing the logs failed: {}", s.ToString());
  }
  log::Info("broker", "broker {} stopped", config_.node_id.value());
}

void Broker::Crash() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  maintenance_stopped_.store(true);
  gates_.Release();
  if (link_) link_->Stop();
  if (fetchers_) fetchers_->Shutdown();
  if (server_) server_->Abort();
  if (replicas_) replicas_->Shutdown();
  if (groups_) groups_->Shutdown();
  if (controller_) controller_->Stop();
  if (admin_) admin_->Abandon();
  if (timer_) timer_->Stop();
  if (logs_) logs_->Abandon();
  log::Warn("broker", "broker {} crashed (simulated kill -9)", config_.node_id.value());
}

void Broker::Pause() {
  gates_.SetPaused(true);
  log::Warn("broker", "broker {} paused", config_.node_id.value());
}

void Broker::Resume() {
  gates_.SetPaused(false);
  log::Warn("broker", "broker {} resumed", config_.node_id.value());
}

void Broker::Isolate() {
  gates_.SetIsolated(true);
  if (server_) server_->CloseAllConnections();
  if (link_) link_->Interrupt();
  if (fetchers_) fetchers_->InterruptAll();
  log::Warn("broker", "broker {} isolated from the network", config_.node_id.value());
}

void Broker::Heal() {
  gates_.SetIsolated(false);
  log::Warn("broker", "broker {} network healed", config_.node_id.value());
}

void Broker::HoldFetchers(bool hold) {
  if (fetchers_) fetchers_->Hold(hold);
}

ListenerAddress Broker::bound_address() const {
  return server_ ? server_->bound_address() : config_.network.listener;
}

ListenerAddress Broker::advertised_address() const {
  return config_.AdvertisedAddress(bound_address());
}

}  // namespace kbench::broker
