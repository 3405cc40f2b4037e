#include "core/broker/broker.h"

#include <fmt/format.h>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/broker/partition_offset_log.h"

namespace kbench::broker {

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
              "recovered after an unclean stop: {} logs, {} batches checked, {} bytes "
              "truncated in {} logs",
              report.logs.size(), report.batches_checked, report.bytes_truncated,
              report.logs_with_damage);
  }
  KB_ASSIGN_OR_RETURN(metadata_, MetadataStore::Open(config_.log_dirs));
  return Status::Ok();
}

void Broker::RegisterSelf(const ListenerAddress& address) {
  const ListenerAddress advertised = config_.AdvertisedAddress(address);
  metadata_->SetBrokers({BrokerEndpoint{config_.node_id, advertised.host, advertised.port, {}}},
                        config_.node_id);
}

Status Broker::Start() {
  if (started_) return Status::Internal("Broker::Start called twice");
  started_ = true;
  const std::string name = fmt::format("broker.{}", config_.node_id.value());
  KB_RETURN_IF_ERROR(OpenStorage());
  timer_ = std::make_unique<Timer>(name + ".timer");
  replicas_ = std::make_unique<ReplicaManager>(config_.node_id, logs_.get(), timer_.get());
  admin_ = std::make_unique<AdminExecutor>(name + ".admin");
  producer_ids_ = std::make_unique<ProducerIdManager>(metadata_.get());
  topics_ = std::make_unique<TopicAdmin>(&config_, metadata_.get(), replicas_.get(), logs_.get());
  RegisterSelf(config_.network.listener);
  KB_RETURN_IF_ERROR(StartGroupCoordinator());
  KB_RETURN_IF_ERROR(topics_->LoadPartitions());
  KB_RETURN_IF_ERROR(topics_->EnsureOffsetsTopic());

  apis_ = std::make_unique<KafkaApis>(ApiContext{.config = &config_,
                                                 .metadata = metadata_.get(),
                                                 .replicas = replicas_.get(),
                                                 .topics = topics_.get(),
                                                 .producer_ids = producer_ids_.get(),
                                                 .admin = admin_.get(),
                                                 .groups = groups_.get()});
  SocketServerConfig network = config_.network;
  network.name = name + ".net";
  server_ = std::make_unique<SocketServer>(network, apis_.get());
  KB_RETURN_IF_ERROR(server_->Start());
  RegisterSelf(server_->bound_address());
  apis_->SetReady(true);
  ScheduleMaintenance();
  log::Info("broker", "broker {} serving {} partitions on {} (advertised {})",
            config_.node_id.value(), replicas_->Partitions().size(),
            server_->bound_address().ToString(), advertised_address().ToString());
  return Status::Ok();
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

void Broker::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  maintenance_stopped_.store(true);
  if (replicas_) replicas_->Shutdown();  // answer parked acks=all produces and long polls
  if (groups_) groups_->Shutdown();      // answer waiting JoinGroup/SyncGroup/OffsetCommit
  if (server_) server_->Stop();          // no handler runs after this
  if (admin_) admin_->Stop();
  if (timer_) timer_->Stop();
  if (replicas_ && logs_) {
    Status s = replicas_->CheckpointProducerStates(/*force=*/true);
    if (!s.ok()) log::Warn("broker", "producer-state checkpoint at shutdown: {}", s.ToString());
  }
  if (logs_) {
    Status s = logs_->Close();  // flushes and writes the clean-shutdown marker
    if (!s.ok()) log::Error("broker", "closing the logs failed: {}", s.ToString());
  }
  log::Info("broker", "broker {} stopped", config_.node_id.value());
}

ListenerAddress Broker::bound_address() const {
  return server_ ? server_->bound_address() : config_.network.listener;
}

ListenerAddress Broker::advertised_address() const {
  return config_.AdvertisedAddress(bound_address());
}

}  // namespace kbench::broker
