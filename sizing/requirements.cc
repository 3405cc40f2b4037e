#include "sizing/requirements.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "sizing/defaults.h"

namespace kbench::sizing {

std::string_view CodecName(Codec c) {
  switch (c) {
    case Codec::kNone:
      return "none";
    case Codec::kGzip:
      return "gzip";
    case Codec::kSnappy:
      return "snappy";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "none";
}

namespace {

using Setter = std::function<Status(Requirements&, std::string_view where, std::string_view text)>;

struct FieldSpec {
  RequirementField field;
  Setter set;
};

template <typename T, typename Parser>
Setter Parsed(std::optional<T> Requirements::*member, Parser parse) {
  return [member, parse](Requirements& r, std::string_view where, std::string_view text) -> Status {
    auto v = parse(where, text);
    if (!v.ok()) return v.status();
    r.*member = static_cast<T>(*v);
    return Status::Ok();
  };
}

Result<Codec> ParseCodec(std::string_view where, std::string_view text) {
  for (Codec c : {Codec::kNone, Codec::kGzip, Codec::kSnappy, Codec::kLz4, Codec::kZstd}) {
    if (text == CodecName(c)) return c;
  }
  return Status::InvalidArgument(fmt::format(
      "{}: \"{}\" is not a codec (none, gzip, snappy, lz4, zstd)", where, std::string(text)));
}

Result<Cleanup> ParseCleanup(std::string_view where, std::string_view text) {
  if (text == "delete") return Cleanup::kDelete;
  if (text == "compact") return Cleanup::kCompact;
  return Status::InvalidArgument(fmt::format(
      "{}: \"{}\" is not a cleanup policy (delete or compact)", where, std::string(text)));
}

FieldSpec F(std::string key, std::string example, std::string help, Setter set,
            bool is_switch = false) {
  std::string flag = "--" + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return FieldSpec{RequirementField{std::move(key), std::move(flag), std::move(example),
                                    std::move(help), is_switch},
                   std::move(set)};
}

std::vector<FieldSpec> BuildSpecs() {
  using R = Requirements;
  std::vector<FieldSpec> s;
  s.push_back(F("ingress", "300MB/s",
                "average ingress in bytes/s as producers send it (240TB/d works)",
                Parsed(&R::ingress_bytes_per_sec, ParseByteRate)));
  s.push_back(F("ingress_msgs", "1M/s", "average ingress in messages/s",
                Parsed(&R::ingress_msgs_per_sec, ParseMessageRate)));
  s.push_back(
      F("msg_size", "1KB", "average message size as sent", Parsed(&R::msg_size_bytes, ParseBytes)));
  s.push_back(
      F("peak_factor", "2", "peak over average ingress", Parsed(&R::peak_factor, ParseFactor)));
  s.push_back(F("fanout", "3",
                "consumer groups reading the whole topic (egress/ingress for aggregates)",
                Parsed(&R::fanout, ParseFactor)));
  s.push_back(
      F("consumers", "6", "consumers in the largest group", Parsed(&R::consumers, ParseCount)));
  s.push_back(F("consumer_rate", "100/s", "what one consumer processes (bytes/s or msgs/s)",
                Parsed(&R::consumer_rate, ParseRate)));
  s.push_back(F("partition_rate", "10MB/s",
                "what one partition accepts at the SLO (bytes/s or msgs/s)",
                Parsed(&R::partition_rate, ParseRate)));
  s.push_back(F("keyed", "true",
                "messages carry keys whose order must hold (partitions fixed up front)",
                Parsed(&R::keyed, ParseBool), /*is_switch=*/true));
  s.push_back(F("growth", "2", "keyed: ingress multiple over the growth horizon",
                Parsed(&R::growth, ParseFactor)));
  s.push_back(F("hot_key_share", "0.05", "keyed: fraction of traffic carried by the hottest key",
                Parsed(&R::hot_key_share, ParseFraction)));
  s.push_back(F("txn_rate", "100/s", "transactional producers: commits/s across all producers",
                Parsed(&R::txn_rate, ParseMessageRate)));
  s.push_back(F("retention", "7d", "retention.ms as a time",
                Parsed(&R::retention_s, ParseDurationSeconds)));
  s.push_back(F("retention_bytes", "10TB",
                "retention as bytes for the whole topic (before replication)",
                Parsed(&R::retention_bytes, ParseBytes)));
  s.push_back(F("cleanup", "delete", "cleanup.policy: delete or compact",
                Parsed(&R::cleanup, ParseCleanup)));
  s.push_back(F("live_bytes", "50GB", "compact: bytes of the newest record per key, whole topic",
                Parsed(&R::live_bytes, ParseBytes)));
  s.push_back(F("dirty_ratio", "0.5", "compact: min.cleanable.dirty.ratio",
                Parsed(&R::dirty_ratio, ParseFraction)));
  s.push_back(F("rf", "3", "replication factor", Parsed(&R::rf, ParseCount)));
  s.push_back(F("min_isr", "2", "min.insync.replicas", Parsed(&R::min_isr, ParseCount)));
  s.push_back(
      F("failures", "1", "brokers that may be down at once", Parsed(&R::failures, ParseCount)));
  s.push_back(F("racks", "3", "racks or availability zones", Parsed(&R::racks, ParseCount)));
  s.push_back(F("latency_slo", "p99=50ms", "produce latency objective",
                Parsed(&R::latency_slo, ParseLatencySlo)));
  s.push_back(F("disk_size", "4TB", "size of one disk", Parsed(&R::disk_size_bytes, ParseBytes)));
  s.push_back(F("disks_per_broker", "10", "disks in each broker",
                Parsed(&R::disks_per_broker, ParseCount)));
  s.push_back(F("disk_throughput", "1GB/s",
                "sustained write bandwidth of one broker's disks together",
                Parsed(&R::disk_throughput, ParseByteRate)));
  s.push_back(
      F("nic", "10Gbps", "NIC speed per broker", Parsed(&R::nic_bits_per_sec, ParseBitRate)));
  s.push_back(F("memory", "64GiB", "memory per broker", Parsed(&R::memory_bytes, ParseBytes)));
  s.push_back(F("cores", "16", "CPU cores per broker", Parsed(&R::cores, ParseCount)));
  s.push_back(F("heap", "6GiB", "broker JVM heap", Parsed(&R::heap_bytes, ParseBytes)));
  s.push_back(F("max_disk_util", "0.5", "ceiling on disk write bandwidth use",
                Parsed(&R::max_disk_util, ParseFraction)));
  s.push_back(F("max_disk_fill", "0.7", "ceiling on disk space use",
                Parsed(&R::max_disk_fill, ParseFraction)));
  s.push_back(F("max_nic_util", "0.5",
                "ceiling on NIC use per direction after losing --failures brokers",
                Parsed(&R::max_nic_util, ParseFraction)));
  s.push_back(
      F("max_cpu_util", "0.5", "ceiling on CPU use", Parsed(&R::max_cpu_util, ParseFraction)));
  s.push_back(F("lag_window", "5m", "how far behind the tail consumers read (page cache holds it)",
                Parsed(&R::lag_window_s, ParseDurationSeconds)));
  s.push_back(F("compression", "lz4", "codec producers use (none, gzip, snappy, lz4, zstd)",
                Parsed(&R::compression, ParseCodec)));
  s.push_back(F("compression_ratio", "2", "uncompressed/compressed size of batches",
                Parsed(&R::compression_ratio, ParseFactor)));
  s.push_back(F("max_partitions_per_broker", "4000",
                "cap on replicas (leaders + followers) per broker",
                Parsed(&R::max_partitions_per_broker, ParseCount)));
  s.push_back(F("max_partitions_per_cluster", "1M", "cap on partitions per cluster",
                Parsed(&R::max_partitions_per_cluster, ParseCount)));
  return s;
}

const std::vector<FieldSpec>& Specs() {
  static const std::vector<FieldSpec> specs = BuildSpecs();
  return specs;
}

std::string CanonicalKey(std::string_view key) {
  std::string k(key);
  while (!k.empty() && k.front() == '-') k.erase(k.begin());
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

}  // namespace

const std::vector<RequirementField>& RequirementFields() {
  static const std::vector<RequirementField> fields = [] {
    std::vector<RequirementField> out;
    for (const FieldSpec& s : Specs()) out.push_back(s.field);
    return out;
  }();
  return fields;
}

Status SetRequirement(Requirements* req, std::string_view key, std::string_view value,
                      std::string_view where, std::string_view origin) {
  std::string k = CanonicalKey(key);
  for (const FieldSpec& s : Specs()) {
    if (s.field.key != k) continue;
    KB_RETURN_IF_ERROR(s.set(*req, where, value));
    req->origin[k] = std::string(origin);
    return Status::Ok();
  }
  return Status::InvalidArgument(
      fmt::format("{}: unknown requirement \"{}\" (see kbench size --help for the fields)", where,
                  std::string(key)));
}

Status LoadRequirementsYaml(const std::string& path, Requirements* req) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument(fmt::format("{}: cannot read the requirements file", path));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("{}:{}: {}", path, e.mark.line + 1, e.msg));
  }
  if (root.IsNull()) return Status::InvalidArgument(fmt::format("{}: the file is empty", path));
  if (!root.IsMap()) {
    return Status::InvalidArgument(
        fmt::format("{}: expected a map of requirement fields (ingress: 300MB/s, ...)", path));
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      return Status::InvalidArgument(
          fmt::format("{}:{}: a key must be a field name", path, kv.first.Mark().line + 1));
    }
    std::string key = kv.first.Scalar();
    std::string where = fmt::format("{}:{}: {}", path, kv.first.Mark().line + 1, key);
    if (!kv.second.IsScalar()) {
      return Status::InvalidArgument(fmt::format("{}: expected a single value", where));
    }
    KB_RETURN_IF_ERROR(SetRequirement(req, key, kv.second.Scalar(), where, path));
  }
  return Status::Ok();
}

namespace {

template <typename T>
Given<T> Pick(const std::optional<T>& v, const Requirements& r, const char* key, T fallback,
              std::string_view fallback_source) {
  if (v) return Given<T>{*v, r.origin.count(key) ? r.origin.at(key) : std::string("given")};
  return Given<T>{fallback, std::string(fallback_source)};
}

template <typename T>
std::optional<Given<T>> PickOpt(const std::optional<T>& v, const Requirements& r, const char* key) {
  if (!v) return std::nullopt;
  return Given<T>{*v, r.origin.count(key) ? r.origin.at(key) : std::string("given")};
}

// The flag spelling of a key, for error messages.
std::string Flag(std::string_view key) {
  std::string f = "--" + std::string(key);
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

Status Positive(double v, std::string_view key) {
  if (v > 0) return Status::Ok();
  return Status::InvalidArgument(fmt::format("{}: must be above zero", Flag(key)));
}

Status ResolveLoad(const Requirements& r, ResolvedRequirements* out) {
  if (!r.ingress_bytes_per_sec && !r.ingress_msgs_per_sec) {
    return Status::InvalidArgument(
        "missing requirement --ingress: give --ingress (bytes/s) or --ingress-msgs with "
        "--msg-size");
  }
  if (r.ingress_bytes_per_sec) KB_RETURN_IF_ERROR(Positive(*r.ingress_bytes_per_sec, "ingress"));
  if (r.ingress_msgs_per_sec) KB_RETURN_IF_ERROR(Positive(*r.ingress_msgs_per_sec, "ingress_msgs"));
  if (r.msg_size_bytes) KB_RETURN_IF_ERROR(Positive(*r.msg_size_bytes, "msg_size"));
  auto origin = [&](const char* k) {
    return r.origin.count(k) ? r.origin.at(k) : std::string("given");
  };
  if (r.ingress_bytes_per_sec && r.ingress_msgs_per_sec) {
    double implied = *r.ingress_bytes_per_sec / *r.ingress_msgs_per_sec;
    if (r.msg_size_bytes && std::fabs(implied - *r.msg_size_bytes) > 0.05 * *r.msg_size_bytes) {
      return Status::InvalidArgument(fmt::format(
          "--ingress, --ingress-msgs and --msg-size disagree: {} / {} = {} per message, but "
          "--msg-size "
          "is {}; give two of the three",
          FormatByteRate(*r.ingress_bytes_per_sec), FormatMessageRate(*r.ingress_msgs_per_sec),
          FormatBytes(implied), FormatBytes(*r.msg_size_bytes)));
    }
    out->ingress_bytes = {*r.ingress_bytes_per_sec, origin("ingress")};
    out->ingress_msgs = Given<double>{*r.ingress_msgs_per_sec, origin("ingress_msgs")};
    out->msg_size = Given<double>{implied, "derived: --ingress / --ingress-msgs"};
  } else if (r.ingress_bytes_per_sec) {
    out->ingress_bytes = {*r.ingress_bytes_per_sec, origin("ingress")};
    if (r.msg_size_bytes) {
      out->msg_size = Given<double>{*r.msg_size_bytes, origin("msg_size")};
      out->ingress_msgs = Given<double>{*r.ingress_bytes_per_sec / *r.msg_size_bytes,
                                        "derived: --ingress / --msg-size"};
    }
  } else {
    if (!r.msg_size_bytes) {
      return Status::InvalidArgument(
          "missing requirement --msg-size: --ingress-msgs alone does not give bytes, and bytes "
          "drive "
          "disk, network and memory");
    }
    out->ingress_msgs = Given<double>{*r.ingress_msgs_per_sec, origin("ingress_msgs")};
    out->msg_size = Given<double>{*r.msg_size_bytes, origin("msg_size")};
    out->ingress_bytes = {*r.ingress_msgs_per_sec * *r.msg_size_bytes,
                          "derived: --ingress-msgs x --msg-size"};
  }
  out->peak_factor = Pick(r.peak_factor, r, "peak_factor", defaults::kPeakFactor.value,
                          defaults::kPeakFactor.source);
  if (out->peak_factor.value < 1) {
    return Status::InvalidArgument(
        fmt::format("--peak-factor: {} is below 1; the peak cannot be lower than the average",
                    FormatNumber(out->peak_factor.value)));
  }
  out->peak_bytes = out->ingress_bytes.value * out->peak_factor.value;
  if (out->ingress_msgs) out->peak_msgs = out->ingress_msgs->value * out->peak_factor.value;
  return Status::Ok();
}

Status ResolveConsumersAndKeys(const Requirements& r, ResolvedRequirements* out) {
  out->fanout = Pick(r.fanout, r, "fanout", defaults::kFanout.value, defaults::kFanout.source);
  out->consumers = PickOpt(r.consumers, r, "consumers");
  if (out->consumers && out->consumers->value < 1) {
    return Status::InvalidArgument("--consumers: must be at least 1");
  }
  out->consumer_rate = PickOpt(r.consumer_rate, r, "consumer_rate");
  out->partition_rate = PickOpt(r.partition_rate, r, "partition_rate");
  for (auto* rate : {&out->consumer_rate, &out->partition_rate}) {
    if (*rate && (*rate)->value.per_sec <= 0) {
      return Status::InvalidArgument(
          fmt::format("{}: must be above zero",
                      rate == &out->consumer_rate ? "--consumer-rate" : "--partition-rate"));
    }
    if (*rate && (*rate)->value.kind == Rate::Kind::kMessages && !out->msg_size) {
      return Status::InvalidArgument(fmt::format(
          "{} is in messages/s but the message size is unknown: give --msg-size or --ingress-msgs",
          rate == &out->consumer_rate ? "--consumer-rate" : "--partition-rate"));
    }
  }
  out->keyed = Pick(r.keyed, r, "keyed", false, "default: unkeyed");
  out->growth = Pick(r.growth, r, "growth", 1.0, "default: no growth");
  if (out->growth.value < 1) {
    return Status::InvalidArgument("--growth: must be 1 or more (a multiple of today's ingress)");
  }
  out->hot_key_share = Pick(r.hot_key_share, r, "hot_key_share", 0.0, "default: no hot key given");
  if (out->hot_key_share.value > 0 && !out->keyed.value) {
    return Status::InvalidArgument(
        "--hot-key-share without --keyed: unkeyed messages are spread evenly, so there is no hot "
        "key");
  }
  out->txn_rate = PickOpt(r.txn_rate, r, "txn_rate");
  if (out->txn_rate && out->txn_rate->value <= 0)
    return Status::InvalidArgument("--txn-rate: must be above zero");
  if (out->txn_rate && !out->peak_msgs) {
    return Status::InvalidArgument(
        "--txn-rate needs the message rate: give --ingress-msgs or --msg-size");
  }
  if (out->hot_key_share.value >= 1) {
    return Status::InvalidArgument("--hot-key-share: must be below 1");
  }
  return Status::Ok();
}

Status ResolveRetention(const Requirements& r, ResolvedRequirements* out) {
  out->retention_s = Pick(r.retention_s, r, "retention", defaults::kRetentionSeconds.value,
                          defaults::kRetentionSeconds.source);
  if (r.retention_s) KB_RETURN_IF_ERROR(Positive(*r.retention_s, "retention"));
  out->retention_bytes = PickOpt(r.retention_bytes, r, "retention_bytes");
  if (r.retention_bytes) KB_RETURN_IF_ERROR(Positive(*r.retention_bytes, "retention_bytes"));
  out->cleanup =
      Pick(r.cleanup, r, "cleanup", Cleanup::kDelete, "default: Kafka cleanup.policy=delete");
  out->live_bytes = PickOpt(r.live_bytes, r, "live_bytes");
  out->dirty_ratio = Pick(r.dirty_ratio, r, "dirty_ratio", defaults::kDirtyRatio.value,
                          defaults::kDirtyRatio.source);
  if (out->cleanup.value == Cleanup::kCompact && !out->live_bytes) {
    return Status::InvalidArgument(
        "missing requirement --live-bytes: a compacted topic's size is its live key set, not "
        "ingress x "
        "retention");
  }
  if (out->live_bytes && out->cleanup.value != Cleanup::kCompact) {
    return Status::InvalidArgument("--live-bytes applies only with --cleanup compact");
  }
  if (out->dirty_ratio.value <= 0 || out->dirty_ratio.value >= 1) {
    return Status::InvalidArgument("--dirty-ratio: must be between 0 and 1 (exclusive)");
  }
  return Status::Ok();
}

Status ResolveDurability(const Requirements& r, ResolvedRequirements* out) {
  out->failures = Pick<int64_t>(r.failures, r, "failures", int64_t(defaults::kFailures.value),
                                defaults::kFailures.source);
  int64_t f = out->failures.value;
  out->rf = Pick<int64_t>(r.rf, r, "rf", std::max<int64_t>(3, 2 * f + 1),
                          "default: 2 x failures + 1, at least 3 (seeds 001, 002, 003)");
  if (out->rf.value < 1) return Status::InvalidArgument("--rf: must be at least 1");
  out->min_isr = Pick<int64_t>(
      r.min_isr, r, "min_isr", std::max<int64_t>(1, std::min(f + 1, out->rf.value - f)),
      "default: failures + 1 while RF - failures allows (RF 3 -> 2, seed 002)");
  if (out->min_isr.value < 1) return Status::InvalidArgument("--min-isr: must be at least 1");
  if (out->min_isr.value > out->rf.value) {
    return Status::InvalidArgument(
        fmt::format("--min-isr {} is greater than --rf {}: a write can never reach more in-sync "
                    "replicas than the "
                    "partition has",
                    out->min_isr.value, out->rf.value));
  }
  out->racks = PickOpt(r.racks, r, "racks");
  if (out->racks && out->racks->value < 1)
    return Status::InvalidArgument("--racks: must be at least 1");
  out->latency_slo = PickOpt(r.latency_slo, r, "latency_slo");
  return Status::Ok();
}

Status ResolveHardware(const Requirements& r, ResolvedRequirements* out) {
  out->disk_size = PickOpt(r.disk_size_bytes, r, "disk_size");
  out->disks_per_broker = PickOpt(r.disks_per_broker, r, "disks_per_broker");
  out->disk_throughput = PickOpt(r.disk_throughput, r, "disk_throughput");
  out->nic_bits = PickOpt(r.nic_bits_per_sec, r, "nic");
  out->memory = PickOpt(r.memory_bytes, r, "memory");
  out->cores = PickOpt(r.cores, r, "cores");
  if (out->disk_size) KB_RETURN_IF_ERROR(Positive(out->disk_size->value, "disk_size"));
  if (out->disks_per_broker)
    KB_RETURN_IF_ERROR(Positive(double(out->disks_per_broker->value), "disks_per_broker"));
  if (out->disk_throughput)
    KB_RETURN_IF_ERROR(Positive(out->disk_throughput->value, "disk_throughput"));
  if (out->nic_bits) KB_RETURN_IF_ERROR(Positive(out->nic_bits->value, "nic"));
  if (out->memory) KB_RETURN_IF_ERROR(Positive(out->memory->value, "memory"));
  if (out->cores) KB_RETURN_IF_ERROR(Positive(double(out->cores->value), "cores"));
  out->heap =
      Pick(r.heap_bytes, r, "heap", defaults::kHeapBytes.value, defaults::kHeapBytes.source);
  return Status::Ok();
}

Status ResolveLimits(const Requirements& r, ResolvedRequirements* out) {
  using namespace defaults;
  out->max_disk_util =
      Pick(r.max_disk_util, r, "max_disk_util", kMaxDiskUtil.value, kMaxDiskUtil.source);
  out->max_disk_fill =
      Pick(r.max_disk_fill, r, "max_disk_fill", kMaxDiskFill.value, kMaxDiskFill.source);
  out->max_nic_util =
      Pick(r.max_nic_util, r, "max_nic_util", kMaxNicUtil.value, kMaxNicUtil.source);
  out->max_cpu_util =
      Pick(r.max_cpu_util, r, "max_cpu_util", kMaxCpuUtil.value, kMaxCpuUtil.source);
  for (auto [v, key] : {std::pair{out->max_disk_util.value, "max_disk_util"},
                        std::pair{out->max_disk_fill.value, "max_disk_fill"},
                        std::pair{out->max_nic_util.value, "max_nic_util"},
                        std::pair{out->max_cpu_util.value, "max_cpu_util"}}) {
    KB_RETURN_IF_ERROR(Positive(v, key));
  }
  out->lag_window_s =
      Pick(r.lag_window_s, r, "lag_window", kLagWindowSeconds.value, kLagWindowSeconds.source);
  out->compression = Pick(r.compression, r, "compression", Codec::kNone, "default: uncompressed");
  out->compression_ratio = Pick(r.compression_ratio, r, "compression_ratio",
                                kCompressionRatio.value, kCompressionRatio.source);
  if (out->compression_ratio.value < 1) {
    return Status::InvalidArgument(
        "--compression-ratio: must be 1 or more (uncompressed / compressed)");
  }
  out->max_partitions_per_broker =
      Pick<int64_t>(r.max_partitions_per_broker, r, "max_partitions_per_broker",
                    int64_t(kMaxReplicasPerBroker.value), kMaxReplicasPerBroker.source);
  out->max_partitions_per_cluster =
      Pick<int64_t>(r.max_partitions_per_cluster, r, "max_partitions_per_cluster",
                    int64_t(kMaxPartitionsPerCluster.value), kMaxPartitionsPerCluster.source);
  KB_RETURN_IF_ERROR(
      Positive(double(out->max_partitions_per_broker.value), "max_partitions_per_broker"));
  KB_RETURN_IF_ERROR(
      Positive(double(out->max_partitions_per_cluster.value), "max_partitions_per_cluster"));
  return Status::Ok();
}

}  // namespace

Result<ResolvedRequirements> Resolve(const Requirements& req) {
  ResolvedRequirements out;
  KB_RETURN_IF_ERROR(ResolveLoad(req, &out));
  KB_RETURN_IF_ERROR(ResolveConsumersAndKeys(req, &out));
  KB_RETURN_IF_ERROR(ResolveRetention(req, &out));
  KB_RETURN_IF_ERROR(ResolveDurability(req, &out));
  KB_RETURN_IF_ERROR(ResolveHardware(req, &out));
  KB_RETURN_IF_ERROR(ResolveLimits(req, &out));
  return out;
}

}  // namespace kbench::sizing
