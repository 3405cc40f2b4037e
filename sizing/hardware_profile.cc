#include "sizing/hardware_profile.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kbench::sizing {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json OptNumber(const std::optional<double>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json LatencyJson(const LatencySummaryMs& l) {
  return ordered_json{{"p50", l.p50}, {"p99", l.p99}, {"max", l.max}, {"count", l.count}};
}

// Reads typed fields out of a JSON object, remembering the first error with its dotted path.
class Reader {
 public:
  Reader(const json& root, std::string origin, std::string prefix = "")
      : root_(root), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  const json* Find(const std::string& path, bool required) {
    const json* node = &root_;
    size_t start = 0;
    while (start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string key =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!node->is_object() || !node->contains(key) || (*node)[key].is_null()) {
        if (required) Fail(path, "is missing");
        return nullptr;
      }
      node = &(*node)[key];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return node;
  }
  double Number(const std::string& path, bool required = true) {
    const json* n = Find(path, required);
    if (n == nullptr) return 0;
    if (!n->is_number()) {
      Fail(path, "is not a number");
      return 0;
    }
    return n->get<double>();
  }
  std::optional<double> OptNumber(const std::string& path) {
    if (Find(path, false) == nullptr) return std::nullopt;
    return Number(path);
  }
  std::string String(const std::string& path, bool required = false) {
    const json* n = Find(path, required);
    if (n == nullptr) return {};
    if (!n->is_string()) {
      Fail(path, "is not a string");
      return {};
    }
    return n->get<std::string>();
  }
  bool Bool(const std::string& path) {
    const json* n = Find(path, false);
    return n != nullptr && n->is_boolean() && n->get<bool>();
  }
  LatencySummaryMs Latency(const json& j, const std::string& path) {
    LatencySummaryMs l;
    Reader sub(j, origin_, prefix_ + path + ".");
    l.p50 = sub.Number("p50");
    l.p99 = sub.Number("p99");
    l.max = sub.Number("max");
    l.count = static_cast<int64_t>(sub.Number("count", false));
    if (!sub.status().ok() && status_.ok()) status_ = sub.status();
    return l;
  }
  void Fail(const std::string& path, std::string_view what) {
    if (status_.ok()) {
      status_ =
          Status::InvalidArgument(fmt::format("{}: field {}{} {}", origin_, prefix_, path, what));
    }
  }
  const Status& status() const { return status_; }

 private:
  const json& root_;
  std::string origin_;
  std::string prefix_;  // dotted path of root_ inside the document, for messages
  Status status_;
};

ordered_json DiskJson(const HardwareProfile& p) {
  ordered_json fsync = ordered_json::array();
  for (const FsyncLatency& f : p.fsync) {
    ordered_json l{{"write_bytes", f.write_bytes}};
    l.update(LatencyJson(f.latency));
    fsync.push_back(l);
  }
  return ordered_json{
      {"dir", p.dir},
      {"fs", p.fs_type},
      {"capacity_bytes", p.fs_capacity_bytes},
      {"dirty_limit_bytes", p.dirty_limit_bytes},
      {"dirty_background_limit_bytes", p.dirty_background_limit_bytes},
      {"buffered_write",
       {{"burst_bytes_per_sec", OptNumber(p.buffered_burst_bytes_per_sec)},
        {"sustained_bytes_per_sec", OptNumber(p.buffered_sustained_bytes_per_sec)},
        {"bytes_written", p.buffered_bytes_written},
        {"passed_dirty_limit", p.passed_dirty_limit}}},
      {"direct_write", {{"bytes_per_sec", OptNumber(p.direct_write_bytes_per_sec)}}},
      {"fsync_latency_ms", fsync},
      {"read",
       {{"page_cache_bytes_per_sec", OptNumber(p.page_cache_read_bytes_per_sec)},
        {"cold_bytes_per_sec", OptNumber(p.cold_read_bytes_per_sec)}}},
  };
}

ordered_json CpuThroughputJson(const HardwareProfile& p) {
  ordered_json codecs = ordered_json::object();
  for (const auto& [name, c] : p.codecs) {
    codecs[name] = ordered_json{{"level", c.level},
                                {"compress_bytes_per_sec", c.compress_bytes_per_sec},
                                {"decompress_bytes_per_sec", c.decompress_bytes_per_sec},
                                {"ratio", c.ratio}};
  }
  return ordered_json{
      {"crc32c", {{"impl", p.crc32c_impl}, {"bytes_per_sec", OptNumber(p.crc32c_bytes_per_sec)}}},
      {"codecs", codecs}};
}

}  // namespace

std::string HardwareProfileToJson(const HardwareProfile& p) {
  ordered_json j{
      {"schema", kHardwareSchemaName},
      {"schema_version", kHardwareSchemaVersion},
      {"kbench", {{"version", p.kbench_version}}},
      {"host", p.host},
      {"probed_at", p.probed_at},
      {"quick", p.quick},
      {"duration_s", p.duration_s},
      {"cpu", {{"model", p.cpu_model}, {"cores", p.cores}, {"cores_source", p.cores_source}}},
      {"memory", {{"bytes", p.memory_bytes}, {"available_bytes", p.memory_available_bytes}}},
      {"disk", DiskJson(p)},
      {"network",
       {{"mode", p.network_mode},
        {"peer", p.peer.empty() ? ordered_json(nullptr) : ordered_json(p.peer)},
        {"tcp_bytes_per_sec", OptNumber(p.tcp_bytes_per_sec)},
        {"rtt_ms", p.rtt_ms ? LatencyJson(*p.rtt_ms) : ordered_json(nullptr)}}},
      {"cpu_throughput_per_core", CpuThroughputJson(p)},
      {"notes", p.notes},
  };
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<HardwareProfile> HardwareProfileFromJson(const std::string& text,
                                                const std::string& origin) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: not a JSON object", origin));
  }
  Reader r(root, origin);
  if (r.String("schema") != kHardwareSchemaName) {
    return Status::InvalidArgument(
        fmt::format("{}: field schema is not \"{}\"; is this a `kbench probe` output?", origin,
                    kHardwareSchemaName));
  }
  int version = static_cast<int>(r.Number("schema_version"));
  KB_RETURN_IF_ERROR(r.status());
  if (version > kHardwareSchemaVersion) {
    return Status::InvalidArgument(
        fmt::format("{}: schema_version {} is newer than this kbench understands ({})", origin,
                    version, kHardwareSchemaVersion));
  }
  HardwareProfile p;
  p.kbench_version = r.String("kbench.version");
  p.host = r.String("host");
  p.probed_at = r.String("probed_at");
  p.quick = r.Bool("quick");
  p.duration_s = r.Number("duration_s", false);
  p.cpu_model = r.String("cpu.model");
  p.cores = static_cast<int64_t>(r.Number("cpu.cores"));
  p.cores_source = r.String("cpu.cores_source");
  p.memory_bytes = r.Number("memory.bytes");
  p.memory_available_bytes = r.Number("memory.available_bytes", false);
  p.dir = r.String("disk.dir");
  p.fs_type = r.String("disk.fs");
  p.fs_capacity_bytes = r.Number("disk.capacity_bytes", false);
  p.dirty_limit_bytes = r.Number("disk.dirty_limit_bytes", false);
  p.dirty_background_limit_bytes = r.Number("disk.dirty_background_limit_bytes", false);
  p.buffered_burst_bytes_per_sec = r.OptNumber("disk.buffered_write.burst_bytes_per_sec");
  p.buffered_sustained_bytes_per_sec = r.OptNumber("disk.buffered_write.sustained_bytes_per_sec");
  p.buffered_bytes_written = r.Number("disk.buffered_write.bytes_written", false);
  p.passed_dirty_limit = r.Bool("disk.buffered_write.passed_dirty_limit");
  p.direct_write_bytes_per_sec = r.OptNumber("disk.direct_write.bytes_per_sec");
  if (const json* fs = r.Find("disk.fsync_latency_ms", false); fs != nullptr && fs->is_array()) {
    for (size_t i = 0; i < fs->size(); ++i) {
      FsyncLatency f;
      std::string prefix = fmt::format("disk.fsync_latency_ms[{}].", i);
      Reader item((*fs)[i], origin, prefix);
      f.write_bytes = static_cast<int64_t>(item.Number("write_bytes"));
      f.latency.p50 = item.Number("p50");
      f.latency.p99 = item.Number("p99");
      f.latency.max = item.Number("max");
      f.latency.count = static_cast<int64_t>(item.Number("count", false));
      KB_RETURN_IF_ERROR(item.status());
      p.fsync.push_back(f);
    }
  }
  p.page_cache_read_bytes_per_sec = r.OptNumber("disk.read.page_cache_bytes_per_sec");
  p.cold_read_bytes_per_sec = r.OptNumber("disk.read.cold_bytes_per_sec");
  p.network_mode = r.String("network.mode");
  p.peer = r.String("network.peer");
  p.tcp_bytes_per_sec = r.OptNumber("network.tcp_bytes_per_sec");
  if (const json* rtt = r.Find("network.rtt_ms", false))
    p.rtt_ms = r.Latency(*rtt, "network.rtt_ms");
  p.crc32c_impl = r.String("cpu_throughput_per_core.crc32c.impl");
  p.crc32c_bytes_per_sec = r.OptNumber("cpu_throughput_per_core.crc32c.bytes_per_sec");
  if (const json* codecs = r.Find("cpu_throughput_per_core.codecs", false);
      codecs != nullptr && codecs->is_object()) {
    for (const auto& [name, c] : codecs->items()) {
      Reader cr(c, origin, "cpu_throughput_per_core.codecs." + name + ".");
      CodecThroughput t;
      t.level = static_cast<int>(cr.Number("level", false));
      t.compress_bytes_per_sec = cr.Number("compress_bytes_per_sec");
      t.decompress_bytes_per_sec = cr.Number("decompress_bytes_per_sec");
      t.ratio = cr.Number("ratio");
      KB_RETURN_IF_ERROR(cr.status());
      p.codecs[name] = t;
    }
  }
  if (const json* notes = r.Find("notes", false); notes != nullptr && notes->is_array()) {
    for (const json& n : *notes) {
      if (n.is_string()) p.notes.push_back(n.get<std::string>());
    }
  }
  KB_RETURN_IF_ERROR(r.status());
  if (p.cores < 1)
    return Status::InvalidArgument(fmt::format("{}: field cpu.cores must be >= 1", origin));
  return p;
}

Result<HardwareProfile> ReadHardwareProfile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Status::InvalidArgument(fmt::format("{}: cannot read the hardware profile", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return HardwareProfileFromJson(ss.str(), path);
}

}  // namespace kbench::sizing
