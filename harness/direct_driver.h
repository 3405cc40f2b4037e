// The direct driver (`kbench run --driver direct`): drives the storage engine in-process, without
// the protocol, to separate storage cost from client and network cost (DESIGN.md). The runner's
// phases, metrics, audit and results are the same as with the kafka driver; only the clients
// differ (direct_producer.h, direct_consumer.h).
//
// The target is one LogManager over <data dir>/<run id>/ (the disk under test; the data dir
// defaults to the current directory), one PartitionLog per partition named as Kafka names them
// (<topic>-<partition>/<base offset>.log|.index|.timeindex), created with the profile's topicConfig
// over cluster.brokerConfig's log.* defaults (direct_config.h). The LogManager's background thread
// runs flush.ms, retention and the cleaner as a broker's would. Close() closes the logs (a clean
// shutdown, flushed) and removes the run's directory unless keep_data.
//
// What has no meaning in-process is handled explicitly: replicationFactor > 1 runs with one copy
// (results record replication factor 1, with a note); fault schedules are refused (Unsupported:
// there is no broker to crash); client properties that do nothing here are listed in notes().
// Results: target.kind "direct", brokers 1, `cluster` = the storage counters (bytes written,
// fsyncs, segments rolled and deleted, ...) and the notes; audit.loss_allowed only when retention
// could delete data before it is read (nothing else may lose an acknowledged message here).
//
// Threads: the Driver calls from the runner's thread; clients as driver.h says.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/storage/log_manager.h"
#include "harness/append_notifier.h"
#include "harness/direct_config.h"
#include "harness/driver.h"

namespace kbench::harness {

struct DirectDriverOptions {
  std::string data_dir =
      {};                   // the disk under test ("" = the current directory); created if missing
  std::string run_id = {};  // names the run's log dir, <data_dir>/<run_id> (must be new)
  bool keep_data = false;   // keep the run's log dir after Close()
};

class DirectDriver final : public Driver {
 public:
  // Checks what the profile asks for (faults: Unsupported; a bad property: InvalidArgument) and
  // the data dir (not a directory: InvalidArgument; not writable: IoError), before anything runs.
  static Result<std::unique_ptr<DirectDriver>> Create(const Workload& w,
                                                      DirectDriverOptions options);
  ~DirectDriver() override;
  DirectDriver(const DirectDriver&) = delete;
  DirectDriver& operator=(const DirectDriver&) = delete;

  // Opens the LogManager in the run's directory and creates every partition's log.
  Status PrepareTopics(const TopicSpec& spec) override;
  Result<std::unique_ptr<ProducerClient>> NewProducer(const ProducerClientOptions& o) override;
  Result<std::unique_ptr<ConsumerClient>> NewConsumer(const ConsumerClientOptions& o) override;
  // Straight from the logs: log start and log end offset.
  PartitionLogRanges LogRanges(const std::vector<uint32_t>& partitions,
                               const PartitionIndex& index) override;
  // The run's partition directories: the storage engine is on this host.
  Result<PageCacheEviction> EvictPageCache() override;
  std::vector<std::string> notes() const override { return notes_; }
  void FillResult(const Workload& w, results::RunResult* r) const override;
  Status Close() override;

  const std::string& log_dir() const { return log_dir_; }
  storage::LogManager* log_manager() { return manager_.get(); }

 private:
  DirectDriver(DirectDriverOptions options, DirectStorageConfig storage,
               DirectProducerConfig producer, DirectConsumerConfig consumer,
               std::vector<std::string> notes);
  Result<std::vector<std::shared_ptr<storage::PartitionLog>>> TopicLogs(int32_t topic) const;

  DirectDriverOptions options_;
  DirectStorageConfig storage_;
  DirectProducerConfig producer_config_;
  DirectConsumerConfig consumer_config_;
  std::vector<std::string> notes_;
  std::string log_dir_;
  std::unique_ptr<storage::LogManager> manager_;
  std::vector<std::vector<std::shared_ptr<storage::PartitionLog>>> logs_;  // [topic][partition]
  std::vector<std::shared_ptr<AppendSignals>> signals_;                    // by topic
  bool closed_ = false;
};

}  // namespace kbench::harness
