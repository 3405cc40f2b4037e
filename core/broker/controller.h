// Controller: the one controller of a bundled cluster (docs/architecture.md, "Replication and the
// bundled cluster"). It owns the authoritative cluster metadata (topics, replica assignments,
// leaders, leader epochs, ISRs, producer-id blocks; persisted in
// `<dir>/kbench-controller-metadata`), knows which brokers are alive, and decides every change:
//
//   membership   static: the member ids come from the cluster config; a member registers with a
//                BrokerHeartbeat (fenced until it has applied the metadata), heartbeats every
//                broker.heartbeat.interval.ms, and is fenced when none arrives for
//                broker.session.timeout.ms, or when it registers again with a new incarnation
//                (it restarted, possibly faster than the session timeout).
//   elections    when a leader is fenced, from the ISR in replica order; unclean (an out-of-sync
//                replica, ISR = itself) only with the topic's unclean.leader.election.enable; with
//                nobody eligible the partition waits with its last ISR (partition_election.h).
//                When a broker becomes active, partitions without a leader that it may lead are
//                elected. Each election's time (decision -> the new leader has applied it) is
//                recorded, and elections, unclean elections, ISR shrinks and expands are counted
//                and logged at WARN (seed 000: shrinks logged at INFO went unnoticed).
//   ISR          leaders propose changes (AlterIsr); the controller checks leader epoch and
//                partition epoch and commits.
//   shutdown     ControlledShutdown moves a broker's leaderships one partition at a time (each
//                persisted, published and applied by the new leader before the next), takes it
//                out of every ISR, answers with what could not move, and fences it.
//   rebalance    every leader.imbalance.check.interval.ms, brokers leading fewer than
//                (100 - leader.imbalance.per.broker.percentage)% of the partitions they prefer get
//                them back (auto.leader.rebalance.enable).
//   topics       CreateTopics / DeleteTopics forwarded by brokers; placement is rack-aware
//                (replica_placement.h); `__consumer_offsets` is created once enough brokers are
//                active; answers wait until every active broker has applied the change.
//
// It is one process-local component, not a quorum: if it stops, the brokers keep serving what they
// lead, but nothing is re-elected and ISRs cannot change until it is back (docs say so).
//
// Brokers learn the metadata by long-polling (BrokerHeartbeat returns the changes since the
// version they applied, metadata_changes.h); a broker's next heartbeat reports what it applied.
//
// Threads: all decisions run on the controller's own thread in arrival order (Kafka's controller
// event queue); Handle* may be called from any thread (the network threads) and answer through
// their callback exactly once, from the controller thread or at Stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/topic_partition.h"
#include "core/broker/admin_executor.h"
#include "core/broker/broker_config.h"
#include "core/broker/metadata_changes.h"
#include "core/broker/metadata_store.h"
#include "core/broker/partition_election.h"
#include "core/broker/timer.h"
#include "core/broker/topic_admin.h"
#include "core/protocol/cluster_request.h"

namespace kbench::broker {

struct ControllerConfig {
  std::vector<BrokerId> members;  // static membership
  std::string dir;                // where the controller's metadata file lives
  // Topic defaults (num.partitions, default.replication.factor, min.insync.replicas, log.*,
  // unclean.leader.election.enable), the offsets topic settings and the replication settings
  // (heartbeats, session timeout, controlled shutdown, rebalancing) are read from here.
  BrokerConfig broker;
  std::string name = "controller";
};

// One leader election, for the embedded cluster's Stats() and the results JSON.
struct ElectionRecord {
  TopicPartition tp;
  BrokerId previous_leader{-1};
  BrokerId leader{-1};
  LeaderEpoch leader_epoch{0};
  std::string reason;  // "failure", "controlled shutdown", "preferred", "broker returned"
  bool unclean = false;
  int64_t decided_ns = 0;  // MonoNanos when the controller decided
  int64_t applied_ns = 0;  // MonoNanos when the new leader reported it applied the change
};

struct ControllerStats {
  int64_t leader_elections = 0;  // leadership changes to a new leader (not topic creation)
  int64_t unclean_leader_elections = 0;
  int64_t isr_shrinks = 0;  // partitions whose ISR lost members (AlterIsr or fencing)
  int64_t isr_expands = 0;
  // AlterIsr changes refused (stale epochs, ineligible replicas): leaders should rarely propose
  // what the controller must refuse (none for a replica known to be shutting down or fenced).
  int64_t isr_changes_refused = 0;
  int64_t offline_partitions = 0;  // now: no leader
  int64_t brokers_fenced = 0;
  int64_t controlled_shutdowns = 0;
  int64_t metadata_version = 0;
  std::vector<ElectionRecord> elections;  // completed ones (applied by the new leader), in order
};

class Controller {
 public:
  static Result<std::unique_ptr<Controller>> Create(ControllerConfig config);
  ~Controller();  // Stop()
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Loads the metadata (bumping the controller epoch) and starts the thread and the timer.
  Status Start();
  // Answers every parked request (heartbeats, waiting admin requests) and stops. Idempotent.
  void Stop();

  int32_t controller_epoch() const { return controller_epoch_; }
  ControllerStats Stats() const;
  // The controller's committed (persisted) copy of a topic; nullopt when it does not exist. Safe
  // from any thread (the store locks); what brokers apply lags it by one metadata round trip.
  std::optional<TopicRecord> Topic(std::string_view name) const;

  using HeartbeatDone = std::function<void(protocol::BrokerHeartbeatResponse)>;
  using AlterIsrDone = std::function<void(protocol::AlterIsrResponse)>;
  using ShutdownDone = std::function<void(protocol::ControlledShutdownResponse)>;
  using ProducerIdsDone = std::function<void(protocol::AllocateProducerIdsResponse)>;
  using CreateTopicsDone = std::function<void(protocol::CreateTopicsResponse)>;
  using DeleteTopicsDone = std::function<void(protocol::DeleteTopicsResponse)>;

  void HandleHeartbeat(protocol::BrokerHeartbeatRequest req, HeartbeatDone done);
  void HandleAlterIsr(protocol::AlterIsrRequest req, AlterIsrDone done);
  void HandleControlledShutdown(protocol::ControlledShutdownRequest req, ShutdownDone done);
  void HandleAllocateProducerIds(protocol::AllocateProducerIdsRequest req, ProducerIdsDone done);
  void HandleCreateTopics(protocol::CreateTopicsRequest req, CreateTopicsDone done);
  void HandleDeleteTopics(protocol::DeleteTopicsRequest req, DeleteTopicsDone done);

 private:
  enum class BrokerState : uint8_t { kOffline, kFenced, kActive, kShuttingDown };
  struct Registration {
    BrokerState state = BrokerState::kOffline;
    int64_t incarnation = 0;
    int64_t epoch = -1;
    BrokerEndpoint endpoint;
    int64_t last_heartbeat_ns = 0;
    int64_t applied_version = -1;
    int64_t registered_version = 0;  // metadata version when it registered
  };
  struct ParkedHeartbeat {
    BrokerId broker;
    int64_t deadline_ns;
    HeartbeatDone done;
  };
  // Runs `done` once every broker in `brokers` that is still active has applied `version`, or at
  // the deadline (timed_out = true).
  struct VersionWaiter {
    int64_t version;
    std::set<BrokerId> brokers;
    int64_t deadline_ns;
    std::function<void(bool timed_out)> done;
  };
  struct PendingElection {
    ElectionRecord record;
    int64_t version;
  };
  struct ShutdownJob {
    BrokerId broker;
    int64_t deadline_ns;
    std::vector<TopicPartition> to_move;
    size_t next = 0;
    std::vector<protocol::ControlledShutdownResponse::Remaining> remaining;
    ShutdownDone done;
  };
  // A change of partition states, decided together and persisted with one write.
  struct Batch {
    std::vector<std::pair<std::string, PartitionState>> states;
    std::vector<std::pair<ElectionRecord, BrokerId>> elections;  // record, new leader
  };

  explicit Controller(ControllerConfig config);
  void Post(std::function<void()> task);
  void Tick();
  void ScheduleTick();

  // Membership.
  void OnHeartbeat(protocol::BrokerHeartbeatRequest req, HeartbeatDone done);
  void Register(const protocol::BrokerHeartbeatRequest& req, Registration& reg);
  void Activate(BrokerId id);
  void Fence(const std::vector<BrokerId>& ids, const std::string& why);
  void CheckSessions(int64_t now);
  void ReplyHeartbeats(bool expired_only);
  protocol::BrokerHeartbeatResponse HeartbeatResponse(const Registration& reg, bool with_metadata);
  std::vector<BrokerEndpoint> LiveBrokers() const;
  void PublishBrokers();
  BrokerLiveness Liveness() const;
  bool Alive(BrokerId b) const;

  // Metadata changes.
  Status Apply(Batch batch);
  void ElectAll(const std::string& reason, const std::set<BrokerId>& fenced, Batch* batch);
  void RecordElection(const std::string& topic, const PartitionState& before,
                      const ElectionOutcome& e, const std::string& reason, Batch* batch);
  void CountIsrChange(const std::string& topic, const PartitionState& before,
                      const PartitionState& after);
  void MaybeCreateOffsetsTopic();
  void CheckWaiters(int64_t now);
  void WaitForVersion(int64_t version, std::set<BrokerId> brokers, int64_t timeout_ms,
                      std::function<void(bool)> done);
  std::set<BrokerId> ActiveBrokers() const;
  bool UncleanAllowed(const std::string& topic) const;
  void MaybeRebalance(int64_t now);

  // Requests.
  void OnAlterIsr(const protocol::AlterIsrRequest& req, AlterIsrDone done);
  void OnControlledShutdown(const protocol::ControlledShutdownRequest& req, ShutdownDone done);
  void ContinueShutdown(std::shared_ptr<ShutdownJob> job);
  void FinishShutdown(std::shared_ptr<ShutdownJob> job, bool timed_out);
  void OnCreateTopics(const protocol::CreateTopicsRequest& req, CreateTopicsDone done);
  void OnDeleteTopics(const protocol::DeleteTopicsRequest& req, DeleteTopicsDone done);
  bool CheckEpoch(BrokerId id, int64_t epoch) const;

  const ControllerConfig config_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<TopicAdmin> planner_;  // Plan() only
  int32_t controller_epoch_ = 0;
  std::unique_ptr<AdminExecutor> thread_;
  std::unique_ptr<Timer> timer_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  // Controller thread only.
  MetadataChanges changes_;
  std::map<BrokerId, Registration> brokers_;
  int64_t next_broker_epoch_ = 0;
  std::vector<ParkedHeartbeat> parked_;
  std::vector<VersionWaiter> waiters_;
  std::map<TopicPartition, PendingElection> pending_elections_;
  std::map<BrokerId, std::shared_ptr<ShutdownJob>> shutdowns_;
  int64_t next_rebalance_ns_ = 0;
  int64_t grace_until_ns_ = 0;  // members not registered since Start are not gone before this

  mutable std::mutex stats_mu_;
  ControllerStats stats_;  // guarded by stats_mu_
};

}  // namespace kbench::broker
