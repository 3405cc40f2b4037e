#include "sizing/risks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sizing/defaults.h"
#include "sizing/rules.h"

namespace kbench::sizing {
namespace {

void Add(Plan* plan, std::string key, Severity severity, double value, std::string unit,
         std::string summary, std::string detail) {
  plan->risks.push_back(Risk{std::move(key), severity, std::move(summary), std::move(detail), value,
                             std::move(unit)});
}

std::string Percent(double fraction) { return fmt::format("{}%", FormatNumber(fraction * 100)); }

void CrashRisk(const Capacity& c, Plan* plan) {
  const Derived& d = plan->derived;
  double s = CrashUnavailabilitySeconds(d.leaders_per_broker, c.election_ms.value,
                                        c.session_timeout_ms.value);
  Add(plan, "crash_unavailability", s > 30 ? Severity::kWarning : Severity::kInfo, s, "s",
      fmt::format("a broker crash makes its {} leaders unavailable for up to {}",
                  FormatNumber(d.leaders_per_broker), FormatDuration(s)),
      fmt::format("{} to declare the broker dead ({}) + {} leaders x {} ms per election ({}) = {}; "
                  "all of them at "
                  "once (seed 001)",
                  FormatDuration(c.session_timeout_ms.value / 1000), c.session_timeout_ms.source,
                  FormatNumber(d.leaders_per_broker), FormatNumber(c.election_ms.value),
                  c.election_ms.source, FormatDuration(s)));
}

void ShutdownRisk(const Capacity& c, Plan* plan) {
  const Derived& d = plan->derived;
  double s = ControlledShutdownSeconds(d.leaders_per_broker, c.election_ms.value);
  Add(plan, "controlled_shutdown", Severity::kInfo, s, "s",
      fmt::format("a clean shutdown moves {} leaders in about {}",
                  FormatNumber(d.leaders_per_broker), FormatDuration(s)),
      fmt::format("{} leaders x {} ms, one at a time: each partition is unavailable only while its "
                  "own leader moves "
                  "(seed 001)",
                  FormatNumber(d.leaders_per_broker), FormatNumber(c.election_ms.value)));
}

void FilesRisk(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  double per_replica = d.stored_bytes / std::max(1.0, double(d.partitions * r.rf.value));
  double segments = SegmentsPerReplica(per_replica, d.segment_bytes, r.retention_s.value);
  double files = OpenFilesPerBroker(d.replicas_per_broker, segments);
  double maps = MmapsPerBroker(d.replicas_per_broker, segments);
  bool maps_high = maps > 0.5 * double(defaults::kDefaultMaxMapCount);
  Add(plan, "open_files", maps_high ? Severity::kWarning : Severity::kInfo, files, "files",
      fmt::format("{} open files and {} memory maps per broker", FormatCount(std::ceil(files)),
                  FormatCount(std::ceil(maps))),
      fmt::format("{} replicas x {} segments ({} per replica / segment.bytes {}, or retention / "
                  "segment.ms, + the active "
                  "one) x 3 files (.log, .index, .timeindex); indexes are memory-mapped (2 per "
                  "segment). Set ulimit -n "
                  ">= {} and vm.max_map_count >= {} (default {}) (seeds 001, 004)",
                  FormatNumber(d.replicas_per_broker), FormatNumber(segments),
                  FormatBytes(per_replica), FormatBinaryBytes(d.segment_bytes),
                  FormatCount(std::max(100000.0, std::ceil(files * 2))),
                  FormatCount(std::max(double(defaults::kDefaultMaxMapCount), std::ceil(maps * 2))),
                  FormatCount(double(defaults::kDefaultMaxMapCount))));
}

void ReplicasRisk(const ResolvedRequirements& r, Plan* plan) {
  double replicas = plan->derived.replicas_per_broker;
  if (replicas <= 2000) return;
  Add(plan, "replicas_per_broker", Severity::kWarning, replicas, "replicas",
      fmt::format("{} replicas per broker is above seed 004's 2,000", FormatNumber(replicas)),
      fmt::format(
          "within the configured cap of {} ({}), but failover and file counts grow with it; set "
          "--max-partitions-per-broker 2000 for the seed's limit",
          FormatCount(double(r.max_partitions_per_broker.value)),
          r.max_partitions_per_broker.origin));
}

void ClientMemoryRisks(Plan* plan) {
  const Derived d = plan->derived;
  double producer = double(d.partitions) * d.batch_size;
  double buffer = ProducerBufferBytes(d.partitions, d.batch_size);
  Add(plan, "producer_memory",
      producer > defaults::kProducerBufferMemory ? Severity::kWarning : Severity::kInfo, producer,
      "bytes",
      fmt::format("a producer writing every partition holds up to {} of batches",
                  FormatBinaryBytes(producer)),
      fmt::format("{} partitions x batch.size {}; buffer.memory {} (Kafka default {}); producers "
                  "keep one buffer per "
                  "partition (seed 001)",
                  FormatCount(double(d.partitions)), FormatBinaryBytes(d.batch_size),
                  FormatBinaryBytes(buffer), FormatBinaryBytes(defaults::kProducerBufferMemory)));
  double consumer = ConsumerFetchBytes(d.partitions, d.consumers);
  Add(plan, "consumer_memory", Severity::kInfo, consumer, "bytes",
      fmt::format("each of {} consumers may buffer {} of fetched data",
                  FormatCount(double(d.consumers)), FormatBinaryBytes(consumer)),
      fmt::format(
          "{} partitions per consumer x max.partition.fetch.bytes {} (one request is capped at "
          "fetch.max.bytes "
          "{}); consumers fetch per partition (seed 001)",
          FormatNumber(std::ceil(double(d.partitions) / double(std::max<int64_t>(1, d.consumers)))),
          FormatBinaryBytes(defaults::kMaxPartitionFetchBytes),
          FormatBinaryBytes(defaults::kFetchMaxBytes)));
}

void ReplicationLatencyRisk(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  Derived& d = plan->derived;
  if (r.rf.value < 2 || d.brokers < 2) return;
  double pairs = d.leaders_per_broker * double(r.rf.value - 1) / double(d.brokers - 1);
  double ms = ReplicationLatencyMs(pairs, 1, c.rtt_ms.value);
  double budget = r.latency_slo ? r.latency_slo->value.target_ms / 2 : 0;
  Severity sev = Severity::kInfo;
  std::string advice;
  if (budget > 0 && ms > budget) {
    int64_t fetchers = 1;
    while (fetchers < 64 && ReplicationLatencyMs(pairs, fetchers, c.rtt_ms.value) > budget)
      ++fetchers;
    d.replica_fetchers = fetchers;
    double with = ReplicationLatencyMs(pairs, fetchers, c.rtt_ms.value);
    sev = with > budget ? Severity::kWarning : Severity::kInfo;
    advice =
        fmt::format("; above half the {} ms SLO: num.replica.fetchers={} brings it to {} ms",
                    FormatNumber(r.latency_slo->value.target_ms), fetchers, FormatNumber(with));
  }
  Add(plan, "replication_latency", sev, ms, "ms",
      fmt::format("acks=all and consumers wait ~{} ms for followers", FormatNumber(ms)),
      fmt::format("round trip {} ms ({}) + 20 ms per 1,000 partitions shared by a broker pair per "
                  "fetcher thread "
                  "(Jun Rao 2015) x {} partitions = {} ms; messages reach consumers only after the "
                  "in-sync replicas "
                  "copy them (seed 001){}",
                  FormatNumber(c.rtt_ms.value), c.rtt_ms.source, FormatNumber(pairs),
                  FormatNumber(ms), advice));
}

void NicRisk(const ResolvedRequirements& r, Plan* plan) {
  const Derived& d = plan->derived;
  double traffic = std::max(d.network_in, d.network_out) * 8;
  int64_t survivors = std::max<int64_t>(1, d.brokers - r.failures.value);
  double normal = traffic / double(d.brokers) / d.nic_bits;
  double degraded = traffic / double(survivors) / d.nic_bits;
  Add(plan, "nic_after_failure",
      degraded > r.max_nic_util.value ? Severity::kWarning : Severity::kInfo, degraded, "fraction",
      fmt::format("NIC {} busy per direction, {} after losing {} broker(s)", Percent(normal),
                  Percent(degraded), r.failures.value),
      fmt::format("in {} (producers + replication), out {} (fan-out {} + replication) over {} "
                  "brokers of {}; kept under "
                  "{} because recovery and new brokers move bulk data (seed 003)",
                  FormatByteRate(d.network_in), FormatByteRate(d.network_out),
                  FormatNumber(r.fanout.value), d.brokers, FormatBitRate(d.nic_bits),
                  Percent(r.max_nic_util.value)));
}

void CatchUpRisk(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  double per_broker_out = plan->derived.network_out / double(plan->derived.brokers);
  double disks = plan->disks_per_broker.value;
  double cold = c.disk_cold_read_bytes_per_sec.value * disks;
  Add(plan, "catch_up_reads", per_broker_out > cold ? Severity::kWarning : Severity::kInfo, cold,
      "bytes/s",
      fmt::format("consumers more than {} behind read from disk at about {} per broker",
                  FormatDuration(r.lag_window_s.value), FormatByteRate(cold)),
      fmt::format("{} disks x {} cold read ({}){}; in the page cache: {}", FormatCount(disks),
                  FormatByteRate(c.disk_cold_read_bytes_per_sec.value),
                  c.disk_cold_read_bytes_per_sec.source,
                  per_broker_out > cold
                      ? fmt::format(", below the {} per broker consumers read at the peak",
                                    FormatByteRate(per_broker_out))
                      : "",
                  c.page_cache_read_bytes_per_sec
                      ? FormatByteRate(c.page_cache_read_bytes_per_sec->value) + " per core"
                      : "not measured"));
}

void RackRisks(const ResolvedRequirements& r, Plan* plan) {
  std::optional<int64_t> needed = RacksToSurviveRackLoss(r.rf.value, r.min_isr.value);
  std::string need_text = needed ? fmt::format("{} racks", *needed) : "no rack count";
  if (!r.racks) {
    Add(plan, "racks", Severity::kInfo, needed ? double(*needed) : 0, "racks",
        fmt::format("spread brokers and controllers over at least {} racks or zones",
                    needed ? std::max<int64_t>(3, *needed) : 3),
        fmt::format("with RF {} and min.insync.replicas {}, {} keep(s) min.insync after losing a "
                    "whole rack (a rack can "
                    "lose power, seed 000); 3 racks keep a controller quorum",
                    r.rf.value, r.min_isr.value, need_text));
    return;
  }
  int64_t racks = r.racks->value;
  int64_t left = r.rf.value - (r.rf.value + racks - 1) / racks;
  if (left >= r.min_isr.value && racks >= 3) return;
  Severity sev = Severity::kWarning;
  std::string what =
      left <= 0 ? "every replica of some partitions is in the lost rack: they are unavailable, and "
                  "if the first broker back leads with a stale log, data is lost (seed 000)"
                : fmt::format(
                      "{} replica(s) remain, below min.insync.replicas {}: acks=all producers "
                      "fail until the rack returns",
                      left, r.min_isr.value);
  if (left >= r.min_isr.value) what = "partitions keep min.insync.replicas";
  Add(plan, "rack_loss", sev, double(left), "replicas",
      fmt::format("losing one of {} racks: {}", racks, what),
      fmt::format("RF {} over {} racks puts up to {} replicas in one rack; {} needed{}", r.rf.value,
                  racks, (r.rf.value + racks - 1) / racks, need_text,
                  racks < 3
                      ? "; with fewer than 3 racks, one rack holds a majority of the controllers"
                      : ""));
}

void DurabilityRisks(const ResolvedRequirements& r, Plan* plan) {
  if (r.rf.value == 1) {
    Add(plan, "rf1", Severity::kWarning, 1, "replicas",
        "RF 1: a broker failure loses the partition",
        "seed 002: an auto-created RF 1 topic lost ~50 sign-up events when its broker died; use RF "
        "3");
  }
  if (r.min_isr.value < 2 && r.rf.value > 1) {
    Add(plan, "min_isr", Severity::kWarning, double(r.min_isr.value), "replicas",
        "min.insync.replicas 1: acks=all behaves like acks=1",
        "a leader that acknowledged a write and died before a follower copied it loses that write "
        "(seed 000)");
  }
  if (r.rf.value - r.failures.value < r.min_isr.value) {
    plan->risks.push_back(Risk{
        "failures", Severity::kImpossible,
        fmt::format("producers stop when {} broker(s) are down", r.failures.value),
        fmt::format("RF {} - {} down = {} replicas < min.insync.replicas {}: acks=all writes fail, "
                    "so the goal of "
                    "tolerating {} failure(s) cannot be met (seed 001: min.insync 3 with RF 3 "
                    "blocks rolling restarts); "
                    "use --min-isr {} or --rf {}",
                    r.rf.value, r.failures.value, r.rf.value - r.failures.value, r.min_isr.value,
                    r.failures.value, std::max<int64_t>(1, r.rf.value - r.failures.value),
                    r.min_isr.value + r.failures.value),
        double(r.rf.value - r.failures.value), "replicas"});
  } else if (r.min_isr.value <= r.failures.value && r.rf.value > 1) {
    Add(plan, "durability", Severity::kWarning, double(r.min_isr.value), "replicas",
        fmt::format("{} failure(s) can take every copy of an acknowledged write", r.failures.value),
        fmt::format("acks=all waits for min.insync.replicas {} copies; with {} brokers down all of "
                    "them may be gone; "
                    "min.insync.replicas {} survives",
                    r.min_isr.value, r.failures.value, r.failures.value + 1));
  }
}

void KeyRisks(const ResolvedRequirements& r, Plan* plan) {
  if (!r.keyed.value) return;
  Add(plan, "keyed_partitions", Severity::kInfo, double(plan->derived.partitions), "partitions",
      fmt::format("keyed: create the topic with {} partitions and keep them",
                  FormatCount(double(plan->derived.partitions))),
      "hash(key) % partitions: adding partitions later moves keys and breaks per-key order (seeds "
      "001, 002)");
  if (r.hot_key_share.value == 0) {
    Add(plan, "hot_keys", Severity::kInfo, 0, "", "hot keys skew load onto single partitions",
        "a key always maps to one partition (seed 000); measure the hottest key's share and pass "
        "--hot-key-share");
  }
}

void SloRisks(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  if (c.slo_unreachable && r.latency_slo) {
    const auto& u = *c.slo_unreachable;
    std::string who =
        u.partitions == 1
            ? "one partition cannot meet it even alone"
            : fmt::format("the measured setup ({} partitions) never met it", u.partitions);
    plan->risks.push_back(
        Risk{"slo", Severity::kImpossible,
             fmt::format("{} {} ms is out of reach: {}", r.latency_slo->value.percentile,
                         FormatNumber(r.latency_slo->value.target_ms), who),
             fmt::format("{}: the lowest p99 in the max-rate search was {} ms at {}; more "
                         "partitions or brokers do not "
                         "lower a single partition's latency",
                         u.path, FormatNumber(u.best_p99_ms), FormatMessageRate(u.at_msgs_per_sec)),
             u.best_p99_ms, "ms"});
  }
  if (r.latency_slo && !c.partition_msgs_per_sec &&
      c.partition_bytes_per_sec.source.rfind("default", 0) == 0 && !r.partition_rate) {
    Add(plan, "slo_unmeasured", Severity::kInfo, 0, "",
        "the per-partition rate is a default, not measured at your SLO",
        "run a max-rate workload (kbench run) on the target hardware and pass its results with "
        "--from");
  }
}

void ConsumerPollRisk(const ResolvedRequirements& r, Plan* plan) {
  if (!r.consumer_rate || r.consumer_rate->value.kind != Rate::Kind::kMessages) return;
  double poll_s = 500 / r.consumer_rate->value.per_sec;
  if (poll_s * 2 < 300) return;
  Add(plan, "max_poll_interval", Severity::kWarning, poll_s, "s",
      fmt::format("500 records take {} to process", FormatDuration(poll_s)),
      "close to max.poll.interval.ms (300 s): the group would evict the consumer and rebalance; "
      "lower "
      "max.poll.records (seed 004)");
}

// Seed 001: a transaction's commit (or abort) writes a control record to every partition it
// touched, and each takes an offset; read_committed consumers see data only after the marker.
void TransactionRisk(const ResolvedRequirements& r, Plan* plan) {
  if (!r.txn_rate) return;
  double txn = r.txn_rate->value;
  double per_txn = std::max(1.0, *r.peak_msgs / txn);
  double touched = std::min(double(plan->derived.partitions), per_txn);
  double markers = txn * touched;
  double share = markers / *r.peak_msgs;
  Add(plan, "transaction_markers", share > 0.1 ? Severity::kWarning : Severity::kInfo, markers,
      "records/s",
      fmt::format("transactions add {} of commit markers ({} of the message rate)",
                  FormatMessageRate(markers), fmt::format("{}%", FormatNumber(share * 100))),
      fmt::format("{} commits/s x up to {} partitions touched per transaction ({} messages each at "
                  "the peak); each marker is a control record with its own offset (seed 001)",
                  FormatNumber(txn), FormatNumber(touched), FormatNumber(per_txn)));
}

void FlushRisk(const Capacity& c, Plan* plan) {
  if (!c.fsync_p99_ms) return;
  Add(plan, "forced_flush", Severity::kInfo, c.fsync_p99_ms->value, "ms",
      fmt::format("forcing fsync (flush.messages=1) would add ~{} ms p99 per write",
                  FormatNumber(c.fsync_p99_ms->value)),
      fmt::format("{}; keep Kafka's default (no fsync): durability comes from replication and the "
                  "page cache "
                  "(seeds 001, 004)",
                  c.fsync_p99_ms->source));
}

// Seed 003: brokers want at least 32 GB and many cores; a fixed smaller host (--memory, --cores or
// the probed machine) still gets a plan, with the shortfall stated.
void SmallBrokerRisks(Plan* plan) {
  const Decision& mem = plan->memory_bytes_per_broker;
  if (mem.value < defaults::kMinMemoryBytes) {
    Add(plan, "broker_memory", Severity::kWarning, mem.value, "bytes",
        fmt::format("{} per broker is below the 32 GB minimum (seed 003)", mem.display),
        "the page cache, not the heap, makes Kafka fast; the plan adds brokers to hold the lag "
        "window, "
        "but each broker has little room for catch-up reads");
  }
  const Decision& cpu = plan->cpu_cores_per_broker;
  if (cpu.value < double(defaults::kMinCores)) {
    Add(plan, "broker_cores", Severity::kWarning, cpu.value, "cores",
        fmt::format("{} cores per broker is below {} (Kafka's default I/O thread pool)",
                    cpu.display, defaults::kMinCores),
        "compression, CRC checks and request handling compete for few cores; prefer many cores "
        "(seed 003)");
  }
}

void CapacityNotes(const Capacity& c, Plan* plan) {
  for (const std::string& n : c.notes) Add(plan, "capacity_input", Severity::kInfo, 0, "", n, "");
}

}  // namespace

void AddRisks(const ResolvedRequirements& r, const Capacity& c, Plan* plan) {
  CrashRisk(c, plan);
  ShutdownRisk(c, plan);
  FilesRisk(r, plan);
  ReplicasRisk(r, plan);
  ClientMemoryRisks(plan);
  ReplicationLatencyRisk(r, c, plan);
  NicRisk(r, plan);
  CatchUpRisk(r, c, plan);
  RackRisks(r, plan);
  DurabilityRisks(r, plan);
  KeyRisks(r, plan);
  SloRisks(r, c, plan);
  ConsumerPollRisk(r, plan);
  TransactionRisk(r, plan);
  FlushRisk(c, plan);
  SmallBrokerRisks(plan);
  CapacityNotes(c, plan);
}

}  // namespace kbench::sizing
