// Broker: one Kafka-protocol broker: its log manager (segments on disk, recovery, retention), its
// cluster metadata, the replica manager (partitions, high watermarks, producer state, acks=all and
// long-poll purgatories), the request handlers behind the dispatch table, and the socket server.
// Several Brokers may run in one process (the embedded cluster): each owns its own components,
// dirs and port; nothing is global.
//
//   BrokerConfig config;  config.log_dirs = {"/data/kbench"};  ...
//   KB_ASSIGN_OR_RETURN(std::unique_ptr<Broker> broker, Broker::Create(config));
//   KB_RETURN_IF_ERROR(broker->Start());      // loads (recovers) logs, then listens
//   broker->AwaitRegistration(30000);         // a cluster member: until the controller's
//                                             // metadata is applied (a lone broker: at once)
//   ... broker->bound_address() ...
//   broker->Stop();                           // clean: writes checkpoints + clean-shutdown marker
//
// Two modes, by config.cluster:
//  - lone broker (no members): it is its own controller; its metadata is persisted in its log
//    dirs; it leads every partition (Start(): leads every partition the metadata lists, creates
//    `__consumer_offsets`).
//  - cluster member: the controller (controller.h; hosted in this process when
//    config.cluster.host_controller) decides topics, leaders and ISRs; this broker registers
//    through its ControllerLink, keeps an in-memory copy of the metadata, leads or follows each of
//    its replicas as the controller says (followers fetch through the ReplicaFetcherManager),
//    proposes ISR changes, and forwards CreateTopics/DeleteTopics. Clients are served once the
//    first metadata is applied. Stop() first asks the controller to move its leaderships away
//    (controlled shutdown, unless disabled).
//
// Stop(): answers parked requests, stops the server (in-flight responses drain), checkpoints
// producer state and high watermarks, closes the logs (clean-shutdown marker). Crash(): what
// kill -9 leaves: every thread stopped, nothing checkpointed or flushed, files as they are (the
// next Start() recovers them). Pause/Resume, Isolate/Heal and HoldFetchers are the embedded
// cluster's fault injections (broker_gates.h).
//
// Threads: Start/Stop/Crash from one controlling thread; the fault switches and getters from any
// thread after Start().
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/broker/admin_executor.h"
#include "core/broker/broker_config.h"
#include "core/broker/broker_gates.h"
#include "core/broker/broker_group_timer.h"
#include "core/broker/controller.h"
#include "core/broker/controller_apis.h"
#include "core/broker/controller_link.h"
#include "core/broker/group_coordinator.h"
#include "core/broker/kafka_apis.h"
#include "core/broker/metadata_store.h"
#include "core/broker/producer_id_manager.h"
#include "core/broker/replica_fetcher.h"
#include "core/broker/replica_manager.h"
#include "core/broker/socket_server.h"
#include "core/broker/timer.h"
#include "core/broker/topic_admin.h"
#include "core/protocol/cluster_metadata.h"
#include "core/storage/log_manager.h"

namespace kbench::broker {

class Broker {
 public:
  // Validates the config; nothing is opened yet.
  static Result<std::unique_ptr<Broker>> Create(BrokerConfig config);
  ~Broker();  // Stop() unless crashed
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  Status Start();
  // A cluster member: true once the controller's metadata is applied and clients are served;
  // false after timeout_ms. A lone broker: true.
  bool AwaitRegistration(int64_t timeout_ms);
  // Idempotent. After it returns no handler runs and every log is closed. A cluster member asks
  // the controller to move its leaderships away first (controlled shutdown) when
  // `controlled_shutdown` and controlled.shutdown.enable are both true.
  void Stop(bool controlled_shutdown = true);
  // kill -9: stops every thread at once; no checkpoint, flush or clean-shutdown marker is written
  // and parked requests are dropped with their connections. Stop() after it does nothing.
  void Crash();

  // ---- Fault injection (broker_gates.h). ----
  void Pause();
  void Resume();
  void Isolate();
  void Heal();
  // Holds this broker's replica fetchers once their requests in flight are applied (true), or lets
  // them go on (false). A cluster member only.
  void HoldFetchers(bool hold);

  BrokerId id() const { return config_.node_id; }
  const BrokerConfig& config() const { return config_; }
  bool clustered() const { return config_.cluster.enabled(); }
  // The listener actually bound (port 0 resolved), and what clients are told to connect to.
  ListenerAddress bound_address() const;
  ListenerAddress advertised_address() const;
  uint16_t port() const { return server_ ? server_->port() : 0; }

  // Observes every leadership change of this broker's partitions (set before Start).
  void SetRoleObserver(ReplicaManager::RoleObserver observer) {
    role_observer_ = std::move(observer);
  }

  // Components, for tests and the embedded cluster (valid between Start and Stop).
  MetadataStore& metadata() { return *metadata_; }
  ReplicaManager& replicas() { return *replicas_; }
  TopicAdmin& topics() { return *topics_; }
  storage::LogManager& logs() { return *logs_; }
  KafkaApis& apis() { return *apis_; }
  AdminExecutor& admin() { return *admin_; }
  GroupCoordinator& groups() { return *groups_; }
  BrokerGates& gates() { return gates_; }
  ReplicaFetcherManager* fetchers() { return fetchers_.get(); }  // null on a lone broker
  ControllerLink* link() { return link_.get(); }                 // null on a lone broker
  Controller* hosted_controller() { return controller_.get(); }  // null unless hosted here

 private:
  explicit Broker(BrokerConfig config) : config_(std::move(config)) {}
  Status OpenStorage();
  void RegisterSelf(const ListenerAddress& address);
  Status StartGroupCoordinator();
  Status StartReplication();
  Status StartHostedController();
  void OnLeadershipChange(const std::shared_ptr<Partition>& partition, bool leader);
  void ScheduleMaintenance();
  void RunMaintenance();
  void ScheduleReplicationTasks();
  void ScheduleHighWatermarkCheckpoint();

  // Cluster metadata from the controller (ControllerLink's heartbeat thread).
  Status ApplyMetadata(const protocol::MetadataDelta& delta);
  Status ApplyImage(const protocol::MetadataDelta& delta, std::vector<TopicPartition>* affected);
  Status ApplyChanges(const protocol::MetadataDelta& delta, std::vector<TopicPartition>* affected);
  Status Reconcile(const TopicPartition& tp, std::map<std::string, TopicConfig>* configs);
  Status CheckClusterId(const std::string& cluster_id);

  BrokerConfig config_;
  bool started_ = false;
  bool stopped_ = false;
  BrokerGates gates_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<ReplicaFetcherManager> fetchers_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<TopicAdmin> topics_;
  std::unique_ptr<ProducerIdManager> producer_ids_;
  std::shared_ptr<GroupCoordinator> groups_;
  std::unique_ptr<AdminExecutor> admin_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ControllerApis> controller_apis_;
  std::unique_ptr<KafkaApis> apis_;
  std::unique_ptr<SocketServer> server_;
  std::unique_ptr<ControllerLink> link_;
  std::atomic<bool> maintenance_stopped_{false};
  bool cluster_id_checked_ = false;  // heartbeat thread only
  ReplicaManager::RoleObserver role_observer_;
};

}  // namespace kbench::broker
