#include "sizing/recommended_config.h"

#include <fmt/format.h>

#include <cmath>

#include "sizing/defaults.h"
#include "sizing/rules.h"

namespace kbench::sizing {
namespace {

void Set(Plan* plan, std::string scope, std::string key, std::string value, std::string reason) {
  plan->config.push_back(
      ConfigItem{std::move(scope), std::move(key), std::move(value), std::move(reason)});
}

std::string Bytes(double v) { return fmt::format("{:.0f}", v); }

void TopicConfig(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  Set(plan, "topic", "partitions", std::to_string(d.partitions), plan->partitions.constraint);
  Set(plan, "topic", "replication.factor", std::to_string(r.rf.value),
      fmt::format("{}; create topics explicitly, never by auto-creation (seed 002)", r.rf.origin));
  Set(plan, "topic", "min.insync.replicas", std::to_string(r.min_isr.value),
      fmt::format("{}: acks=all survives {} broker(s) down without losing acknowledged writes "
                  "(seeds 001, 002)",
                  r.min_isr.origin, std::max<int64_t>(0, r.rf.value - r.min_isr.value)));
  Set(plan, "topic", "unclean.leader.election.enable", "false",
      "an out-of-sync leader loses acknowledged data; availability over durability only by choice "
      "(seeds 001, 004)");
  if (r.cleanup.value == Cleanup::kCompact) {
    Set(plan, "topic", "cleanup.policy", "compact", "keep the newest record per key (seed 001)");
    Set(plan, "topic", "min.cleanable.dirty.ratio", FormatNumber(r.dirty_ratio.value),
        fmt::format("{}; the log grows to live / (1 - ratio) before cleaning: 0.9 saves work but "
                    "wastes space, 0.1 "
                    "keeps it fresh but loads the broker (seed 001)",
                    r.dirty_ratio.origin));
  } else {
    Set(plan, "topic", "cleanup.policy", "delete",
        "whole segments deleted by age or size (seed 001)");
    Set(plan, "topic", "retention.ms", fmt::format("{:.0f}", r.retention_s.value * 1000),
        r.retention_s.origin);
    if (r.retention_bytes) {
      Set(plan, "topic", "retention.bytes", Bytes(r.retention_bytes->value / double(d.partitions)),
          fmt::format("{} for the topic / {} partitions (retention.bytes is per partition)",
                      FormatBytes(r.retention_bytes->value), d.partitions));
    }
  }
  Set(plan, "topic", "segment.bytes", Bytes(d.segment_bytes),
      fmt::format("{}: retention deletes whole segments, so one extra segment per partition stays "
                  "on disk; sized to "
                  "<= 10% of a partition's data, at most Kafka's 1 GiB",
                  FormatBinaryBytes(d.segment_bytes)));
  Set(plan, "topic", "compression.type", "producer",
      "store batches as producers compressed them; no recompression");
}

void BrokerConfig(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  Set(plan, "broker", "auto.create.topics.enable", "false",
      "an auto-created topic got RF 1 and 1 partition and lost events (seed 002)");
  Set(plan, "broker", "default.replication.factor", std::to_string(r.rf.value),
      "the same safety for any topic");
  Set(plan, "broker", "min.insync.replicas", std::to_string(r.min_isr.value),
      "the same safety for any topic");
  Set(plan, "broker", "unclean.leader.election.enable", "false", "see the topic setting");
  Set(plan, "broker", "num.replica.fetchers", std::to_string(d.replica_fetchers),
      d.replica_fetchers > 1 ? "replication latency risk: more fetcher threads per source broker"
                             : "Kafka's default is enough for the replication latency");
  Set(plan, "broker", "replica.lag.time.max.ms", "30000",
      "Kafka 3.x default; a follower this far behind leaves the ISR (10000 before 2.5, seeds 001, "
      "004)");
  Set(plan, "broker", "log.dirs",
      fmt::format("{} directories, one per disk", FormatCount(plan->disks_per_broker.value)),
      "JBOD for parallel sequential writes; no shared NAS, a single point of failure (seed 003)");
  Set(plan, "broker", "log.flush.interval.messages", "(leave unset)",
      "Kafka never fsyncs by default; durability comes from replication and the page cache (seed "
      "004)");
  if (r.racks || RacksToSurviveRackLoss(r.rf.value, r.min_isr.value)) {
    Set(plan, "broker", "broker.rack", "the broker's rack or zone",
        "rack-aware replica placement so a rack loss keeps min.insync.replicas (seed 000)");
  }
  Set(plan, "broker", "KAFKA_HEAP_OPTS",
      fmt::format("-Xms{0}g -Xmx{0}g", std::llround(r.heap.value / 1073741824.0)),
      fmt::format("{}; the rest of memory is page cache (seeds 003, 004)", r.heap.origin));
}

void HostConfig(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  double per_replica = d.stored_bytes / std::max(1.0, double(d.partitions * r.rf.value));
  double segments = SegmentsPerReplica(per_replica, d.segment_bytes, r.retention_s.value);
  double files = OpenFilesPerBroker(d.replicas_per_broker, segments);
  double maps = MmapsPerBroker(d.replicas_per_broker, segments);
  Set(plan, "host", "ulimit -n", FormatCount(std::max(100000.0, std::ceil(files * 2))),
      fmt::format("{} segment files per broker, x2 for sockets and growth",
                  FormatCount(std::ceil(files))));
  Set(plan, "host", "vm.max_map_count",
      FormatCount(std::max(double(defaults::kDefaultMaxMapCount), std::ceil(maps * 2))),
      fmt::format("{} index maps per broker, x2", FormatCount(std::ceil(maps))));
}

std::string CodecChoice(const ResolvedRequirements& r, const Capacity& c, const Plan& plan,
                        std::string* reason) {
  if (r.compression.value != Codec::kNone) {
    *reason = r.compression.origin;
    return std::string(CodecName(r.compression.value));
  }
  const std::string& binding = Binding(plan.brokers.bounds).constraint;
  bool bytes_bound = binding == "network" || binding == "disk bandwidth" || binding == "storage";
  Codec pick = bytes_bound ? Codec::kZstd : Codec::kLz4;
  *reason =
      bytes_bound
          ? fmt::format("brokers are set by {}: zstd's better ratio saves the bytes that bind",
                        binding)
          : "cheapest to decompress on the broker; bytes do not bind the broker count";
  auto it = c.decompress_bytes_per_sec_per_core.find(pick);
  if (it != c.decompress_bytes_per_sec_per_core.end()) {
    *reason += fmt::format(" ({} decompresses {} per core, {})", CodecName(pick),
                           FormatByteRate(it->second.value), it->second.source);
  }
  return std::string(CodecName(pick));
}

void ProducerConfig(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  const Derived& d = plan->derived;
  Set(plan, "producer", "acks", "all",
      r.min_isr.value >= 2
          ? "waits for the in-sync replicas: no loss while min.insync.replicas >= 2 (seeds 000, "
            "002)"
          : "waits for the in-sync replicas (raise min.insync.replicas to 2 for no-loss)");
  Set(plan, "producer", "enable.idempotence", "true",
      "producer id + sequence per partition: the broker drops retried duplicates; forces acks=all "
      "(seed 001)");
  Set(plan, "producer", "linger.ms", FormatNumber(d.linger_ms),
      r.latency_slo
          ? fmt::format("a tenth of the {} {} ms SLO, spent filling batches",
                        r.latency_slo->value.percentile,
                        FormatNumber(r.latency_slo->value.target_ms))
          : "no SLO given: 5 ms (librdkafka's default) trades little latency for much throughput");
  Set(plan, "producer", "batch.size", Bytes(d.batch_size),
      fmt::format(
          "{} per partition at the peak x linger.ms x2, at least the 16 KiB default (seed 004)",
          FormatByteRate(r.peak_bytes / double(d.partitions))));
  Set(plan, "producer", "buffer.memory", Bytes(ProducerBufferBytes(d.partitions, d.batch_size)),
      fmt::format("a batch for each of {} partitions, x2; at least the 32 MiB default",
                  d.partitions));
  std::string reason;
  std::string codec = CodecChoice(r, c, *plan, &reason);
  Set(plan, "producer", "compression.type", codec,
      reason + "; compression trades CPU for network (seed 004)");
  Set(plan, "producer", "max.in.flight.requests.per.connection", "5",
      "the most idempotence keeps ordered");
  if (r.txn_rate) {
    Set(plan, "producer", "transactional.id", "one stable id per producer instance",
        "atomic writes across partitions; commit and abort markers are control records (seed 001)");
  }
}

void ConsumerConfig(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  Set(plan, "consumer", "consumers per group", fmt::format("<= {}", d.partitions),
      "one consumer per partition: more sit idle, fewer drain several partitions and lag (seeds "
      "001, 002)");
  Set(plan, "consumer", "enable.auto.commit", "false",
      "commit after processing; auto-commit every 5 s duplicates or skips on rebalance (seeds 001, "
      "004)");
  if (r.consumer_rate && r.consumer_rate->value.kind == Rate::Kind::kMessages) {
    double records = std::max(1.0, std::floor(r.consumer_rate->value.per_sec * 60));
    Set(plan, "consumer", "max.poll.records", FormatNumber(std::min(500.0, records)),
        "one poll's records take at most a minute at the consumer's rate, well inside "
        "max.poll.interval.ms");
  }
  if (r.txn_rate) {
    Set(plan, "consumer", "isolation.level", "read_committed",
        "see only committed transactions (seed 001)");
  }
  Set(plan, "consumer", "threading", "one consumer per thread",
      "keeps per-partition order; one poll thread handing records to workers is faster but may "
      "reorder, and loses in-flight work on a rebalance (seed 001)");
  Set(plan, "consumer", "deployment", "blue/green, or canary on one partition first",
      "stop-the-world needs clean offsets before and after; blue/green costs one rebalance, "
      "rolling "
      "one per instance (seed 001)");
  Set(plan, "consumer", "session.timeout.ms", "45000",
      "Kafka 3.x default; heartbeat.interval.ms 3000 (seed 004)");
  Set(plan, "consumer", "lag monitoring", "sliding window (Burrow)",
      "judge lag by its trend per partition, not a threshold (seeds 000, 001)");
}

void ControllerConfig(const ResolvedRequirements& r, Plan* plan) {
  Set(plan, "controller", "count", FormatCount(plan->controllers.value),
      plan->controllers.constraint);
  Set(plan, "controller", "process.roles", "controller (dedicated nodes)",
      "brokers scale out alone; the quorum stays small and odd (seeds 000, 003)");
  Set(plan, "controller", "hardware", "4-8 GB RAM, 1-2 GB heap, 240-480 GB SSD, 1 GbE",
      "controllers exchange only metadata (seed 003)");
  Set(plan, "controller", "placement",
      r.racks ? fmt::format("across {} racks", r.racks->value) : "one per rack or zone",
      "a rack losing power must not take the quorum's majority (seeds 000, 003)");
}

void MonitoringConfig(Plan* plan) {
  Set(plan, "monitoring", "alert", "IsrShrinksPerSec > 0, UnderReplicatedPartitions > 0",
      "ISR shrinks are logged at INFO and go unnoticed (seed 000)");
}

}  // namespace

void AddRecommendedConfig(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  TopicConfig(r, plan);
  BrokerConfig(r, plan);
  HostConfig(r, plan);
  ProducerConfig(r, c, plan);
  ConsumerConfig(r, plan);
  ControllerConfig(r, plan);
  MonitoringConfig(plan);
}

}  // namespace kbench::sizing
