// The kafka driver: librdkafka producers and consumers that speak to any Kafka-protocol cluster
// (Apache Kafka, `kbench broker`s, the embedded cluster, librdkafka's mock cluster) and feed the
// harness's measurements:
//   producer delivery report -> audit Acked/Failed, publish latency (ack time - intended send time)
//   consumer message         -> audit Consumed, end-to-end latency (receive time - intended send
//   time)
// Both decode the kbench payload header (payload_format.h); the producer never keeps per-message
// state.
//
// Ownership: each KafkaProducer / KafkaConsumer owns its rd_kafka_t. The audit, recorders,
// partition index and clock mapping are borrowed (not owned) and must outlive them. Threads: a
// producer is driven by one thread (Send + Poll; delivery reports run inside Poll/Flush); a
// consumer by one thread. The audit and recorders are safe to share as documented in their headers.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "harness/clock_mapping.h"
#include "harness/driver.h"
#include "harness/durability_audit.h"
#include "harness/error_counter.h"
#include "harness/latency_recorder.h"
#include "harness/partition_index.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace kbench::harness {

struct KafkaProducerOptions {
  std::string bootstrap;
  std::map<std::string, std::string> config;  // producerConfig, as librdkafka properties
  uint32_t producer_id = 0;
  const PartitionIndex* partitions = nullptr;  // not owned
  // Not owned. Every acknowledgement or failure goes to each: one audit per subscription reading
  // the topic.
  std::vector<DurabilityAudit*> audits;
  LatencyRecorder* publish_latency = nullptr;  // not owned; may be null
  const ClockMapping* clock = nullptr;         // not owned
};

class KafkaProducer final : public ProducerClient {
 public:
  // Fails with InvalidArgument naming the property librdkafka refused ("producerConfig.linger.ms:
  // ...").
  static Result<std::unique_ptr<KafkaProducer>> Create(const KafkaProducerOptions& options);
  ~KafkaProducer() override;
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Hands one message to librdkafka (copied). A full local queue is waited out by polling (the send
  // loop falls behind, which shows as publish delay). key empty = no key.
  Status Send(const OutgoingMessage& m) override;
  // Serves delivery reports for up to timeout_ms.
  void Poll(int timeout_ms) override;
  // Waits until every message is acknowledged or failed; TimedOut with the count still in flight.
  Status Flush(int timeout_ms) override;

  int64_t acked() const override { return acked_.load(std::memory_order_relaxed); }
  int64_t acked_bytes() const override { return acked_bytes_.load(std::memory_order_relaxed); }
  int64_t failed() const override { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const override { return errors_.Snapshot(); }
  int64_t in_flight() const;

 private:
  explicit KafkaProducer(const KafkaProducerOptions& options) : options_(options) {}
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* m, void* opaque);

  KafkaProducerOptions options_;
  rd_kafka_s* rk_ = nullptr;
  std::vector<rd_kafka_topic_s*> topics_;
  std::atomic<int64_t> acked_{0}, acked_bytes_{0};
  ErrorCounter errors_;
};

struct KafkaConsumerOptions {
  std::string bootstrap;
  std::string group_id;
  std::vector<std::string> topics;             // subscribed
  std::map<std::string, std::string> config;   // consumerConfig
  const PartitionIndex* partitions = nullptr;  // not owned
  DurabilityAudit* audit = nullptr;            // not owned; may be null
  LatencyRecorder* e2e_latency = nullptr;      // not owned; may be null
  const ClockMapping* clock = nullptr;         // not owned
  double processing_delay_ms = 0;              // a slow consumer: time spent per message
};

class KafkaConsumer final : public ConsumerClient {
 public:
  // Joins the group and subscribes (auto.offset.reset defaults to earliest: a run reads what it
  // wrote).
  static Result<std::unique_ptr<KafkaConsumer>> Create(const KafkaConsumerOptions& options);
  ~KafkaConsumer() override;
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Waits up to timeout_ms for messages and records each; returns how many kbench messages it
  // consumed.
  int Poll(int timeout_ms) override;
  // Commits the current positions synchronously.
  Status Commit();
  // Leaves the group (commits first when auto-commit is on). Idempotent.
  Status Close() override;
  // Positions and high watermarks (as last seen in a fetch response) of the partitions currently
  // assigned (for lag). Cheap: librdkafka's cached values, no request.
  std::vector<PartitionPosition> Positions() override;
  // rd_kafka_pause_partitions / resume_partitions on the assignment (librdkafka drops what it had
  // prefetched and fetches from the position on resume); the rebalance callback pauses partitions
  // assigned while paused.
  void Pause(bool paused) override;

  int64_t consumed() const override { return consumed_.load(std::memory_order_relaxed); }
  int64_t consumed_bytes() const override {
    return consumed_bytes_.load(std::memory_order_relaxed);
  }
  int64_t foreign() const {
    return foreign_.load(std::memory_order_relaxed);
  }  // not kbench messages
  int64_t errors() const override { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const override { return errors_.Snapshot(); }

 private:
  explicit KafkaConsumer(const KafkaConsumerOptions& options) : options_(options) {}
  void Handle(const rd_kafka_message_s* m);
  static void OnRebalance(rd_kafka_s* rk, int err, rd_kafka_topic_partition_list_s* partitions,
                          void* opaque);

  KafkaConsumerOptions options_;
  rd_kafka_s* rk_ = nullptr;
  bool closed_ = false;
  bool paused_ = false;  // the consumer's thread only
  std::atomic<int64_t> consumed_{0}, consumed_bytes_{0}, foreign_{0};
  ErrorCounter errors_;
};

// The kafka driver as a Driver: topics through the Admin API (kafka_admin.h), clients as above.
struct KafkaDriverOptions {
  std::string bootstrap;          // the cluster (required)
  bool create_topics = true;      // false: the topics exist already (partition counts are checked)
  std::string data_dir;           // whose disk the results' target describes ("" = none given)
  std::string kind = "external";  // results target.kind: "external" (--bootstrap) or "embedded"
  // The brokers' log dirs when they are on this host (the embedded cluster): their partition
  // directories <dir>/<topic>-<p> can be evicted from the page cache. Empty: not reachable.
  std::vector<std::string> local_log_dirs = {};
};

class KafkaDriver final : public Driver {
 public:
  explicit KafkaDriver(KafkaDriverOptions options) : options_(std::move(options)) {}

  Status PrepareTopics(const TopicSpec& spec) override;
  Result<std::unique_ptr<ProducerClient>> NewProducer(const ProducerClientOptions& o) override;
  Result<std::unique_ptr<ConsumerClient>> NewConsumer(const ConsumerClientOptions& o) override;
  // Watermarks through a group-less client, bounded to ~10 s in all.
  PartitionLogRanges LogRanges(const std::vector<uint32_t>& partitions,
                               const PartitionIndex& index) override;
  // The run's partition directories under local_log_dirs; Unsupported without them.
  Result<PageCacheEviction> EvictPageCache() override;
  void FillResult(const Workload& w, results::RunResult* r) const override;
  Status Close() override { return Status::Ok(); }

 private:
  KafkaDriverOptions options_;
  int32_t brokers_ = 0;
  std::vector<std::string> topics_;
  int32_t partitions_ = 0;  // per topic
};

}  // namespace kbench::harness
