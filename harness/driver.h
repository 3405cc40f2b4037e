// The driver interface: what the runner (runner.h) needs from a target, so that every driver runs
// the same phases, metrics, time series, audit and results.
//
//   Driver          the target: creates the run's topics, makes producers and consumers, says what
//                   the results should record about it, and releases it at the end.
//   ProducerClient  the producer side: "send this message at its intended time, tell me when it is
//                   acknowledged" (MessageSender); it reports every acknowledgement to the audits
//                   and the publish-latency recorder itself, and counts what was acknowledged.
//   ConsumerClient  the consumer side: "deliver messages": every delivered kbench message goes to
//                   the subscription's audit and the end-to-end latency recorder; positions feed
//                   lag.
//
// Implementations: kafka_driver.h (librdkafka against any Kafka-protocol cluster) and
// direct_driver.h (the storage engine in-process, no protocol).
//
// Ownership: the runner owns the driver and every client; clients must be destroyed before the
// driver is closed. Audits, recorders, the partition index and the clock mapping handed over in the
// options are borrowed and outlive the clients. Threads: each client is driven by one thread
// (producer: Send/Poll/Flush; consumer: Poll/Positions/Close); the counters (acked(), consumed(),
// ...) may be read from any thread. Driver methods are called from the runner's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "harness/clock_mapping.h"
#include "harness/durability_audit.h"
#include "harness/latency_recorder.h"
#include "harness/message_sender.h"
#include "harness/page_cache.h"
#include "harness/partition_index.h"
#include "harness/topic_spec.h"
#include "harness/workload_spec.h"
#include "results/run_result.h"

namespace kbench::harness {

struct ProducerClientOptions {
  std::map<std::string, std::string> config = {};  // producerConfig (Kafka property names)
  uint32_t producer_id = 0;                    // the run's producer index (also in every payload)
  int32_t topic = 0;                           // the run's topic index it writes to
  const PartitionIndex* partitions = nullptr;  // not owned
  // Not owned. Every acknowledgement or failure goes to each: one audit per subscription reading
  // the topic.
  std::vector<DurabilityAudit*> audits = {};
  LatencyRecorder* publish_latency = nullptr;  // not owned; may be null
  const ClockMapping* clock = nullptr;         // not owned
};

class ProducerClient : public MessageSender {
 public:
  // Waits until every message handed over is acknowledged or failed; TimedOut with the count
  // still in flight. From the producer's thread, or after it stopped.
  virtual Status Flush(int timeout_ms) = 0;

  // Any thread.
  virtual int64_t acked() const = 0;
  virtual int64_t acked_bytes() const = 0;  // payload bytes
  virtual int64_t failed() const = 0;
  virtual std::map<std::string, int64_t> errors_by_code() const = 0;
};

struct ConsumerClientOptions {
  std::string group = {};  // the subscription's consumer group
  int32_t topic = 0;       // the run's topic index it reads
  int32_t member = 0;      // this consumer's place in its group, 0 .. members - 1
  int32_t members = 1;
  std::map<std::string, std::string> config = {};  // consumerConfig (Kafka property names)
  const PartitionIndex* partitions = nullptr;      // not owned
  DurabilityAudit* audit = nullptr;                // not owned; may be null
  LatencyRecorder* e2e_latency = nullptr;          // not owned; may be null
  const ClockMapping* clock = nullptr;             // not owned
  double processing_delay_ms = 0;                  // a slow consumer: time spent per message
};

struct PartitionPosition {
  uint32_t partition = 0;       // PartitionIndex
  int64_t offset = -1;          // next offset to consume (< 0: nothing consumed yet)
  int64_t high_watermark = -1;  // the log end as last seen (< 0: unknown)
};

class ConsumerClient {
 public:
  virtual ~ConsumerClient() = default;
  // Waits up to about timeout_ms for messages and delivers them (audit, end-to-end latency);
  // returns how many kbench messages it delivered.
  virtual int Poll(int timeout_ms) = 0;
  // Positions and log ends of the partitions currently assigned (for lag). Cheap.
  virtual std::vector<PartitionPosition> Positions() = 0;
  // Paused (while a backlog is built), the consumer keeps its place in the group and its
  // partitions but fetches nothing; Poll() still serves the group (rebalances) and returns 0.
  // Partitions assigned while paused start paused. Resumed, it reads on from its position:
  // nothing fetched before the pause is delivered out of turn.
  virtual void Pause(bool paused) = 0;
  // Leaves the group. Idempotent.
  virtual Status Close() = 0;

  // Any thread.
  virtual int64_t consumed() const = 0;
  virtual int64_t consumed_bytes() const = 0;  // payload bytes
  virtual int64_t errors() const = 0;
  virtual std::map<std::string, int64_t> errors_by_code() const = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;

  // Creates the run's topics (or checks existing ones). Called once, before any client.
  virtual Status PrepareTopics(const TopicSpec& spec) = 0;
  virtual Result<std::unique_ptr<ProducerClient>> NewProducer(
      const ProducerClientOptions& options) = 0;
  virtual Result<std::unique_ptr<ConsumerClient>> NewConsumer(
      const ConsumerClientOptions& options) = 0;

  // For the audit's verdict, after the producers stopped: each listed partition's log start and
  // high watermark as the target sees them now (ListOffsets; the log itself). Partitions it
  // cannot ask about (a broker down, an error) are left out: the audit then judges them on the
  // consumers' progress alone.
  virtual PartitionLogRanges LogRanges(const std::vector<uint32_t>& partitions,
                                       const PartitionIndex& index) = 0;

  // Catch-up reads (backlogPageCache: evict), with the producers stopped: drops the run's segment
  // files from this host's page cache (page_cache.h). Unsupported, saying why, when the target's
  // files are not on this host (an external cluster): the run goes on and records that.
  virtual Result<PageCacheEviction> EvictPageCache() = 0;

  // The run's clock started (MonoNanos of its origin: warm-up and fault times count from here),
  // after the topics were prepared and before any client exists. The embedded target starts its
  // fault schedule here.
  virtual void RunStarted(int64_t /*start_ns*/) {}

  // Things the driver does differently from what the profile asks (printed before the run,
  // recorded in the results' `cluster.notes`).
  virtual std::vector<std::string> notes() const { return {}; }
  // Fills what the results say about the target: `target`, `summary.brokers`, and, where the
  // driver differs from the profile, `summary.replication_factor`, `summary.audit.loss_allowed`,
  // plus `cluster` counters. The runner has already filled the rest.
  virtual void FillResult(const Workload& w, results::RunResult* r) const = 0;
  // After every client is destroyed: releases the target (flushes, removes run data). Idempotent.
  virtual Status Close() = 0;
};

}  // namespace kbench::harness
