// Requirements: what the workload needs, as the user stated it (flags, a requirements YAML, or
// --what-if), and ResolvedRequirements: the same with every default filled in, every derived
// quantity computed and every contradiction rejected. The plan is built only from
// ResolvedRequirements.
//
// One table of fields (RequirementFields()) drives the CLI flags, the YAML keys and --what-if, so
// all three accept exactly the same names and units. A field's key is its YAML name ("msg_size");
// its flag is the key with dashes ("--msg-size"); both spellings are accepted by SetRequirement.
//
// Every value remembers where it came from (flag, file, what-if, default), and the plan output
// repeats it. Pure values; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "sizing/units.h"

namespace kbench::sizing {

enum class Cleanup { kDelete, kCompact };
enum class Codec { kNone, kGzip, kSnappy, kLz4, kZstd };
std::string_view CodecName(Codec c);

struct Requirements {
  // Load. Ingress is the average; the plan sizes throughput for ingress x peak_factor.
  std::optional<double> ingress_bytes_per_sec;  // as producers send it (after client compression)
  std::optional<double> ingress_msgs_per_sec;
  std::optional<double> msg_size_bytes;
  std::optional<double> peak_factor;
  std::optional<double> fanout;  // consumer groups reading everything (fractional for aggregates)
  std::optional<int64_t> consumers;    // consumers in the largest group
  std::optional<Rate> consumer_rate;   // what one consumer processes
  std::optional<Rate> partition_rate;  // what one partition accepts at the SLO (overrides capacity)
  std::optional<bool> keyed;
  std::optional<double> growth;         // keyed: ingress multiple over the horizon
  std::optional<double> hot_key_share;  // keyed: fraction of traffic carried by the hottest key
  std::optional<double> txn_rate;  // transactional producers: commits/s, all producers together

  // Retention.
  std::optional<double> retention_s;
  std::optional<double> retention_bytes;  // whole topic, before replication
  std::optional<Cleanup> cleanup;
  std::optional<double> live_bytes;   // compacted topics: newest record per key, whole topic
  std::optional<double> dirty_ratio;  // min.cleanable.dirty.ratio

  // Durability and availability.
  std::optional<int64_t> rf;
  std::optional<int64_t> min_isr;
  std::optional<int64_t> failures;  // brokers that may be down at once
  std::optional<int64_t> racks;
  std::optional<LatencySlo> latency_slo;

  // Hardware the user has fixed (otherwise the plan chooses).
  std::optional<double> disk_size_bytes;
  std::optional<int64_t> disks_per_broker;
  std::optional<double> disk_throughput;  // bytes/s per broker, all disks together
  std::optional<double> nic_bits_per_sec;
  std::optional<double> memory_bytes;
  std::optional<int64_t> cores;
  std::optional<double> heap_bytes;

  // Headroom and limits.
  std::optional<double> max_disk_util;  // fraction of disk write bandwidth
  std::optional<double> max_disk_fill;  // fraction of disk space
  std::optional<double> max_nic_util;   // per direction, after losing `failures` brokers
  std::optional<double> max_cpu_util;
  std::optional<double> lag_window_s;  // how far behind consumers read (page cache must hold it)
  std::optional<Codec> compression;
  std::optional<double> compression_ratio;
  std::optional<int64_t> max_partitions_per_broker;   // replicas (leaders + followers)
  std::optional<int64_t> max_partitions_per_cluster;  // replicas

  // key -> where the value came from ("--ingress", "req.yaml", "what-if").
  std::map<std::string, std::string> origin;
};

// One settable field.
struct RequirementField {
  std::string key;      // YAML key: "msg_size"
  std::string flag;     // "--msg-size"
  std::string example;  // "1KB"
  std::string help;
  bool is_switch = false;  // a flag without value (--keyed)
};
const std::vector<RequirementField>& RequirementFields();

// Sets `key` (YAML or flag spelling) from text; errors name `where` ("--msg-size", "req.yaml:
// msg_size").
Status SetRequirement(Requirements* req, std::string_view key, std::string_view value,
                      std::string_view where, std::string_view origin);

// Reads a requirements YAML (a map of field keys to values) on top of `req`. Unknown keys, nested
// values and unit-less sizes are errors naming the file and key.
Status LoadRequirementsYaml(const std::string& path, Requirements* req);

// A requirement value after defaults, with its origin ("--rf", "default: ...").
template <typename T>
struct Given {
  T value{};
  std::string origin;
};

struct ResolvedRequirements {
  Given<double> ingress_bytes;                // average bytes/s
  std::optional<Given<double>> ingress_msgs;  // average msgs/s, when known
  std::optional<Given<double>> msg_size;
  Given<double> peak_factor;
  double peak_bytes = 0;
  std::optional<double> peak_msgs;
  Given<double> fanout;
  std::optional<Given<int64_t>> consumers;
  std::optional<Given<Rate>> consumer_rate;
  std::optional<Given<Rate>> partition_rate;
  Given<bool> keyed;
  Given<double> growth;
  Given<double> hot_key_share;
  std::optional<Given<double>> txn_rate;
  Given<double> retention_s;
  std::optional<Given<double>> retention_bytes;
  Given<Cleanup> cleanup;
  std::optional<Given<double>> live_bytes;
  Given<double> dirty_ratio;
  Given<int64_t> rf;
  Given<int64_t> min_isr;
  Given<int64_t> failures;
  std::optional<Given<int64_t>> racks;
  std::optional<Given<LatencySlo>> latency_slo;
  std::optional<Given<double>> disk_size;
  std::optional<Given<int64_t>> disks_per_broker;
  std::optional<Given<double>> disk_throughput;
  std::optional<Given<double>> nic_bits;
  std::optional<Given<double>> memory;
  std::optional<Given<int64_t>> cores;
  Given<double> heap;
  Given<double> max_disk_util;
  Given<double> max_disk_fill;
  Given<double> max_nic_util;
  Given<double> max_cpu_util;
  Given<double> lag_window_s;
  Given<Codec> compression;
  Given<double> compression_ratio;
  Given<int64_t> max_partitions_per_broker;
  Given<int64_t> max_partitions_per_cluster;
};

// Fills defaults, derives message size / rates, and rejects missing or contradictory requirements
// with an error naming the fields (min.insync > RF, no ingress, ingress vs msgs x size disagreeing,
// ...).
Result<ResolvedRequirements> Resolve(const Requirements& req);

}  // namespace kbench::sizing
