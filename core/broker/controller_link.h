// ControllerLink: a cluster broker's connections to its controller (docs/architecture.md,
// "Replication and the bundled cluster").
//
//   heartbeat thread  registers (BrokerHeartbeat with broker epoch -1 and this start's random
//                     incarnation), then long-polls: every heartbeat waits at the controller for
//                     up to broker.heartbeat.interval.ms and comes back at once with the metadata
//                     changes since the version applied here. STALE_BROKER_EPOCH (the controller
//                     fenced this broker, e.g. after a pause or an isolation) registers again.
//   apply thread      applies each change (hooks.apply_metadata: metadata store, leader/follower
//                     roles, fetchers, log creation). A large change (1,000 new logs, each
//                     fsynced) can take longer than broker.session.timeout.ms, so the heartbeat
//                     thread goes on heartbeating every broker.heartbeat.interval.ms meanwhile,
//                     reporting the version applied before it and ignoring the metadata the
//                     controller sends back (it comes again, complete, once the apply is done).
//                     Kafka's broker heartbeats are likewise independent of metadata publishing.
//   ISR thread        sends the leaders' ISR proposals (ProposeIsr, coalesced per partition) as
//                     AlterIsr requests and hands each partition's committed state back
//                     (hooks.isr_committed).
//   calls             ForwardCreateTopics / ForwardDeleteTopics / AllocateProducerIds (blocking,
//                     from the broker's admin thread) and ControlledShutdown (blocking, at Stop).
//
// BrokerGates: while paused the threads stop at their next step; while isolated they do not
// connect, and Interrupt() breaks calls in flight.
//
// Threads: Start/Stop from the broker's controlling thread; ProposeIsr from any thread (never
// blocks); the blocking calls from background threads only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/base/result.h"
#include "core/broker/broker_config.h"
#include "core/broker/broker_gates.h"
#include "core/broker/metadata_store.h"
#include "core/broker/partition.h"
#include "core/broker/peer_connection.h"
#include "core/protocol/cluster_request.h"

namespace kbench::broker {

struct ControllerLinkHooks {
  // Applies metadata from the controller (heartbeat thread). An error is logged and the same
  // changes come again with the next heartbeat.
  std::function<Status(const protocol::MetadataDelta&)> apply_metadata;
  // The controller's state of a partition after a proposal (nullopt: the proposal failed as a
  // whole and the partition keeps its own state).
  // (partition, the controller's state of it (nullopt: this broker was fenced), the refusal or
  // kNone when committed).
  std::function<void(const TopicPartition&, const std::optional<PartitionState>&, ErrorCode)>
      isr_committed;
  // What this broker registers as its address (the advertised listener).
  std::function<ListenerAddress()> advertised;
};

struct ControllerLinkCounters {
  std::atomic<int64_t> heartbeats{0};
  std::atomic<int64_t> registrations{0};
  std::atomic<int64_t> metadata_updates{0};
  std::atomic<int64_t> alter_isr_requests{0};
  std::atomic<int64_t> errors{0};
};

class ControllerLink {
 public:
  ControllerLink(const BrokerConfig& config, BrokerGates* gates,
                 ControllerLinkHooks hooks);  // gates not owned
  ~ControllerLink();                          // Stop()
  ControllerLink(const ControllerLink&) = delete;
  ControllerLink& operator=(const ControllerLink&) = delete;

  void Start();
  // Blocks until the first metadata from the controller has been applied (true), or timeout_ms
  // passed / the link stopped (false).
  bool WaitUntilRegistered(int64_t timeout_ms);
  bool registered() const { return registered_.load(std::memory_order_acquire); }
  int64_t broker_epoch() const { return broker_epoch_.load(std::memory_order_acquire); }
  int64_t applied_version() const { return applied_version_.load(std::memory_order_acquire); }

  void ProposeIsr(IsrProposal proposal);

  Result<protocol::CreateTopicsResponse> CreateTopics(const protocol::CreateTopicsRequest& req);
  Result<protocol::DeleteTopicsResponse> DeleteTopics(const protocol::DeleteTopicsRequest& req);
  // A block of producer ids: (first, count).
  Result<std::pair<ProducerId, int64_t>> AllocateProducerIds();
  // Moves this broker's leaderships away (blocks up to controlled.shutdown.timeout.ms). Once the
  // controller answered, heartbeats stop: the broker is fenced and must not register again.
  Result<protocol::ControlledShutdownResponse> ControlledShutdown();

  // Breaks every call in flight (isolation); threads reconnect when allowed.
  void Interrupt();
  // Ends the threads; calls in flight fail. Idempotent.
  void Stop();

  const ControllerLinkCounters& counters() const { return counters_; }

 private:
  void HeartbeatLoop();
  bool HeartbeatOnce();  // false on a failure (the caller backs off)
  void ApplyLoop();
  // Heartbeat thread: waits up to `ms` or until the apply in progress is done.
  void WaitForApply(int64_t ms);
  void IsrLoop();
  bool SendIsr(std::map<TopicPartition, IsrProposal>& batch);
  bool Connect(PeerConnection& c);
  void Sleep(int64_t ms);
  template <typename Resp, typename Req>
  Result<Resp> CallController(PeerConnection& c, const Req& req, int timeout_ms);

  const BrokerConfig config_;
  BrokerGates* const gates_;  // not owned
  const ControllerLinkHooks hooks_;
  const int64_t incarnation_;
  ControllerLinkCounters counters_;

  std::atomic<int64_t> broker_epoch_{-1};
  std::atomic<int64_t> applied_version_{-1};
  std::atomic<int32_t> controller_epoch_{-1};
  std::atomic<bool> registered_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> shutting_down_{false};  // ControlledShutdown was sent: never re-register
  std::atomic<bool> shut_down_{false};      // fenced after it: heartbeats have ended

  PeerConnection heartbeat_conn_;
  PeerConnection isr_conn_;
  std::mutex call_mu_;  // one blocking call at a time on call_conn_
  PeerConnection call_conn_;
  PeerConnection shutdown_conn_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<TopicPartition, IsrProposal> proposals_;  // guarded by mu_
  // The change handed to the apply thread, with the controller epoch it came with.
  std::mutex apply_mu_;
  std::condition_variable apply_cv_;
  std::optional<protocol::MetadataDelta> to_apply_;  // guarded by apply_mu_
  int32_t to_apply_controller_epoch_ = -1;           // guarded by apply_mu_
  bool applying_ = false;                            // guarded by apply_mu_: handed over, not done
  std::thread heartbeat_thread_;
  std::thread apply_thread_;
  std::thread isr_thread_;
};

}  // namespace kbench::broker
