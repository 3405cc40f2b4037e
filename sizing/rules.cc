#include "sizing/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "sizing/defaults.h"

namespace kbench::sizing {
namespace {

constexpr double kGiB = 1073741824.0;
constexpr double kMiB = 1048576.0;

// Ceiling that ignores floating-point dust (10.000000001 -> 10).
double CeilWhole(double v) { return std::ceil(v - 1e-9); }

std::string FormatLoad(double v, Rate::Kind kind) {
  return kind == Rate::Kind::kBytes ? FormatByteRate(v) : FormatMessageRate(v);
}

std::string Pct(double fraction) { return fmt::format("{}%", FormatNumber(fraction * 100)); }

double NextPowerOfTwo(double v) {
  double p = 1;
  while (p < v) p *= 2;
  return p;
}

}  // namespace

const Bound& Binding(const std::vector<Bound>& bounds) {
  const Bound* best = &bounds.front();
  for (const Bound& b : bounds) {
    if (b.value > best->value) best = &b;
  }
  return *best;
}

Bound PartitionsForThroughput(const std::string& what, double load, double growth, double hot_share,
                              double per_unit, Rate::Kind kind, const std::string& per_label) {
  double effective = load * growth;
  std::string load_text = FormatLoad(load, kind) + " peak";
  if (growth > 1) load_text = fmt::format("{} x growth {}", load_text, FormatNumber(growth));
  Bound b{what, 0, ""};
  double hot = hot_share * effective;
  if (hot_share > 0 && hot < per_unit) {
    double p = (1 - hot_share) * effective / (per_unit - hot);
    b.value = std::max(1.0, CeilWhole(p));
    b.arithmetic = fmt::format("(1 - hot key {}) x {} / ({} {} - {} on the hot key) = {} -> {}",
                               Pct(hot_share), load_text, FormatLoad(per_unit, kind), per_label,
                               FormatLoad(hot, kind), FormatNumber(p), FormatCount(b.value));
    return b;
  }
  double p = effective / per_unit;
  b.value = std::max(1.0, CeilWhole(p));
  b.arithmetic = fmt::format("{} / {} {} = {} -> {}", load_text, FormatLoad(per_unit, kind),
                             per_label, FormatNumber(p), FormatCount(b.value));
  if (hot_share > 0) b.arithmetic += " (the hot key alone exceeds this; see risks)";
  return b;
}

Bound PartitionsForConsumers(int64_t consumers) {
  return Bound{
      "consumers per group", double(consumers),
      fmt::format("{} consumers in the largest group; fewer partitions leave consumers idle "
                  "(seed 001)",
                  consumers)};
}

std::optional<std::string> HotKeyOverflow(double load, double growth, double hot_share,
                                          double per_unit, Rate::Kind kind,
                                          const std::string& per_label) {
  double hot = hot_share * load * growth;
  if (hot_share <= 0 || hot < per_unit) return std::nullopt;
  return fmt::format(
      "the hottest key alone carries {} x {} = {}, more than the {} {}: one partition cannot carry "
      "it "
      "even alone, and no partition count changes that (a key always maps to one partition); split "
      "the "
      "key or raise per-partition capacity",
      Pct(hot_share), FormatLoad(load * growth, kind), FormatLoad(hot, kind),
      FormatLoad(per_unit, kind), per_label);
}

int64_t RoundUpToMultiple(int64_t value, int64_t multiple) {
  if (multiple <= 1) return value;
  return (value + multiple - 1) / multiple * multiple;
}

Bound StoredBytes(const ResolvedRequirements& r) {
  double rf = double(r.rf.value);
  if (r.cleanup.value == Cleanup::kCompact) {
    double live = r.live_bytes->value;
    double v = live / (1 - r.dirty_ratio.value) * rf;
    return Bound{"compacted size", v,
                 fmt::format("live {} / (1 - dirty ratio {}) x RF {} = {}", FormatBytes(live),
                             FormatNumber(r.dirty_ratio.value), r.rf.value, FormatBytes(v))};
  }
  // The average already includes the day's peaks, so over a day or more retention holds average x
  // time. A shorter window may fall on the peak: up to peak x time, but never more than a whole
  // day's volume. Both terms only grow with retention, so stored bytes are monotone in it.
  double by_average = r.ingress_bytes.value * r.retention_s.value;
  double by_window = std::min(r.peak_bytes * r.retention_s.value, r.ingress_bytes.value * 86400);
  bool peak = by_window > by_average;
  double by_time = std::max(by_average, by_window) * rf;
  std::string text =
      peak ? fmt::format(
                 "{} peak x retention {} (a window under a day may fall on the peak) x RF {} = {}",
                 FormatByteRate(r.peak_bytes), FormatDuration(r.retention_s.value), r.rf.value,
                 FormatBytes(by_time))
           : fmt::format("{} average x retention {} x RF {} = {}",
                         FormatByteRate(r.ingress_bytes.value), FormatDuration(r.retention_s.value),
                         r.rf.value, FormatBytes(by_time));
  if (r.retention_bytes) {
    double by_bytes = r.retention_bytes->value * rf;
    if (by_bytes < by_time) {
      return Bound{"retention.bytes", by_bytes,
                   fmt::format("retention {} x RF {} = {} (reached before retention.ms: {})",
                               FormatBytes(r.retention_bytes->value), r.rf.value,
                               FormatBytes(by_bytes), text)};
    }
  }
  return Bound{"retention", by_time, text};
}

double SegmentBytes(double stored_bytes, int64_t partitions, int64_t rf) {
  double per_replica = stored_bytes / double(std::max<int64_t>(1, partitions * rf));
  double target = per_replica / 10;
  double seg = 16 * kMiB;
  while (seg * 2 <= target && seg * 2 <= defaults::kStandardSegmentBytes) seg *= 2;
  return seg;
}

double SegmentOverheadBytes(int64_t partitions, int64_t rf, double segment_bytes) {
  return double(partitions) * double(rf) * segment_bytes;
}

Bound BrokersForReplicationFactor(int64_t rf) {
  return Bound{"replication factor", double(rf),
               fmt::format("RF {} needs {} brokers, one replica each (seed 003)", rf, rf)};
}

Bound BrokersForRacks(int64_t racks) {
  return Bound{"racks", double(racks),
               fmt::format("at least one broker in each of {} racks", racks)};
}

Bound BrokersForDiskBandwidth(double peak_bytes, int64_t rf, double broker_disk_bytes_per_sec,
                              double max_util) {
  double write = peak_bytes * double(rf);
  double b = write / (broker_disk_bytes_per_sec * max_util);
  return Bound{"disk bandwidth", CeilWhole(b),
               fmt::format("{} peak x RF {} = {} written / ({} per broker x {}) = {} -> {}",
                           FormatByteRate(peak_bytes), rf, FormatByteRate(write),
                           FormatByteRate(broker_disk_bytes_per_sec), Pct(max_util),
                           FormatNumber(b), FormatCount(CeilWhole(b)))};
}

Bound BrokersForMeasuredWrite(double peak_bytes, int64_t rf, double broker_write_bytes_per_sec,
                              int64_t failures) {
  double write = peak_bytes * double(rf);
  double b = write / broker_write_bytes_per_sec;
  double v = CeilWhole(b) + double(failures);
  return Bound{
      "measured broker throughput", v,
      fmt::format("{} peak x RF {} = {} / {} per broker at the SLO = {} -> {}, + {} down = {}",
                  FormatByteRate(peak_bytes), rf, FormatByteRate(write),
                  FormatByteRate(broker_write_bytes_per_sec), FormatNumber(b),
                  FormatCount(CeilWhole(b)), failures, FormatCount(v))};
}

double NetworkInBytes(double peak_bytes, int64_t rf) { return peak_bytes * double(rf); }

double NetworkOutBytes(double peak_bytes, int64_t rf, double fanout) {
  return peak_bytes * (fanout + double(rf - 1));
}

Bound BrokersForNetwork(double peak_bytes, int64_t rf, double fanout, double nic_bits_per_sec,
                        double max_util, int64_t failures) {
  double in = NetworkInBytes(peak_bytes, rf);
  double out = NetworkOutBytes(peak_bytes, rf, fanout);
  bool out_busier = out >= in;
  double traffic = std::max(in, out);
  double b = traffic * 8 / (nic_bits_per_sec * max_util);
  double v = std::max(1.0, CeilWhole(b)) + double(failures);
  std::string dir =
      out_busier
          ? fmt::format("out = {} x (fanout {} + RF {} - 1) = {}", FormatByteRate(peak_bytes),
                        FormatNumber(fanout), rf, FormatByteRate(out))
          : fmt::format("in = {} x RF {} = {}", FormatByteRate(peak_bytes), rf, FormatByteRate(in));
  return Bound{"network", v,
               fmt::format("{} = {}; / ({} NIC x {}) = {} -> {}, + {} down = {}", dir,
                           FormatBitRate(traffic * 8), FormatBitRate(nic_bits_per_sec),
                           Pct(max_util), FormatNumber(b), FormatCount(std::max(1.0, CeilWhole(b))),
                           failures, FormatCount(v))};
}

Bound BrokersForStorage(double stored_bytes, double broker_disk_bytes, double max_fill) {
  double b = stored_bytes / (broker_disk_bytes * max_fill);
  return Bound{"storage", CeilWhole(b),
               fmt::format("{} stored / ({} per broker x {} fill) = {} -> {}",
                           FormatBytes(stored_bytes), FormatBytes(broker_disk_bytes), Pct(max_fill),
                           FormatNumber(b), FormatCount(CeilWhole(b)))};
}

Bound BrokersForReplicaCap(int64_t partitions, int64_t rf, int64_t max_replicas_per_broker) {
  double replicas = double(partitions) * double(rf);
  double b = replicas / double(max_replicas_per_broker);
  return Bound{"partitions per broker", CeilWhole(b),
               fmt::format("{} partitions x RF {} = {} replicas / {} per broker = {} -> {}",
                           FormatCount(double(partitions)), rf, FormatCount(replicas),
                           FormatCount(double(max_replicas_per_broker)), FormatNumber(b),
                           FormatCount(CeilWhole(b)))};
}

Bound BrokersForMemory(double page_cache_bytes_total, double memory_per_broker, double heap_bytes) {
  double usable = memory_per_broker - heap_bytes - defaults::kOsReserveBytes;
  if (usable <= 0) {
    return Bound{
        "memory", std::numeric_limits<double>::infinity(),
        fmt::format("{} per broker leaves nothing for the page cache after a {} heap and {} for "
                    "the OS",
                    FormatBinaryBytes(memory_per_broker), FormatBinaryBytes(heap_bytes),
                    FormatBinaryBytes(defaults::kOsReserveBytes))};
  }
  double b = page_cache_bytes_total / usable;
  return Bound{
      "page cache", CeilWhole(b),
      fmt::format("{} of page cache / ({} - {} heap - {} OS = {} per broker) = {} -> {}",
                  FormatBinaryBytes(page_cache_bytes_total), FormatBinaryBytes(memory_per_broker),
                  FormatBinaryBytes(heap_bytes), FormatBinaryBytes(defaults::kOsReserveBytes),
                  FormatBinaryBytes(usable), FormatNumber(b), FormatCount(CeilWhole(b)))};
}

Bound BrokersForCpu(double cores_total, double cores_per_broker, double max_util) {
  double b = cores_total / (cores_per_broker * max_util);
  return Bound{"CPU", CeilWhole(b),
               fmt::format("{} cores of work / ({} cores per broker x {}) = {} -> {}",
                           FormatNumber(cores_total), FormatNumber(cores_per_broker), Pct(max_util),
                           FormatNumber(b), FormatCount(CeilWhole(b)))};
}

double PageCacheBytesTotal(double peak_bytes, int64_t rf, double lag_window_s) {
  return peak_bytes * double(rf) * lag_window_s;
}

double CpuCoresTotal(double peak_bytes, int64_t rf, double crc_bytes_per_core, Codec codec,
                     double compression_ratio, double decompress_bytes_per_core, double overhead) {
  double crc = peak_bytes * double(rf) / crc_bytes_per_core;
  double decompress = 0;
  if (codec != Codec::kNone)
    decompress = peak_bytes * compression_ratio / decompress_bytes_per_core;
  return (crc + decompress) * overhead;
}

double StandardMemoryBytes(double need_bytes) {
  static constexpr std::array<double, 13> kGiBs = {32,  48,  64,  96,   128,  192, 256,
                                                   384, 512, 768, 1024, 1536, 2048};
  for (double g : kGiBs) {
    if (g * kGiB >= need_bytes) return g * kGiB;
  }
  return std::ceil(need_bytes / (256 * kGiB)) * 256 * kGiB;
}

int64_t StandardCores(double need_cores) {
  static constexpr std::array<int64_t, 11> kCores = {8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256};
  for (int64_t c : kCores) {
    if (double(c) >= need_cores - 1e-9) return c;
  }
  return int64_t(CeilWhole(need_cores));
}

Bound DisksForSpace(double stored_per_broker, double disk_size, double max_fill) {
  double d = stored_per_broker / (disk_size * max_fill);
  double v = std::max(1.0, CeilWhole(d));
  return Bound{
      "disk space", v,
      fmt::format("{} per broker / ({} disk x {} fill) = {} -> {}", FormatBytes(stored_per_broker),
                  FormatBytes(disk_size), Pct(max_fill), FormatNumber(d), FormatCount(v))};
}

Bound DisksForBandwidth(double write_per_broker, double disk_write_bytes_per_sec, double max_util) {
  double d = write_per_broker / (disk_write_bytes_per_sec * max_util);
  double v = std::max(1.0, CeilWhole(d));
  return Bound{
      "disk bandwidth", v,
      fmt::format("{} written per broker / ({} per disk x {}) = {} -> {}",
                  FormatByteRate(write_per_broker), FormatByteRate(disk_write_bytes_per_sec),
                  Pct(max_util), FormatNumber(d), FormatCount(v))};
}

Bound ControllersForFailures(int64_t failures) {
  if (failures >= 2) {
    return Bound{
        "failures", 5,
        fmt::format("{} failures to tolerate: a quorum of 5 survives 2 (seed 003)", failures)};
  }
  return Bound{"failures", 3, "a quorum of 3 survives 1 failure (seed 003)"};
}

Bound ControllersForScale(int64_t brokers) {
  if (brokers >= 10) {
    return Bound{
        "central pipeline", 5,
        fmt::format("{} brokers is a central, busy pipeline: 5 controllers (seed 003)", brokers)};
  }
  return Bound{"central pipeline", 3,
               fmt::format("{} brokers: 3 controllers suffice (seed 003)", brokers)};
}

std::optional<int64_t> RacksToSurviveRackLoss(int64_t rf, int64_t min_isr) {
  for (int64_t racks = 1; racks <= rf; ++racks) {
    int64_t per_rack = (rf + racks - 1) / racks;
    if (rf - per_rack >= min_isr) return racks;
  }
  return std::nullopt;
}

double CrashUnavailabilitySeconds(double leaders_per_broker, double election_ms,
                                  double session_timeout_ms) {
  return (session_timeout_ms + leaders_per_broker * election_ms) / 1000;
}

double ControlledShutdownSeconds(double leaders_per_broker, double election_ms) {
  return leaders_per_broker * election_ms / 1000;
}

double ReplicationLatencyMs(double partitions_per_broker_pair, int64_t fetchers, double rtt_ms) {
  return rtt_ms + defaults::kReplicationMsPer1000Partitions * partitions_per_broker_pair / 1000 /
                      double(std::max<int64_t>(1, fetchers));
}

double SegmentsPerReplica(double bytes_per_replica, double segment_bytes, double retention_s) {
  double by_size = std::ceil(bytes_per_replica / segment_bytes);
  double by_time = std::ceil(retention_s / defaults::kSegmentMs);
  return std::max(by_size, by_time) + 1;
}

double OpenFilesPerBroker(double replicas_per_broker, double segments_per_replica) {
  return replicas_per_broker * segments_per_replica * 3;
}

double MmapsPerBroker(double replicas_per_broker, double segments_per_replica) {
  return replicas_per_broker * segments_per_replica * 2;
}

double LingerMs(const std::optional<LatencySlo>& slo) {
  if (!slo) return 5;
  return std::min(100.0, std::floor(slo->target_ms / 10));
}

double BatchSizeBytes(double partition_bytes_per_sec, double linger_ms) {
  double need = 2 * partition_bytes_per_sec * linger_ms / 1000;
  return std::min(kMiB, NextPowerOfTwo(std::max(defaults::kDefaultBatchSize, need)));
}

double ProducerBufferBytes(int64_t partitions, double batch_size) {
  return std::max(defaults::kProducerBufferMemory,
                  NextPowerOfTwo(2 * double(partitions) * batch_size));
}

double ConsumerFetchBytes(int64_t partitions, int64_t consumers) {
  double per_consumer = std::ceil(double(partitions) / double(std::max<int64_t>(1, consumers)));
  return per_consumer * defaults::kMaxPartitionFetchBytes;
}

}  // namespace kbench::sizing
