#include "sizing/probe_host.h"

#include <fmt/format.h>
#include <sched.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace kbench::sizing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double ReadNumber(const std::string& path, double fallback) {
  std::string s = ReadFile(path);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr != s.data() ? v : fallback;
}

std::string CpuModel() {
  std::istringstream in(ReadFile("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

// Cores this process may use: its affinity mask, lowered by a cgroup CPU quota (v2 cpu.max, v1
// cfs).
void ReadCores(HostFacts* f) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    f->cores = CPU_COUNT(&set);
    f->cores_source = "sched_getaffinity";
  } else {
    f->cores = std::max<int64_t>(1, sysconf(_SC_NPROCESSORS_ONLN));
    f->cores_source = "sysconf";
  }
  double quota = -1, period = 0;
  std::istringstream v2(ReadFile("/sys/fs/cgroup/cpu.max"));  // "max 100000" or "200000 100000"
  std::string q;
  if (v2 >> q >> period && q != "max") {
    auto [ptr, ec] = std::from_chars(q.data(), q.data() + q.size(), quota);
    if (ec != std::errc() || ptr != q.data() + q.size()) quota = -1;
  } else {
    quota = ReadNumber("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", -1);
    period = ReadNumber("/sys/fs/cgroup/cpu/cpu.cfs_period_us", 0);
  }
  if (quota > 0 && period > 0) {
    int64_t limit = std::max<int64_t>(1, int64_t(std::ceil(quota / period)));
    if (limit < f->cores) {
      f->cores = limit;
      f->cores_source = "cgroup CPU quota";
    }
  }
}

void ReadMemory(HostFacts* f, const std::map<std::string, double>& mem) {
  auto get = [&](const char* k) { return mem.count(k) ? mem.at(k) : 0.0; };
  f->memory_bytes = get("MemTotal");
  f->memory_available_bytes = get("MemAvailable");
  double limit = ReadNumber("/sys/fs/cgroup/memory.max", -1);
  if (limit <= 0) limit = ReadNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes", -1);
  if (limit > 0 && limit < f->memory_bytes) {
    f->memory_bytes = limit;
    f->memory_available_bytes = std::min(f->memory_available_bytes, limit);
  }
}

std::string FsTypeName(long magic) {
  switch (static_cast<unsigned long>(magic)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
    default:
      return fmt::format("0x{:x}", static_cast<unsigned long>(magic));
  }
}

}  // namespace

std::map<std::string, double> ParseMeminfo(std::string_view text) {
  std::map<std::string, double> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream rest(line.substr(colon + 1));
    double v = 0;
    std::string unit;
    if (!(rest >> v)) continue;
    rest >> unit;
    out[line.substr(0, colon)] = unit == "kB" ? v * 1024 : v;
  }
  return out;
}

double DirtyableBytes(const std::map<std::string, double>& m) {
  auto get = [&](const char* k) { return m.count(k) ? m.at(k) : 0.0; };
  return get("MemFree") + get("Active(file)") + get("Inactive(file)");
}

DirtyLimits ComputeDirtyLimits(const DirtySettings& s, double dirtyable) {
  DirtyLimits l;
  l.limit = s.bytes > 0 ? s.bytes : s.ratio / 100 * dirtyable;
  l.background = s.background_bytes > 0 ? s.background_bytes : s.background_ratio / 100 * dirtyable;
  // The kernel keeps background below the limit (half of it when misconfigured).
  if (l.background >= l.limit) l.background = l.limit / 2;
  return l;
}

double CurrentDirtyBytes() {
  std::map<std::string, double> m = ParseMeminfo(ReadFile("/proc/meminfo"));
  if (!m.count("Dirty")) return -1;
  return m["Dirty"] + (m.count("Writeback") ? m["Writeback"] : 0);
}

Result<HostFacts> ReadHostFacts(const std::string& dir) {
  HostFacts f;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) f.host = host;
  f.cpu_model = CpuModel();
  ReadCores(&f);
  std::map<std::string, double> mem = ParseMeminfo(ReadFile("/proc/meminfo"));
  ReadMemory(&f, mem);
  f.dirty_settings.ratio = ReadNumber("/proc/sys/vm/dirty_ratio", 20);
  f.dirty_settings.background_ratio = ReadNumber("/proc/sys/vm/dirty_background_ratio", 10);
  f.dirty_settings.bytes = ReadNumber("/proc/sys/vm/dirty_bytes", 0);
  f.dirty_settings.background_bytes = ReadNumber("/proc/sys/vm/dirty_background_bytes", 0);
  f.dirty = ComputeDirtyLimits(f.dirty_settings, DirtyableBytes(mem));
  struct statfs sfs;
  if (statfs(dir.c_str(), &sfs) != 0) return Status::FromErrno(fmt::format("--dir {}", dir), errno);
  f.fs_type = FsTypeName(sfs.f_type);
  struct statvfs vfs;
  if (statvfs(dir.c_str(), &vfs) != 0)
    return Status::FromErrno(fmt::format("--dir {}", dir), errno);
  f.fs_capacity_bytes = double(vfs.f_blocks) * double(vfs.f_frsize);
  f.fs_free_bytes = double(vfs.f_bavail) * double(vfs.f_frsize);
  return f;
}

}  // namespace kbench::sizing
