// What the direct driver takes from a profile's Kafka property maps, with Kafka's (librdkafka's)
// names and defaults, so one profile means the same thing to both drivers:
//
//   producerConfig   batch.size (1000000), batch.num.messages (10000), linger.ms /
//                    queue.buffering.max.ms (5, the kafka driver's default), compression.type /
//                    compression.codec (none), compression.level (codec default)
//   consumerConfig   max.partition.fetch.bytes (1048576), fetch.max.bytes (52428800),
//                    fetch.wait.max.ms (500), check.crcs (false), auto.offset.reset (earliest)
//   topicConfig      every storage property (segment.bytes, retention.*, flush.*, cleanup.policy,
//                    max.message.bytes, message.timestamp.type, ...; storage/log_config.h)
//   cluster.brokerConfig  log.* storage defaults (under topicConfig) and the LogManager's
//                    log.retention.check.interval.ms, log.flush.scheduler.interval.ms,
//                    log.flush.offset.checkpoint.interval.ms, log.cleaner.enable,
//                    log.cleaner.backoff.ms
//
// Client properties are checked with librdkafka itself (a name or value it refuses is refused
// here too, naming it as the kafka driver would); properties that mean nothing in-process (acks,
// enable.idempotence, min.insync.replicas, num.network.threads, ...) are accepted and listed in
// `notes`, which the runner prints and records. A topic property Kafka does not know is refused.
//
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/storage/compression.h"
#include "core/storage/log_config.h"
#include "core/storage/log_manager.h"
#include "harness/workload_spec.h"

namespace kbench::harness {

struct DirectProducerConfig {
  int64_t batch_bytes =
      1'000'000;  // batch.size: a partition's batch is sent before it exceeds this
  int32_t batch_messages = 10'000;  // batch.num.messages
  int64_t linger_ns = 5'000'000;    // linger.ms: how long an open batch may wait for more messages
  storage::Compression compression = storage::Compression::kNone;
  int compression_level = 0;  // 0 = the codec's default

  static Result<DirectProducerConfig> FromProperties(
      const std::map<std::string, std::string>& properties, std::vector<std::string>* notes);
};

struct DirectConsumerConfig {
  int64_t max_partition_fetch_bytes = 1'048'576;
  int64_t fetch_max_bytes = 52'428'800;  // per poll, over all assigned partitions
  int64_t fetch_wait_max_ms = 500;       // how long a poll waits for an append when caught up
  bool check_crcs = false;               // verify each batch's CRC-32C, as librdkafka's check.crcs
  bool start_at_end = false;             // auto.offset.reset latest (default earliest)

  static Result<DirectConsumerConfig> FromProperties(
      const std::map<std::string, std::string>& properties, std::vector<std::string>* notes);
};

struct DirectStorageConfig {
  storage::LogManagerConfig manager;  // log_dirs left empty
  storage::LogConfig topic;           // brokerConfig's log.* defaults, then topicConfig

  static Result<DirectStorageConfig> FromWorkload(const Workload& w,
                                                  std::vector<std::string>* notes);
};

}  // namespace kbench::harness
