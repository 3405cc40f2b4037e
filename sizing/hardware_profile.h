// HardwareProfile: what `kbench probe` measured on one host, and its JSON form (the file `kbench
// probe -o` writes and `kbench size --hardware` reads). docs/sizing.md ("Hardware profile JSON")
// specifies the format; this header is its one definition in code. Fields a probe could not measure
// are absent (std::nullopt) and the reason is in `notes`.
//
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace kbench::sizing {

inline constexpr int kHardwareSchemaVersion = 1;
inline constexpr const char* kHardwareSchemaName = "kbench-hardware";

struct LatencySummaryMs {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  int64_t count = 0;
};

struct FsyncLatency {
  int64_t write_bytes = 0;
  LatencySummaryMs latency;
};

struct CodecThroughput {
  int level = 0;
  double compress_bytes_per_sec = 0;    // uncompressed input bytes/s on one core
  double decompress_bytes_per_sec = 0;  // uncompressed output bytes/s on one core
  double ratio = 0;                     // uncompressed / compressed on the probe's sample records
};

struct HardwareProfile {
  // Identity.
  std::string host;
  std::string probed_at;  // ISO 8601 UTC
  std::string kbench_version;
  bool quick = false;
  double duration_s = 0;

  // CPU and memory.
  std::string cpu_model;
  int64_t cores = 0;
  std::string cores_source;  // "sched_getaffinity", "cgroup cpu.max"
  double memory_bytes =
      0;  // usable by one broker: MemTotal or the cgroup limit, whichever is lower
  double memory_available_bytes = 0;

  // Disk under --dir.
  std::string dir;
  std::string fs_type;
  double fs_capacity_bytes = 0;
  double dirty_limit_bytes = 0;             // where writers are throttled (vm.dirty_ratio/bytes)
  double dirty_background_limit_bytes = 0;  // where background writeback starts
  std::optional<double> buffered_burst_bytes_per_sec;
  std::optional<double> buffered_sustained_bytes_per_sec;  // only when the run went past the limit
  double buffered_bytes_written = 0;
  bool passed_dirty_limit = false;
  std::optional<double> direct_write_bytes_per_sec;
  std::vector<FsyncLatency> fsync;
  std::optional<double> page_cache_read_bytes_per_sec;
  std::optional<double> cold_read_bytes_per_sec;

  // Network.
  std::string network_mode;  // "loopback" or "peer"
  std::string peer;
  std::optional<double> tcp_bytes_per_sec;
  std::optional<LatencySummaryMs> rtt_ms;

  // CPU throughput per core.
  std::string crc32c_impl;
  std::optional<double> crc32c_bytes_per_sec;
  std::map<std::string, CodecThroughput> codecs;  // "gzip", "snappy", "lz4", "zstd"

  std::vector<std::string> notes;  // what was skipped or could not be measured, and why
};

std::string HardwareProfileToJson(const HardwareProfile& p);
// Parses a profile; errors name the file and the missing or mistyped field.
Result<HardwareProfile> HardwareProfileFromJson(const std::string& text, const std::string& origin);
Result<HardwareProfile> ReadHardwareProfile(const std::string& path);

}  // namespace kbench::sizing
