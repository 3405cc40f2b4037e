#include "sizing/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sizing/defaults.h"
#include "sizing/recommended_config.h"
#include "sizing/risks.h"

namespace kbench::sizing {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kImpossible:
      return "impossible";
  }
  return "info";
}

std::vector<const Decision*> Plan::Decisions() const {
  return {&partitions,
          &brokers,
          &disks_per_broker,
          &disk_bytes_per_broker,
          &memory_bytes_per_broker,
          &cpu_cores_per_broker,
          &nic_bits_per_sec,
          &controllers};
}

bool Plan::Impossible() const {
  return std::any_of(risks.begin(), risks.end(),
                     [](const Risk& r) { return r.severity == Severity::kImpossible; });
}

namespace {

constexpr int kMaxBrokerIterations = 10000;

// Capacity after the requirement flags that fix hardware have had their say.
struct Effective {
  Sourced partition_bytes;
  std::optional<Sourced> partition_msgs;
  Sourced disk_size;
  Sourced disk_write_per_disk;
  std::optional<Sourced> broker_disk_bandwidth;  // --disk-throughput: all of a broker's disks
  std::optional<Sourced> disks;                  // --disks-per-broker
  Sourced nic;
  std::optional<Sourced> memory;  // fixed per broker (--memory or the probed host)
  std::optional<Sourced> cores;
  Sourced decompress;
};

template <typename T>
Sourced FromGiven(const Given<T>& g) {
  return Sourced{double(g.value), g.origin};
}

Effective MakeEffective(const ResolvedRequirements& r, const Capacity& c) {
  Effective e;
  e.partition_bytes = c.partition_bytes_per_sec;
  e.partition_msgs = c.partition_msgs_per_sec;
  if (r.partition_rate) {
    const Rate& rate = r.partition_rate->value;
    if (rate.kind == Rate::Kind::kBytes) {
      e.partition_bytes = {rate.per_sec, r.partition_rate->origin};
      e.partition_msgs.reset();
    } else {
      e.partition_msgs = Sourced{rate.per_sec, r.partition_rate->origin};
      e.partition_bytes = {rate.per_sec * r.msg_size->value,
                           r.partition_rate->origin + " x message size"};
    }
  }
  e.disk_size = r.disk_size ? FromGiven(*r.disk_size)
                            : Sourced{defaults::kDiskSizeBytes.value,
                                      std::string(defaults::kDiskSizeBytes.source)};
  e.disk_write_per_disk = c.disk_write_bytes_per_sec;
  if (r.disk_throughput) e.broker_disk_bandwidth = FromGiven(*r.disk_throughput);
  if (r.disks_per_broker) e.disks = FromGiven(*r.disks_per_broker);
  e.nic = r.nic_bits ? FromGiven(*r.nic_bits) : c.nic_bits_per_sec;
  if (r.memory) {
    e.memory = FromGiven(*r.memory);
  } else if (c.host_memory_bytes) {
    e.memory = c.host_memory_bytes;
  }
  if (r.cores) {
    e.cores = FromGiven(*r.cores);
  } else if (c.host_cores) {
    e.cores = c.host_cores;
  }
  if (r.compression.value != Codec::kNone)
    e.decompress = c.decompress_bytes_per_sec_per_core.at(r.compression.value);
  return e;
}

std::string SourceLine(const Sourced& s, const std::string& text) {
  return text + " (" + s.source + ")";
}

Risk Impossible(std::string key, std::string summary, std::string detail) {
  return Risk{std::move(key), Severity::kImpossible, std::move(summary), std::move(detail), 0, ""};
}

// ---- partitions
// -------------------------------------------------------------------------------------

struct PartitionNeed {
  std::vector<Bound> bounds;
  int64_t lower = 1;
};

PartitionNeed PartitionBounds(const ResolvedRequirements& r, const Effective& e,
                              std::vector<Risk>* risks) {
  PartitionNeed need;
  double growth = r.keyed.value ? r.growth.value : 1.0;
  double hot = r.hot_key_share.value;
  need.bounds.push_back(PartitionsForThroughput("produce rate", r.peak_bytes, growth, hot,
                                                e.partition_bytes.value, Rate::Kind::kBytes,
                                                "per partition"));
  auto check_hot = [&](double load, double per, Rate::Kind kind, const std::string& label) {
    std::string key = label == "per partition" ? "hot_key_partition" : "hot_key_consumer";
    bool reported =
        std::any_of(risks->begin(), risks->end(), [&](const Risk& x) { return x.key == key; });
    if (auto why = HotKeyOverflow(load, growth, hot, per, kind, label); why && !reported) {
      risks->push_back(
          Impossible(key, "the hottest key does not fit in one " + label.substr(4), *why));
    }
  };
  check_hot(r.peak_bytes, e.partition_bytes.value, Rate::Kind::kBytes, "per partition");
  if (e.partition_msgs && r.peak_msgs) {
    need.bounds.push_back(PartitionsForThroughput("produce rate (messages)", *r.peak_msgs, growth,
                                                  hot, e.partition_msgs->value,
                                                  Rate::Kind::kMessages, "per partition"));
    check_hot(*r.peak_msgs, e.partition_msgs->value, Rate::Kind::kMessages, "per partition");
  }
  if (r.consumer_rate) {
    const Rate& rate = r.consumer_rate->value;
    double load = rate.kind == Rate::Kind::kBytes ? r.peak_bytes : *r.peak_msgs;
    need.bounds.push_back(PartitionsForThroughput("consumer rate", load, growth, hot, rate.per_sec,
                                                  rate.kind, "per consumer"));
    check_hot(load, rate.per_sec, rate.kind, "per consumer");
  }
  if (r.consumers) need.bounds.push_back(PartitionsForConsumers(r.consumers->value));
  need.lower = int64_t(std::max(1.0, Binding(need.bounds).value));
  return need;
}

// ---- brokers
// ----------------------------------------------------------------------------------------

struct BrokerNeed {
  std::vector<Bound> bounds;
  int64_t brokers = 1;
  int64_t partitions = 1;
  double segment_bytes = 0;
  double stored_with_overhead = 0;
};

double MaxDisksPerBroker(const Effective& e) {
  return e.disks ? e.disks->value : defaults::kMaxDisksPerBroker.value;
}

double BrokerDiskBandwidth(const Effective& e, double disks) {
  return e.broker_disk_bandwidth ? e.broker_disk_bandwidth->value
                                 : disks * e.disk_write_per_disk.value;
}

std::vector<Bound> FixedBrokerBounds(const ResolvedRequirements& r, const Capacity& c,
                                     const Effective& e, double cpu_total,
                                     std::vector<Risk>* risks) {
  std::vector<Bound> b;
  b.push_back(BrokersForReplicationFactor(r.rf.value));
  if (r.racks) b.push_back(BrokersForRacks(r.racks->value));
  b.push_back(BrokersForDiskBandwidth(r.peak_bytes, r.rf.value,
                                      BrokerDiskBandwidth(e, MaxDisksPerBroker(e)),
                                      r.max_disk_util.value));
  if (c.broker_write_bytes_per_sec) {
    b.push_back(BrokersForMeasuredWrite(r.peak_bytes, r.rf.value,
                                        c.broker_write_bytes_per_sec->value, r.failures.value));
  }
  b.push_back(BrokersForNetwork(r.peak_bytes, r.rf.value, r.fanout.value, e.nic.value,
                                r.max_nic_util.value, r.failures.value));
  double memory = e.memory ? e.memory->value : defaults::kMaxMemoryBytes;
  Bound mem = BrokersForMemory(PageCacheBytesTotal(r.peak_bytes, r.rf.value, r.lag_window_s.value),
                               memory, r.heap.value);
  if (std::isinf(mem.value)) {
    risks->push_back(Impossible("memory", "memory per broker is all heap", mem.arithmetic));
  } else {
    b.push_back(mem);
  }
  double cores = e.cores ? e.cores->value : double(defaults::kMaxCores);
  b.push_back(BrokersForCpu(cpu_total, cores, r.max_cpu_util.value));
  return b;
}

// Brokers and partitions depend on each other (partitions round up to a multiple of brokers;
// replicas per broker and segment overhead depend on partitions), so iterate to the smallest
// consistent pair. Brokers only grow, so this ends; a cap that no broker count satisfies is
// reported as impossible.
BrokerNeed SizeBrokers(const ResolvedRequirements& r, const Effective& e,
                       const std::vector<Bound>& fixed, int64_t partitions_lower, double stored,
                       std::vector<Risk>* risks) {
  BrokerNeed need;
  need.brokers = std::max<int64_t>(defaults::kMinBrokers, int64_t(Binding(fixed).value));
  double broker_disk_bytes = MaxDisksPerBroker(e) * e.disk_size.value;
  for (int i = 0; i < kMaxBrokerIterations; ++i) {
    need.partitions = RoundUpToMultiple(partitions_lower, need.brokers);
    need.segment_bytes = SegmentBytes(stored, need.partitions, r.rf.value);
    need.stored_with_overhead =
        stored + SegmentOverheadBytes(need.partitions, r.rf.value, need.segment_bytes);
    need.bounds = fixed;
    need.bounds.push_back(
        BrokersForStorage(need.stored_with_overhead, broker_disk_bytes, r.max_disk_fill.value));
    need.bounds.push_back(
        BrokersForReplicaCap(need.partitions, r.rf.value, r.max_partitions_per_broker.value));
    int64_t next = int64_t(Binding(need.bounds).value);
    if (next <= need.brokers) return need;
    need.brokers = next;
  }
  risks->push_back(Impossible("partitions_per_broker",
                              "no broker count keeps replicas per broker under the cap",
                              fmt::format("partitions are rounded up to a multiple of the brokers, "
                                          "so every broker holds at least RF "
                                          "{} replicas; a cap of {} cannot be met",
                                          r.rf.value, r.max_partitions_per_broker.value)));
  return need;
}

// ---- decisions
// --------------------------------------------------------------------------------------

Decision MakeDecision(std::string key, std::string label, double value, std::string unit,
                      std::string display, std::vector<Bound> bounds) {
  Decision d;
  d.key = std::move(key);
  d.label = std::move(label);
  d.value = value;
  d.unit = std::move(unit);
  d.display = std::move(display);
  if (!bounds.empty()) {
    const Bound& b = Binding(bounds);
    d.constraint = b.constraint + ": " + b.arithmetic;
  }
  d.bounds = std::move(bounds);
  return d;
}

Decision PartitionsDecision(const ResolvedRequirements& r, const Effective& e,
                            const PartitionNeed& pn, const BrokerNeed& bn) {
  Decision d = MakeDecision("partitions", "partitions per topic", double(bn.partitions),
                            "partitions", FormatCount(double(bn.partitions)), pn.bounds);
  if (bn.partitions != pn.lower) {
    d.steps.push_back(
        fmt::format("{} rounded up to a multiple of {} brokers = {}, so leaders spread evenly",
                    FormatCount(double(pn.lower)), bn.brokers, FormatCount(double(bn.partitions))));
  }
  std::string headroom =
      fmt::format("sized for the peak (x{} over average)", FormatNumber(r.peak_factor.value));
  if (r.keyed.value) {
    headroom +=
        r.growth.value > 1
            ? fmt::format(
                  ", x{} growth: keyed, so partitions cannot be added later without remapping keys",
                  FormatNumber(r.growth.value))
            : "; keyed, so partitions cannot be added later without remapping keys (no --growth "
              "given)";
  } else if (r.growth.value > 1) {
    headroom += "; growth not applied: unkeyed partitions can be added when ingress grows";
  }
  if (bn.partitions != pn.lower)
    headroom += fmt::format("; rounded up to a multiple of {} brokers", bn.brokers);
  d.headroom = headroom;
  d.inputs.push_back({"per-partition produce rate", FormatByteRate(e.partition_bytes.value),
                      e.partition_bytes.source});
  if (e.partition_msgs) {
    d.inputs.push_back({"per-partition produce rate", FormatMessageRate(e.partition_msgs->value),
                        e.partition_msgs->source});
  }
  d.inputs.push_back({"peak ingress", FormatByteRate(r.peak_bytes),
                      fmt::format("{} x peak factor {} ({})", r.ingress_bytes.origin,
                                  FormatNumber(r.peak_factor.value), r.peak_factor.origin)});
  if (r.consumer_rate) {
    const Rate& rate = r.consumer_rate->value;
    d.inputs.push_back({"per-consumer rate",
                        rate.kind == Rate::Kind::kBytes ? FormatByteRate(rate.per_sec)
                                                        : FormatMessageRate(rate.per_sec),
                        r.consumer_rate->origin});
  }
  return d;
}

std::string BrokerHeadroom(const ResolvedRequirements& r) {
  return fmt::format(
      "NIC <= {} per direction with {} broker(s) down; disk bandwidth <= {}; disk space <= {} "
      "full; CPU <= {}; "
      "<= {} replicas per broker",
      fmt::format("{}%", FormatNumber(r.max_nic_util.value * 100)), r.failures.value,
      fmt::format("{}%", FormatNumber(r.max_disk_util.value * 100)),
      fmt::format("{}%", FormatNumber(r.max_disk_fill.value * 100)),
      fmt::format("{}%", FormatNumber(r.max_cpu_util.value * 100)),
      FormatCount(double(r.max_partitions_per_broker.value)));
}

Decision BrokersDecision(const ResolvedRequirements& r, const Capacity& c, const Effective& e,
                         const BrokerNeed& bn) {
  Decision d = MakeDecision("brokers", "brokers", double(bn.brokers), "brokers",
                            FormatCount(double(bn.brokers)), bn.bounds);
  d.headroom = BrokerHeadroom(r);
  d.inputs.push_back({"NIC", FormatBitRate(e.nic.value), e.nic.source});
  if (e.broker_disk_bandwidth) {
    d.inputs.push_back({"disk bandwidth per broker", FormatByteRate(e.broker_disk_bandwidth->value),
                        e.broker_disk_bandwidth->source});
  } else {
    d.inputs.push_back({"disk write per disk", FormatByteRate(e.disk_write_per_disk.value),
                        e.disk_write_per_disk.source});
  }
  d.inputs.push_back({"disk size", FormatBytes(e.disk_size.value), e.disk_size.source});
  if (c.broker_write_bytes_per_sec) {
    d.inputs.push_back({"measured broker write at the SLO",
                        FormatByteRate(c.broker_write_bytes_per_sec->value),
                        c.broker_write_bytes_per_sec->source});
  }
  d.inputs.push_back({"replication factor", std::to_string(r.rf.value), r.rf.origin});
  d.inputs.push_back({"fan-out", FormatNumber(r.fanout.value), r.fanout.origin});
  d.inputs.push_back({"retention", FormatDuration(r.retention_s.value), r.retention_s.origin});
  return d;
}

void DiskDecisions(const ResolvedRequirements& r, const Effective& e, const BrokerNeed& bn,
                   Plan* plan) {
  double per_broker_stored = bn.stored_with_overhead / double(bn.brokers);
  double per_broker_write = r.peak_bytes * double(r.rf.value) / double(bn.brokers);
  std::vector<Bound> bounds;
  if (e.disks) {
    bounds.push_back(Bound{"fixed", e.disks->value, "given (" + e.disks->source + ")"});
  } else {
    bounds.push_back(DisksForSpace(per_broker_stored, e.disk_size.value, r.max_disk_fill.value));
    if (!e.broker_disk_bandwidth) {
      bounds.push_back(
          DisksForBandwidth(per_broker_write, e.disk_write_per_disk.value, r.max_disk_util.value));
    }
  }
  double disks = Binding(bounds).value;
  Decision d = MakeDecision("disks_per_broker", "disks per broker", disks, "disks",
                            FormatCount(disks), bounds);
  d.headroom = fmt::format(
      "space <= {}% full, bandwidth <= {}%; one log.dirs entry per disk, no shared NAS (seed 003)",
      FormatNumber(r.max_disk_fill.value * 100), FormatNumber(r.max_disk_util.value * 100));
  d.inputs.push_back({"stored per broker (with segment overhead)", FormatBytes(per_broker_stored),
                      "storage rule"});
  d.inputs.push_back({"disk size", FormatBytes(e.disk_size.value), e.disk_size.source});
  d.inputs.push_back({"disk write per disk", FormatByteRate(e.disk_write_per_disk.value),
                      e.disk_write_per_disk.source});
  plan->disks_per_broker = d;

  double bytes = disks * e.disk_size.value;
  std::string per_disk =
      fmt::format("{} disks ({}) x {} per disk ({})", FormatCount(disks),
                  Binding(bounds).constraint, FormatBytes(e.disk_size.value), e.disk_size.source);
  Decision b = MakeDecision("disk_bytes_per_broker", "disk capacity per broker", bytes, "bytes",
                            FormatBytes(bytes), {Bound{"disks x disk size", bytes, per_disk}});
  b.headroom = fmt::format("holds {} per broker at {}% full", FormatBytes(per_broker_stored),
                           FormatNumber(per_broker_stored / bytes * 100));
  b.inputs = d.inputs;
  plan->disk_bytes_per_broker = b;
}

void MemoryDecision(const ResolvedRequirements& r, const Effective& e, int64_t brokers,
                    Plan* plan) {
  double cache =
      PageCacheBytesTotal(r.peak_bytes, r.rf.value, r.lag_window_s.value) / double(brokers);
  double need = r.heap.value + defaults::kOsReserveBytes + cache;
  std::vector<Bound> bounds;
  bounds.push_back(Bound{
      "page cache for the lag window", need,
      fmt::format("heap {} + OS {} + {} peak x RF {} x {} lag window / {} brokers ({}) = {}",
                  FormatBinaryBytes(r.heap.value), FormatBinaryBytes(defaults::kOsReserveBytes),
                  FormatByteRate(r.peak_bytes), r.rf.value, FormatDuration(r.lag_window_s.value),
                  brokers, FormatBinaryBytes(cache), FormatBinaryBytes(need))});
  double value = 0;
  Decision d;
  if (e.memory) {
    bounds.insert(bounds.begin(),
                  Bound{"fixed", e.memory->value, "given (" + e.memory->source + ")"});
    value = e.memory->value;
    d = MakeDecision("memory_bytes_per_broker", "memory per broker", value, "bytes",
                     FormatBinaryBytes(value), bounds);
    d.constraint = "fixed: " + SourceLine(*e.memory, FormatBinaryBytes(value)) +
                   "; brokers were added until the page cache fits (page cache bound)";
  } else {
    bounds.push_back(
        Bound{"minimum", defaults::kMinMemoryBytes, "at least 32 GiB per broker (seed 003)"});
    value = StandardMemoryBytes(std::max(need, defaults::kMinMemoryBytes));
    d = MakeDecision("memory_bytes_per_broker", "memory per broker", value, "bytes",
                     FormatBinaryBytes(value), bounds);
    if (value > Binding(bounds).value)
      d.steps.push_back("rounded up to a standard size: " + FormatBinaryBytes(value));
  }
  d.headroom = fmt::format(
      "page cache holds {} of peak writes (lag window, {}); heap {} ({}); no other applications "
      "on the broker (seed 003)",
      FormatDuration(r.lag_window_s.value), r.lag_window_s.origin, FormatBinaryBytes(r.heap.value),
      r.heap.origin);
  plan->memory_bytes_per_broker = d;
}

void CpuDecision(const ResolvedRequirements& r, const Capacity& c, const Effective& e,
                 double cpu_total, int64_t brokers, Plan* plan) {
  double need = cpu_total / double(brokers) / r.max_cpu_util.value;
  std::vector<Bound> bounds;
  std::string codec =
      r.compression.value == Codec::kNone
          ? "no decompression (uncompressed batches)"
          : fmt::format("{} x ratio {} decompressed by the leader at {} per core",
                        FormatByteRate(r.peak_bytes), FormatNumber(r.compression_ratio.value),
                        FormatByteRate(e.decompress.value));
  bounds.push_back(Bound{
      "CRC and decompression", need,
      fmt::format(
          "({} x RF {} CRC-32C at {} per core + {}) x {} overhead / {} brokers / {} busy = {}",
          FormatByteRate(r.peak_bytes), r.rf.value,
          FormatByteRate(c.crc_bytes_per_sec_per_core.value), codec,
          FormatNumber(defaults::kCpuOverhead.value), brokers,
          fmt::format("{}%", FormatNumber(r.max_cpu_util.value * 100)), FormatNumber(need))});
  Decision d;
  double value = 0;
  if (e.cores) {
    bounds.insert(bounds.begin(),
                  Bound{"fixed", e.cores->value, "given (" + e.cores->source + ")"});
    value = e.cores->value;
    d = MakeDecision("cpu_cores_per_broker", "CPU cores per broker", value, "cores",
                     FormatCount(value), bounds);
    d.constraint = "fixed: " + SourceLine(*e.cores, FormatCount(value)) +
                   "; brokers were added until the work fits (CPU bound)";
  } else {
    bounds.push_back(Bound{
        "minimum", double(defaults::kMinCores),
        "8 cores for Kafka's 8 default I/O threads plus network threads; prefer more cores over "
        "faster ones (seed 003)"});
    value = double(StandardCores(std::max(need, double(defaults::kMinCores))));
    d = MakeDecision("cpu_cores_per_broker", "CPU cores per broker", value, "cores",
                     FormatCount(value), bounds);
    if (value > Binding(bounds).value)
      d.steps.push_back(fmt::format("rounded up to a standard count: {}", value));
  }
  d.headroom =
      fmt::format("CPU <= {}% busy; x{} for request handling and GC ({})",
                  FormatNumber(r.max_cpu_util.value * 100),
                  FormatNumber(defaults::kCpuOverhead.value), defaults::kCpuOverhead.source);
  d.inputs.push_back({"CRC-32C per core", FormatByteRate(c.crc_bytes_per_sec_per_core.value),
                      c.crc_bytes_per_sec_per_core.source});
  if (r.compression.value != Codec::kNone) {
    d.inputs.push_back({std::string(CodecName(r.compression.value)) + " decompress per core",
                        FormatByteRate(e.decompress.value), e.decompress.source});
  }
  plan->cpu_cores_per_broker = d;
}

void NicDecision(const ResolvedRequirements& r, const Effective& e, int64_t brokers, Plan* plan) {
  double traffic_bits = std::max(NetworkInBytes(r.peak_bytes, r.rf.value),
                                 NetworkOutBytes(r.peak_bytes, r.rf.value, r.fanout.value)) *
                        8;
  int64_t survivors = std::max<int64_t>(1, brokers - r.failures.value);
  double need = traffic_bits / double(survivors) / r.max_nic_util.value;
  std::vector<Bound> bounds;
  bounds.push_back(Bound{"given", e.nic.value, SourceLine(e.nic, FormatBitRate(e.nic.value))});
  bounds.push_back(
      Bound{"traffic", need,
            fmt::format("{} busier direction / {} brokers left after {} down / {}% = {}",
                        FormatBitRate(traffic_bits), survivors, r.failures.value,
                        FormatNumber(r.max_nic_util.value * 100), FormatBitRate(need))});
  Decision d = MakeDecision("nic_bits_per_sec", "NIC per broker", e.nic.value, "bits/s",
                            FormatBitRate(e.nic.value), bounds);
  d.constraint = fmt::format("{}; brokers were added until traffic fits (network bound)",
                             SourceLine(e.nic, FormatBitRate(e.nic.value)));
  d.headroom = fmt::format(
      "{}% busy per direction in normal operation, {}% with {} broker(s) down (ceiling {}%, seed "
      "003)",
      FormatNumber(traffic_bits / double(brokers) / e.nic.value * 100),
      FormatNumber(traffic_bits / double(survivors) / e.nic.value * 100), r.failures.value,
      FormatNumber(r.max_nic_util.value * 100));
  plan->nic_bits_per_sec = d;
}

void ControllersDecision(const ResolvedRequirements& r, int64_t brokers, Plan* plan) {
  std::vector<Bound> bounds = {ControllersForFailures(r.failures.value),
                               ControllersForScale(brokers)};
  double v = Binding(bounds).value;
  Decision d =
      MakeDecision("controllers", "KRaft controllers", v, "controllers", FormatCount(v), bounds);
  d.headroom = fmt::format(
      "odd count, majority quorum: tolerates {} controller failure(s); one per rack (seed 003)",
      (int64_t(v) - 1) / 2);
  plan->controllers = d;
}

}  // namespace

Plan BuildPlan(const ResolvedRequirements& r, const Capacity& c) {
  Plan plan;
  Effective e = MakeEffective(r, c);
  PartitionNeed pn = PartitionBounds(r, e, &plan.risks);
  if (pn.lower > r.max_partitions_per_cluster.value) {
    plan.risks.push_back(Impossible(
        "partitions_per_cluster", "the topic needs more partitions than a cluster should hold",
        fmt::format("{} ({}) > the cluster cap of {} ({}); split the stream across clusters or "
                    "raise per-partition "
                    "capacity",
                    FormatCount(double(pn.lower)), Binding(pn.bounds).constraint,
                    FormatCount(double(r.max_partitions_per_cluster.value)),
                    r.max_partitions_per_cluster.origin)));
  }
  double decompress = r.compression.value == Codec::kNone ? 1 : e.decompress.value;
  double cpu_total = CpuCoresTotal(r.peak_bytes, r.rf.value, c.crc_bytes_per_sec_per_core.value,
                                   r.compression.value, r.compression_ratio.value, decompress,
                                   defaults::kCpuOverhead.value);
  Bound stored = StoredBytes(r);
  std::vector<Bound> fixed = FixedBrokerBounds(r, c, e, cpu_total, &plan.risks);
  BrokerNeed bn = SizeBrokers(r, e, fixed, pn.lower, stored.value, &plan.risks);

  plan.partitions = PartitionsDecision(r, e, pn, bn);
  plan.brokers = BrokersDecision(r, c, e, bn);
  plan.brokers.inputs.push_back(
      {"stored bytes (all replicas)", FormatBytes(stored.value), stored.arithmetic});
  DiskDecisions(r, e, bn, &plan);
  MemoryDecision(r, e, bn.brokers, &plan);
  CpuDecision(r, c, e, cpu_total, bn.brokers, &plan);
  NicDecision(r, e, bn.brokers, &plan);
  ControllersDecision(r, bn.brokers, &plan);

  Derived& d = plan.derived;
  d.partitions = bn.partitions;
  d.brokers = bn.brokers;
  d.stored_bytes = stored.value;
  d.stored_with_overhead = bn.stored_with_overhead;
  d.segment_bytes = bn.segment_bytes;
  d.partition_bytes_per_sec = e.partition_bytes.value;
  d.disk_size = e.disk_size.value;
  d.disk_write_per_disk = e.disk_write_per_disk.value;
  d.nic_bits = e.nic.value;
  d.network_in = NetworkInBytes(r.peak_bytes, r.rf.value);
  d.network_out = NetworkOutBytes(r.peak_bytes, r.rf.value, r.fanout.value);
  d.page_cache_total = PageCacheBytesTotal(r.peak_bytes, r.rf.value, r.lag_window_s.value);
  d.cpu_cores_total = cpu_total;
  d.leaders_per_broker = double(bn.partitions) / double(bn.brokers);
  d.replicas_per_broker = double(bn.partitions) * double(r.rf.value) / double(bn.brokers);
  d.consumers = r.consumers ? r.consumers->value : bn.partitions;
  d.linger_ms =
      LingerMs(r.latency_slo ? std::optional<LatencySlo>(r.latency_slo->value) : std::nullopt);
  d.batch_size = BatchSizeBytes(r.peak_bytes / double(bn.partitions), d.linger_ms);

  AddRisks(r, c, &plan);
  AddRecommendedConfig(r, c, &plan);
  return plan;
}

}  // namespace kbench::sizing
