#include "sizing/probe_scratch.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace kbench::sizing {
namespace {

// Fixed buffers so the signal handler never allocates. `g_files` counts published entries; an entry
// is written before the count is raised, so the handler only reads complete paths.
constexpr int kMaxFiles = 16;
constexpr size_t kMaxPath = 4096;
char g_dir[kMaxPath];
char g_file_paths[kMaxFiles][kMaxPath];
std::atomic<int> g_files{0};
std::atomic<bool> g_active{false};

bool CopyPath(char* dst, const std::string& src) {
  if (src.size() + 1 > kMaxPath) return false;
  std::memcpy(dst, src.c_str(), src.size() + 1);
  return true;
}

}  // namespace

Result<std::unique_ptr<ScratchDir>> ScratchDir::Create(const std::string& parent) {
  struct stat st;
  if (::stat(parent.c_str(), &st) != 0)
    return Status::FromErrno(fmt::format("--dir {}", parent), errno);
  if (!S_ISDIR(st.st_mode))
    return Status::InvalidArgument(fmt::format("--dir {}: not a directory", parent));
  std::string tmpl = fmt::format("{}/.kbench-probe-{}-XXXXXX", parent, ::getpid());
  if (tmpl.size() + 64 > kMaxPath)
    return Status::InvalidArgument(fmt::format("--dir {}: path too long", parent));
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::InvalidArgument(fmt::format("--dir {}: cannot create a scratch directory: {}",
                                               parent, std::strerror(errno)));
  }
  g_files.store(0);
  CopyPath(g_dir, tmpl);
  g_active.store(true);
  return std::unique_ptr<ScratchDir>(new ScratchDir(tmpl));
}

std::string ScratchDir::NewFile(std::string_view name) {
  std::string p = path_ + "/" + std::string(name);
  int n = g_files.load();
  if (n < kMaxFiles && CopyPath(g_file_paths[n], p)) g_files.store(n + 1);
  return p;
}

ScratchDir::~ScratchDir() {
  g_active.store(false);
  int n = g_files.exchange(0);
  for (int i = 0; i < n; ++i) ::unlink(g_file_paths[i]);
  ::rmdir(path_.c_str());
}

void RemoveScratchFilesFromSignal() {
  if (!g_active.load()) return;
  int n = g_files.load();
  for (int i = 0; i < n; ++i) ::unlink(g_file_paths[i]);
  ::rmdir(g_dir);
}

}  // namespace kbench::sizing
