// The embedded target (`kbench run PROFILE` with neither --bootstrap nor --driver): a bundled
// replicated cluster (core/broker/embedded_cluster.h) started in this process from the profile,
// driven through librdkafka exactly as an external cluster would be (the kafka driver pointed at
// its bootstrap), broken on the profile's fault schedule while the run goes on.
//
// From the profile: cluster.brokers (ids 1..N), cluster.racks, cluster.dataDirs (one log dir per
// broker) and cluster.brokerConfig (broker properties by their Kafka names); topics are created
// with replicationFactor and topicConfig by the kafka driver. Log dirs: cluster.dataDirs, else
// <data dir>/<run id>/broker-<i>, the controller in <data dir>/<run id>/controller. With a data dir
// given (--data-dir, the disk under test) the run's directory is kept; without one it is a
// directory under the system's temporary directory, removed by Close() (unless keep_data).
//
// Faults: RunStarted() starts the schedule (fault_schedule.h); Close() stops it, shuts the
// cluster down and removes the temporary data. Results: target.kind "embedded", `faults`,
// `unavailability` (run-relative seconds) and `cluster` (docs/results.md: ISR shrinks/expands,
// elections with their times, unavailability, bytes written, fsyncs, ...).
//
// Threads: the Driver calls from the runner's thread; clients as driver.h says; the fault thread
// only calls the cluster.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/broker/embedded_cluster.h"
#include "harness/driver.h"
#include "harness/fault_schedule.h"
#include "harness/kafka_driver.h"

namespace kbench::harness {

struct EmbeddedDriverOptions {
  std::string data_dir = {};  // root of the run's log dirs; "" = a temporary directory, removed
  std::string run_id = {};    // names the run's directory under data_dir
  bool keep_data = false;     // keep a temporary directory too
  int64_t start_timeout_ms = 60000;
};

class EmbeddedDriver final : public Driver {
 public:
  // Starts the cluster (InvalidArgument for a bad broker property, IoError for a data dir the OS
  // refuses); returns once every broker is registered and serving.
  static Result<std::unique_ptr<EmbeddedDriver>> Create(const Workload& w,
                                                        EmbeddedDriverOptions options);
  ~EmbeddedDriver() override;
  EmbeddedDriver(const EmbeddedDriver&) = delete;
  EmbeddedDriver& operator=(const EmbeddedDriver&) = delete;

  Status PrepareTopics(const TopicSpec& spec) override;
  Result<std::unique_ptr<ProducerClient>> NewProducer(const ProducerClientOptions& o) override {
    return kafka_->NewProducer(o);
  }
  Result<std::unique_ptr<ConsumerClient>> NewConsumer(const ConsumerClientOptions& o) override {
    return kafka_->NewConsumer(o);
  }
  PartitionLogRanges LogRanges(const std::vector<uint32_t>& partitions,
                               const PartitionIndex& index) override {
    return kafka_->LogRanges(partitions, index);
  }
  Result<PageCacheEviction> EvictPageCache() override { return kafka_->EvictPageCache(); }
  void RunStarted(int64_t start_ns) override;
  void FillResult(const Workload& w, results::RunResult* r) const override;
  Status Close() override;

  broker::EmbeddedCluster& cluster() { return *cluster_; }
  const std::string& run_dir() const { return run_dir_; }

 private:
  EmbeddedDriver() = default;

  std::unique_ptr<broker::EmbeddedCluster> cluster_;
  std::unique_ptr<KafkaDriver> kafka_;
  std::unique_ptr<FaultSchedule> faults_;
  std::string run_dir_;
  bool temporary_ = false;  // run_dir_ is under the system's temporary directory
  bool remove_dir_ = false;
  int64_t start_ns_ = 0;
  broker::ClusterStats baseline_;  // at RunStarted
  bool closed_ = false;
};

// The `cluster` object of the results: the counters of `s` minus those of `before` (taken when the
// run started), elections and unavailability from start_ns on, times relative to start_ns.
nlohmann::json ClusterStatsToJson(const broker::ClusterStats& s, const broker::ClusterStats& before,
                                  int64_t start_ns);

}  // namespace kbench::harness
