// Test support for the fault scenarios (tests/faults) and the replication benchmark: an embedded
// cluster with loopback-tuned timings in its own temp dir, partition state as the cluster's
// Metadata reports it (leader, replicas, ISR, through librdkafka), bounded waits on that state, and
// a synchronous producer that sends one message at a time and records every delivery report in the
// form cluster_clients.h's Audit() reconciles.
//
// Ownership: FaultCluster owns its cluster and its temp dir (removed on destruction, after the
// cluster is shut down). ProbeProducer owns one librdkafka producer.
// Threads: FaultCluster's methods as EmbeddedCluster's (any thread); ProbeProducer is used from one
// thread. Every wait is bounded by the timeout it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/broker/embedded_cluster.h"
#include "tests/integration/cluster_clients.h"

namespace kbench::broker::testing {

// Heartbeats of 50 ms, a session timeout of 400 ms, replica.lag.time.max.ms 2000, short fetch
// waits and backoffs, 3 offsets partitions, no rebalance delay: a fault is noticed within about
// half a second on loopback.
std::map<std::string, std::string> LoopbackTimings();

// A producer's config: bootstrap.servers, acks, linger.ms 2, idempotence only for acks=all,
// short backoffs and metadata refreshes (so clients notice a new leader quickly), then `extra`.
Config ProducerConfig(const std::string& bootstrap, const std::string& acks,
                      const Config& extra = {});

class FaultCluster {
 public:
  // `overrides` replace or add to LoopbackTimings(). The cluster's dir is a new temp dir under
  // `parent` (default $TMPDIR or /tmp).
  static Result<std::unique_ptr<FaultCluster>> Start(
      int brokers, const std::map<std::string, std::string>& overrides = {},
      const std::string& parent = {});
  ~FaultCluster();  // shuts the cluster down, then removes the dir

  EmbeddedCluster& cluster() { return *cluster_; }
  std::string bootstrap() const { return cluster_->bootstrap(); }
  // Only the brokers running now: librdkafka clients that start while some bootstrap brokers are
  // down can spend seconds on them before asking a live one.
  std::string live_bootstrap() const;
  const std::string& dir() const { return dir_; }
  // Where broker `id` keeps its log dir.
  std::string broker_dir(BrokerId id) const;

 private:
  FaultCluster() = default;
  std::string dir_;  // removed by the destructor
  std::unique_ptr<EmbeddedCluster> cluster_;
};

struct PartitionView {
  int32_t leader = -1;  // -1: offline
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int error = 0;  // the partition's error in the Metadata answer (rd_kafka_resp_err_t)
};

// One Metadata request for `topic` (any live broker of the bootstrap list answers).
Result<std::map<int32_t, PartitionView>> DescribeTopic(const std::string& bootstrap,
                                                       const std::string& topic);

// Polls DescribeTopic until `done(state of partition)` holds for every partition in `partitions`
// (all of the topic's when empty); TimedOut naming the first partition that did not get there.
Status AwaitPartitions(const std::string& bootstrap, const std::string& topic,
                       const std::function<bool(const PartitionView&)>& done, int timeout_ms,
                       const std::vector<int32_t>& partitions = {});

// Messages of `topic` in the cluster's unavailability windows and elections.
std::vector<UnavailabilityWindow> WindowsOf(const ClusterStats& stats, const std::string& topic);
std::vector<ElectionRecord> ElectionsOf(const ClusterStats& stats, const std::string& topic);

// Sends one message at a time and waits for its delivery report: the way to see the exact error
// each produce attempt gets (use retries=0 in `config` to see retriable errors such as 19).
class ProbeProducer {
 public:
  static Result<std::unique_ptr<ProbeProducer>> Create(const Config& config);
  ~ProbeProducer();
  ProbeProducer(const ProbeProducer&) = delete;
  ProbeProducer& operator=(const ProbeProducer&) = delete;

  // Produces `value` to topic/partition and waits up to timeout_ms for the report; returns the
  // report's error (rd_kafka_resp_err_t, 0 = acknowledged). TimedOut if no report came.
  Result<int> Send(const std::string& topic, int32_t partition, const std::string& value,
                   int timeout_ms);
  // Every message sent so far with its report (for Audit()).
  const std::vector<SentMessage>& sent() const { return sent_; }

 private:
  ProbeProducer() = default;
  void* rk_ = nullptr;  // rd_kafka_t
  std::vector<SentMessage> sent_;
};

// Sends probes "<prefix>-<i>" until `accept(error)` holds (returns that error) or timeout_ms
// passes (TimedOut naming the last error). Each probe waits up to probe_timeout_ms.
Result<int> ProbeUntil(ProbeProducer& producer, const std::string& topic, int32_t partition,
                       const std::string& prefix, const std::function<bool(int)>& accept,
                       int timeout_ms, int probe_timeout_ms = 2000);

}  // namespace kbench::broker::testing
