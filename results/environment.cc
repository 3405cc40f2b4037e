#include "results/environment.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kbench::results {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t\n\"");
  const size_t e = s.find_last_not_of(" \t\n\"");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Walks up to the nearest existing directory so a not-yet-created --data-dir still finds its disk.
fs::path ExistingAncestor(fs::path p) {
  std::error_code ec;
  p = fs::absolute(p, ec);
  while (!p.empty() && !fs::exists(p, ec) && p != p.root_path()) p = p.parent_path();
  return fs::canonical(p, ec);
}

// /sys/dev/block/<maj>:<min> -> the whole-disk name (a partition's parent).
std::string BlockDeviceName(dev_t dev) {
  const std::string link =
      "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  std::error_code ec;
  fs::path real = fs::canonical(link, ec);
  if (ec) return {};
  if (fs::exists(real / "partition", ec)) real = real.parent_path();
  return real.filename().string();
}

DiskInfo CaptureDisk(const std::string& path) {
  DiskInfo d;
  d.path = path;
  const fs::path existing = ExistingAncestor(path);
  const auto [source, fstype] = MountFor(ReadFile("/proc/self/mounts"), existing.string());
  d.fs = fstype;
  struct stat st {};
  const std::string dev =
      ::stat(existing.c_str(), &st) == 0 ? BlockDeviceName(st.st_dev) : std::string();
  if (dev.empty()) {
    d.device = source;
    return d;
  }
  d.device = dev;
  d.model = Trim(ReadFile("/sys/block/" + dev + "/device/model"));
  const std::string rot = Trim(ReadFile("/sys/block/" + dev + "/queue/rotational"));
  if (rot == "0" || rot == "1") d.rotational = rot == "1";
  return d;
}

}  // namespace

std::string CpuModelFromCpuinfo(const std::string& cpuinfo) {
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return Trim(line.substr(colon + 1));
    }
  }
  return {};
}

int64_t MemTotalFromMeminfo(const std::string& meminfo) {
  std::istringstream in(meminfo);
  for (std::string key; in >> key;) {
    int64_t kb = 0;
    std::string unit;
    if (key == "MemTotal:" && in >> kb >> unit) return kb * 1024;
    std::getline(in, unit);
  }
  return 0;
}

std::string PrettyNameFromOsRelease(const std::string& os_release) {
  std::istringstream in(os_release);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) return Trim(line.substr(12));
  }
  return {};
}

std::pair<std::string, std::string> MountFor(const std::string& mounts, const std::string& path) {
  std::istringstream in(mounts);
  std::pair<std::string, std::string> best;
  size_t best_len = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string source, point, type;
    if (!(f >> source >> point >> type)) continue;
    const bool prefix = path.rfind(point, 0) == 0 &&
                        (point == "/" || path.size() == point.size() || path[point.size()] == '/');
    if (prefix && point.size() >= best_len) {
      best_len = point.size();
      best = {source, type};
    }
  }
  return best;
}

Environment CaptureEnvironment(const std::string& data_path) {
  Environment e;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) e.host = host;
  e.cpu_model = CpuModelFromCpuinfo(ReadFile("/proc/cpuinfo"));
  e.cores = sysconf(_SC_NPROCESSORS_ONLN);
  e.memory_bytes = MemTotalFromMeminfo(ReadFile("/proc/meminfo"));
  utsname u{};
  if (uname(&u) == 0) e.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  e.os = PrettyNameFromOsRelease(ReadFile("/etc/os-release"));
  e.disk = CaptureDisk(data_path.empty() ? "." : data_path);
  return e;
}

nlohmann::json EnvironmentToJson(const Environment& e) {
  nlohmann::json disk = {{"path", e.disk.path},
                         {"device", e.disk.device},
                         {"fs", e.disk.fs},
                         {"model", e.disk.model},
                         {"rotational", nullptr}};
  if (e.disk.rotational) disk["rotational"] = *e.disk.rotational;
  return {{"host", e.host},     {"cpu_model", e.cpu_model},
          {"cores", e.cores},   {"memory_bytes", e.memory_bytes},
          {"kernel", e.kernel}, {"os", e.os},
          {"disk", disk},       {"clock_offset_ms", e.clock_offset_ms}};
}

namespace {

// A field of the expected type, else the fallback (never nlohmann's type_error).
std::string StringOr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t IntOr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

Environment EnvironmentFromJson(const nlohmann::json& j) {
  Environment e;
  if (!j.is_object()) return e;
  e.host = StringOr(j, "host");
  e.cpu_model = StringOr(j, "cpu_model");
  e.cores = IntOr(j, "cores");
  e.memory_bytes = IntOr(j, "memory_bytes");
  e.kernel = StringOr(j, "kernel");
  e.os = StringOr(j, "os");
  if (auto c = j.find("clock_offset_ms"); c != j.end() && c->is_number())
    e.clock_offset_ms = c->get<double>();
  if (auto d = j.find("disk"); d != j.end() && d->is_object()) {
    e.disk.path = StringOr(*d, "path");
    e.disk.device = StringOr(*d, "device");
    e.disk.fs = StringOr(*d, "fs");
    e.disk.model = StringOr(*d, "model");
    if (auto r = d->find("rotational"); r != d->end() && r->is_boolean())
      e.disk.rotational = r->get<bool>();
  }
  return e;
}

}  // namespace kbench::results
