// Broker: one Kafka-protocol broker: its log manager (segments on disk, recovery, retention), its
// cluster metadata (topics, partitions, leaders, persisted in its log dirs), the replica manager
// (partitions, high watermarks, producer state, acks=all and long-poll purgatories), the request
// handlers behind the dispatch table, and the socket server. Several Brokers may run in one process
// (the embedded cluster): each owns its own components, dirs and port; nothing is global.
//
//   BrokerConfig config;  config.log_dirs = {"/data/kbench"};  ...
//   KB_ASSIGN_OR_RETURN(std::unique_ptr<Broker> broker, Broker::Create(config));
//   KB_RETURN_IF_ERROR(broker->Start());      // loads (recovers) logs, then listens
//   ... broker->bound_address() ...
//   broker->Stop();                           // clean: writes checkpoints + clean-shutdown marker
//
// Start(): opens the log dirs (recovering logs after an unclean stop), loads the metadata, leads
// every partition it lists (producer state rebuilt), creates `__consumer_offsets` and hands each of
// its partitions this broker leads to the group coordinator (which replays committed offsets and
// groups from it), listens, and only then accepts requests. Stop(): answers parked requests
// (purgatories, waiting group members), stops the server (in-flight responses drain), checkpoints
// producer state and closes the logs, which writes the clean-shutdown marker. A process killed
// without Stop() recovers on the next Start().
//
// Threads: Start/Stop from one controlling thread; getters from any thread after Start().
#pragma once

#include <memory>

#include "core/base/result.h"
#include "core/broker/admin_executor.h"
#include "core/broker/broker_config.h"
#include "core/broker/broker_group_timer.h"
#include "core/broker/group_coordinator.h"
#include "core/broker/kafka_apis.h"
#include "core/broker/metadata_store.h"
#include "core/broker/producer_id_manager.h"
#include "core/broker/replica_manager.h"
#include "core/broker/socket_server.h"
#include "core/broker/timer.h"
#include "core/broker/topic_admin.h"
#include "core/storage/log_manager.h"

namespace kbench::broker {

class Broker {
 public:
  // Validates the config; nothing is opened yet.
  static Result<std::unique_ptr<Broker>> Create(BrokerConfig config);
  ~Broker();  // Stop()
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  Status Start();
  // Idempotent. After it returns no handler runs and every log is closed.
  void Stop();

  BrokerId id() const { return config_.node_id; }
  const BrokerConfig& config() const { return config_; }
  // The listener actually bound (port 0 resolved), and what clients are told to connect to.
  ListenerAddress bound_address() const;
  ListenerAddress advertised_address() const;
  uint16_t port() const { return server_ ? server_->port() : 0; }

  // Components, for tests and the embedded cluster (valid between Start and Stop).
  MetadataStore& metadata() { return *metadata_; }
  ReplicaManager& replicas() { return *replicas_; }
  TopicAdmin& topics() { return *topics_; }
  storage::LogManager& logs() { return *logs_; }
  KafkaApis& apis() { return *apis_; }
  AdminExecutor& admin() { return *admin_; }
  GroupCoordinator& groups() { return *groups_; }

 private:
  explicit Broker(BrokerConfig config) : config_(std::move(config)) {}
  Status OpenStorage();
  void RegisterSelf(const ListenerAddress& address);
  Status StartGroupCoordinator();
  void OnLeadershipChange(const std::shared_ptr<Partition>& partition, bool leader);
  void ScheduleMaintenance();
  void RunMaintenance();

  BrokerConfig config_;
  bool started_ = false;
  bool stopped_ = false;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<TopicAdmin> topics_;
  std::unique_ptr<ProducerIdManager> producer_ids_;
  std::shared_ptr<GroupCoordinator> groups_;
  std::unique_ptr<AdminExecutor> admin_;
  std::unique_ptr<KafkaApis> apis_;
  std::unique_ptr<SocketServer> server_;
  std::atomic<bool> maintenance_stopped_{false};
};

}  // namespace kbench::broker
