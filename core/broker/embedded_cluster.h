// EmbeddedCluster: a bundled Kafka-compatible cluster inside this process, for `kbench run`'s
// default target, `kbench cluster`, the fault tests and the replication benchmark. N brokers
// (ids 1..N) listen on loopback ports, each with its own log dir, and replicate over TCP; one
// controller (its own port and metadata dir, not a quorum) decides leaders and ISRs. Clients see
// an ordinary cluster through bootstrap().
//
//   EmbeddedClusterOptions o;
//   o.brokers = 3;  o.data_dir = "/mnt/disk-under-test/kbench";  o.racks = {"a", "b", "c"};
//   o.properties["min.insync.replicas"] = "2";
//   KB_ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedCluster> c, EmbeddedCluster::Start(o));
//   librdkafka: bootstrap.servers = c->bootstrap();
//   c->Crash(BrokerId(2));  ...  c->Restart(BrokerId(2));
//   ClusterStats s = c->Stats();   // -> results JSON `cluster` and `unavailability`
//   c->Shutdown();
//
// Faults (each returns once done; errors name the broker and its state):
//   Crash(id)        kill -9: every thread of the broker stops, nothing is flushed or checkpointed,
//                    its files stay as they are; the controller notices after
//                    broker.session.timeout.ms.
//   StopCleanly(id)  SIGTERM: controlled shutdown (leaders moved one at a time) then a clean stop.
//   Restart(id)      after Crash or StopCleanly: a new broker over the same dirs and port (log
//                    recovery after a crash); returns once it has registered and is serving.
//   Pause/Resume     SIGSTOP/SIGCONT: the broker stops serving, fetching and heartbeating without
//                    closing anything.
//   Isolate/Heal     its network to clients, peers and the controller is cut (connections reset).
//   HoldFollowerFetchers(id, true)  its replica fetchers stop copying once their requests in flight
//                    are applied (acks=1 loss scenario); false lets them go on.
//
// Ports: with base_port 0 every broker gets an ephemeral port at its first start and keeps it for
// its restarts; with base_port P broker i listens on P + i - 1 and the controller on P + N.
// Dirs: broker i uses broker_dirs[i-1] or <data_dir>/broker-<i>; the controller <data_dir>/controller.
//
// Threads: every method may be called from any thread; fault calls are serialized. broker(id)
// pointers stay valid until the next fault call on that broker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/broker/availability_tracker.h"
#include "core/broker/broker.h"
#include "core/broker/controller.h"
#include "core/broker/controller_apis.h"
#include "core/broker/socket_server.h"
#include "core/storage/storage_counters.h"

namespace kbench::broker {

struct EmbeddedClusterOptions {
  int32_t brokers = 3;
  std::string data_dir;                  // required unless broker_dirs covers every broker
  std::vector<std::string> broker_dirs;  // empty, or one log dir per broker
  std::vector<std::string> racks;        // empty, or one broker.rack per broker
  // Broker properties by their Kafka names (what `--set key=value` gives), for every broker and
  // the controller (topic defaults, replication and controller timings). node.id, listeners and
  // log.dirs are the cluster's.
  std::map<std::string, std::string> properties;
  std::string host = "127.0.0.1";
  uint16_t base_port = 0;
  // How long Start() and Restart() wait for brokers to register and __consumer_offsets to be led.
  int64_t start_timeout_ms = 60000;
};

enum class BrokerStatus { kRunning, kPaused, kIsolated, kCrashed, kStopped };
std::string_view BrokerStatusName(BrokerStatus s);

struct ClusterStats {
  // From the controller.
  int64_t isr_shrinks = 0;
  int64_t isr_expands = 0;
  int64_t leader_elections = 0;
  int64_t unclean_leader_elections = 0;
  int64_t offline_partitions = 0;  // now
  int64_t brokers_fenced = 0;
  int64_t controlled_shutdowns = 0;
  // Completed elections: election time = (applied_ns - decided_ns); see controller.h.
  std::vector<ElectionRecord> elections;
  // Per partition, from the fault's instant to the new leader serving (availability_tracker.h).
  std::vector<UnavailabilityWindow> unavailability;
  // Summed over every broker and every incarnation of it (storage_counters.h).
  int64_t bytes_written = 0;
  int64_t fsyncs = 0;
  int64_t bytes_truncated = 0;         // by follower truncation (storage counter)
  int64_t recovery_bytes_truncated = 0;
  // Replication.
  int64_t follower_bytes_fetched = 0;
  int64_t follower_truncations = 0;

  // Election time in ms at percentile p (0..100) over `elections`; 0 when there are none.
  double ElectionMsPercentile(double p) const;
};

class EmbeddedCluster {
 public:
  static Result<std::unique_ptr<EmbeddedCluster>> Start(EmbeddedClusterOptions options);
  ~EmbeddedCluster();  // Shutdown()
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,..." over every broker (up or not), in id order.
  std::string bootstrap() const;
  std::vector<BrokerId> broker_ids() const;
  std::string controller_address() const;

  Status Crash(BrokerId id);
  Status StopCleanly(BrokerId id);
  Status Restart(BrokerId id);
  Status Pause(BrokerId id);
  Status Resume(BrokerId id);
  Status Isolate(BrokerId id);
  Status Heal(BrokerId id);
  Status HoldFollowerFetchers(BrokerId id, bool hold);

  BrokerStatus status(BrokerId id) const;
  // The running broker (also when paused or isolated); nullptr when crashed or stopped.
  Broker* broker(BrokerId id);
  Controller& controller() { return *controller_; }

  ClusterStats Stats() const;

  // Until every partition of every topic has a leader and an ISR of all its replicas (and every
  // replica is caught up to its leader's log end), or timeout_ms (TimedOut naming a partition).
  Status AwaitFullyReplicated(int64_t timeout_ms);

  // Stops every broker cleanly (without controlled shutdown: the whole cluster goes), then the
  // controller. Idempotent.
  void Shutdown();

 private:
  struct Node {
    BrokerId id;
    BrokerConfig config;  // listeners fixed to the port bound first
    std::unique_ptr<Broker> broker;
    BrokerStatus status = BrokerStatus::kStopped;
    storage::StorageCountersSnapshot retired;  // counters of earlier incarnations
    int64_t retired_fetched = 0;
    int64_t retired_truncations = 0;
  };

  explicit EmbeddedCluster(EmbeddedClusterOptions options) : options_(std::move(options)) {}
  Status StartController();
  Result<BrokerConfig> MakeBrokerConfig(int32_t index) const;
  Status StartNode(Node& node);
  void Retire(Node& node);  // adds a stopped/crashed broker's counters to the totals
  Node* Find(BrokerId id);
  Result<Node*> FindOrError(BrokerId id);
  void Observe(Broker& broker);  // feeds availability_
  const Node* Find(BrokerId id) const;
  Status AwaitServing(int64_t timeout_ms);
  Status Expect(const Node& node, std::initializer_list<BrokerStatus> allowed,
                std::string_view action) const;

  EmbeddedClusterOptions options_;
  mutable std::mutex mu_;  // serializes fault calls and guards nodes_' states
  std::vector<Node> nodes_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<ControllerApis> controller_apis_;
  std::unique_ptr<SocketServer> controller_server_;
  AvailabilityTracker availability_;
  bool shut_down_ = false;
};

}  // namespace kbench::broker
