// Facts about the host the probe reads from the kernel: cores (affinity and cgroup quota), memory
// (and the cgroup limit), CPU model, the filesystem under --dir, and the dirty-page limits
// (vm.dirty_* against dirtyable memory) that decide where buffered writers start being throttled.
//
// The parsing functions are pure (tested with fixed text); ReadHostFacts reads /proc and /sys.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace kbench::sizing {

struct DirtySettings {
  double ratio = 20;             // vm.dirty_ratio (%)
  double background_ratio = 10;  // vm.dirty_background_ratio (%)
  double bytes = 0;              // vm.dirty_bytes (overrides the ratio when non-zero)
  double background_bytes = 0;   // vm.dirty_background_bytes
};

struct DirtyLimits {
  double limit = 0;       // writers are throttled to the writeback rate here
  double background = 0;  // background writeback starts here
  // balance_dirty_pages() lets writers run free below (limit + background) / 2 and throttles above
  // it.
  double freerun() const { return (limit + background) / 2; }
};

// /proc/meminfo: key -> bytes.
std::map<std::string, double> ParseMeminfo(std::string_view text);
// What the kernel counts as dirtyable: free pages plus the file LRU lists.
double DirtyableBytes(const std::map<std::string, double>& meminfo);
DirtyLimits ComputeDirtyLimits(const DirtySettings& s, double dirtyable_bytes);
// Dirty + Writeback bytes now (from /proc/meminfo); -1 when unreadable.
double CurrentDirtyBytes();

struct HostFacts {
  std::string host;
  std::string cpu_model;
  int64_t cores = 1;
  std::string cores_source;
  double memory_bytes = 0;
  double memory_available_bytes = 0;
  DirtySettings dirty_settings;
  DirtyLimits dirty;
  std::string fs_type;
  double fs_capacity_bytes = 0;
  double fs_free_bytes = 0;
};

Result<HostFacts> ReadHostFacts(const std::string& dir);

}  // namespace kbench::sizing
