// The machine a run measured: host, CPU, memory, kernel, OS and the disk under the data directory,
// read from /proc, /sys, uname and /etc/os-release. Every field degrades to "" / 0 / unknown rather
// than failing: a container without /sys still gets a result.
//
// Any thread; reads files each call (call it once per run).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kbench::results {

struct DiskInfo {
  std::string path;  // as asked
  std::string
      device;      // block device name ("nvme0n1", "sda"), or the mount source ("overlay", "tmpfs")
  std::string fs;  // file system type ("ext4", "xfs", "tmpfs")
  std::string model;               // /sys/block/<dev>/device/model, "" when unknown
  std::optional<bool> rotational;  // /sys/block/<dev>/queue/rotational, unknown for virtual devices
};

struct Environment {
  std::string host, cpu_model, kernel, os;
  int64_t cores = 0;
  int64_t memory_bytes = 0;
  DiskInfo disk;
  double clock_offset_ms = 0;  // assumed producer-consumer clock offset; 0 on one host
};

// `data_path`: the directory whose disk is under test (a missing path is walked up to an existing
// parent).
Environment CaptureEnvironment(const std::string& data_path);

nlohmann::json EnvironmentToJson(const Environment& e);
// Lenient: a missing or wrongly typed field is left empty (never throws). Results documents are
// read through RunResultFromJson, which refuses a wrongly typed field with its name instead.
Environment EnvironmentFromJson(const nlohmann::json& j);

// Helpers exposed for tests: parse the text of the files they read.
std::string CpuModelFromCpuinfo(const std::string& cpuinfo);
int64_t MemTotalFromMeminfo(const std::string& meminfo);
std::string PrettyNameFromOsRelease(const std::string& os_release);
// The mounts line whose mount point is the longest prefix of `path`: {source, fstype}.
std::pair<std::string, std::string> MountFor(const std::string& mounts, const std::string& path);

}  // namespace kbench::results
