#include "harness/page_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace kbench::harness {
namespace fs = std::filesystem;
namespace {

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status Errno(std::string_view what, const std::string& path, int err) {
  return Status::IoError(fmt::format("{} {}: {}", what, path, std::strerror(err)));
}

Result<int64_t> ResidentOf(int fd, int64_t size, const std::string& path) {
  if (size == 0) return int64_t{0};
  void* map = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return Errno("mmap", path, errno);
  const int64_t page = ::sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> pages(static_cast<size_t>((size + page - 1) / page));
  const int rc = ::mincore(map, static_cast<size_t>(size), pages.data());
  const int err = errno;
  ::munmap(map, static_cast<size_t>(size));
  if (rc != 0) return Errno("mincore", path, err);
  int64_t resident = 0;
  for (unsigned char p : pages) resident += (p & 1) ? page : 0;
  return std::min(resident, size);
}

// One file: resident before, sync, drop, resident after. false when it vanished meanwhile.
Result<bool> EvictFile(const std::string& path, PageCacheEviction* out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return false;
    return Errno("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Errno("stat", path, errno);
  const int64_t size = st.st_size;
  KB_ASSIGN_OR_RETURN(const int64_t before, ResidentOf(fd.get(), size, path));
  if (::fdatasync(fd.get()) != 0) return Errno("fdatasync", path, errno);
  if (const int rc = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED); rc != 0) {
    return Errno("posix_fadvise(DONTNEED)", path, rc);
  }
  KB_ASSIGN_OR_RETURN(const int64_t after, ResidentOf(fd.get(), size, path));
  ++out->files;
  out->bytes += size;
  out->resident_before += before;
  out->resident_after += after;
  return true;
}

}  // namespace

Result<PageCacheEviction> EvictSegmentFiles(const std::vector<std::string>& partition_dirs) {
  PageCacheEviction total;
  for (const std::string& dir : partition_dirs) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec == std::errc::no_such_file_or_directory) continue;
    if (ec) return Status::IoError(fmt::format("list {}: {}", dir, ec.message()));
    for (const fs::directory_entry& e : it) {
      if (e.path().extension() != ".log" || !e.is_regular_file(ec)) continue;
      KB_ASSIGN_OR_RETURN(const bool evicted, EvictFile(e.path().string(), &total));
      (void)evicted;
    }
  }
  return total;
}

Result<int64_t> ResidentBytes(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Errno("stat", path, errno);
  return ResidentOf(fd.get(), st.st_size, path);
}

}  // namespace kbench::harness
