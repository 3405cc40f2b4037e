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
#include "harness/durability_audit.h"
#include "harness/latency_recorder.h"
#include "harness/message_sender.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace kbench::harness {

// Dense numbering of the run's partitions: topic t, partition p -> t * partitions_per_topic + p.
// The audit and per-partition series use the index; Kafka uses names.
class PartitionIndex {
 public:
  PartitionIndex(std::vector<std::string> topics, int32_t partitions_per_topic);
  uint32_t Index(int32_t topic, int32_t partition) const {
    return static_cast<uint32_t>(topic * partitions_per_topic_ + partition);
  }
  std::optional<uint32_t> Find(std::string_view topic, int32_t partition) const;
  std::string Name(uint32_t index) const;  // "<topic>-<partition>"
  const std::vector<std::string>& topics() const { return topics_; }
  int32_t partitions_per_topic() const { return partitions_per_topic_; }
  uint32_t size() const { return static_cast<uint32_t>(topics_.size() * partitions_per_topic_); }

 private:
  std::vector<std::string> topics_;
  int32_t partitions_per_topic_;
  std::unordered_map<std::string, int32_t> by_name_;
};

// Error counts by Kafka error name, shared by a driver's callbacks and the collector.
class ErrorCounter {
 public:
  void Add(std::string_view name);
  std::map<std::string, int64_t> Snapshot() const;
  int64_t total() const { return total_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> counts_;
  std::atomic<int64_t> total_{0};
};

struct KafkaProducerOptions {
  std::string bootstrap;
  std::map<std::string, std::string> config;  // producerConfig, as librdkafka properties
  uint32_t producer_id = 0;
  const PartitionIndex* partitions = nullptr;  // not owned
  // Not owned. Every acknowledgement or failure goes to each: one audit per subscription reading the topic.
  std::vector<DurabilityAudit*> audits;
  LatencyRecorder* publish_latency = nullptr;  // not owned; may be null
  const ClockMapping* clock = nullptr;         // not owned
};

class KafkaProducer final : public MessageSender {
 public:
  // Fails with InvalidArgument naming the property librdkafka refused ("producerConfig.linger.ms:
  // ...").
  static Result<std::unique_ptr<KafkaProducer>> Create(const KafkaProducerOptions& options);
  ~KafkaProducer() override;
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Hands one message to librdkafka (copied). A full local queue is waited out by polling (the send
  // loop falls behind, which shows as publish delay). key empty = no key.
  Status Send(int32_t topic, int32_t partition, std::string_view key,
              std::span<const uint8_t> payload) override;
  // Serves delivery reports for up to timeout_ms.
  void Poll(int timeout_ms) override;
  // Waits until every message is acknowledged or failed; TimedOut with the count still in flight.
  Status Flush(int timeout_ms);

  int64_t acked() const { return acked_.load(std::memory_order_relaxed); }
  int64_t acked_bytes() const { return acked_bytes_.load(std::memory_order_relaxed); }
  int64_t failed() const { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const { return errors_.Snapshot(); }
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

struct PartitionPosition {
  uint32_t partition = 0;       // PartitionIndex
  int64_t offset = -1;          // next offset to consume (< 0: nothing consumed yet)
  int64_t high_watermark = -1;  // the log end as last seen in a fetch response (< 0: unknown)
};

class KafkaConsumer {
 public:
  // Joins the group and subscribes (auto.offset.reset defaults to earliest: a run reads what it
  // wrote).
  static Result<std::unique_ptr<KafkaConsumer>> Create(const KafkaConsumerOptions& options);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Waits up to timeout_ms for messages and records each; returns how many kbench messages it
  // consumed.
  int Poll(int timeout_ms);
  // Commits the current positions synchronously.
  Status Commit();
  // Leaves the group (commits first when auto-commit is on). Idempotent.
  Status Close();
  // Positions and high watermarks of the partitions currently assigned (for lag). Cheap:
  // librdkafka's cached values, no request.
  std::vector<PartitionPosition> Positions();

  int64_t consumed() const { return consumed_.load(std::memory_order_relaxed); }
  int64_t consumed_bytes() const { return consumed_bytes_.load(std::memory_order_relaxed); }
  int64_t foreign() const {
    return foreign_.load(std::memory_order_relaxed);
  }  // not kbench messages
  int64_t errors() const { return errors_.total(); }
  std::map<std::string, int64_t> errors_by_code() const { return errors_.Snapshot(); }

 private:
  explicit KafkaConsumer(const KafkaConsumerOptions& options) : options_(options) {}
  void Handle(const rd_kafka_message_s* m);

  KafkaConsumerOptions options_;
  rd_kafka_s* rk_ = nullptr;
  bool closed_ = false;
  std::atomic<int64_t> consumed_{0}, consumed_bytes_{0}, foreign_{0};
  ErrorCounter errors_;
};

}  // namespace kbench::harness
