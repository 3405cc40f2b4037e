#include "core/storage/index_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace kbench::storage {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::unique_ptr<IndexFile>> IndexFile::Open(std::string path, int entry_size,
                                                   int64_t size_bytes) {
  std::unique_ptr<IndexFile> index(new IndexFile(std::move(path), entry_size));
  Fd f{::open(index->path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (f.fd < 0) return Status::FromErrno("open " + index->path_, errno);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return Status::FromErrno("fstat " + index->path_, errno);
  index->file_bytes_ = st.st_size;
  index->entries_.store(static_cast<int32_t>(st.st_size / entry_size), std::memory_order_relaxed);
  if (size_bytes >= 0) {
    const int64_t bytes = size_bytes / entry_size * entry_size;
    if (bytes != st.st_size && ::ftruncate(f.fd, bytes) != 0) {
      return Status::FromErrno("ftruncate " + index->path_, errno);
    }
    index->file_bytes_ = bytes;
    if (index->entries() > index->capacity()) index->entries_.store(index->capacity());
  }
  KB_RETURN_IF_ERROR(index->Map(f.fd, index->file_bytes_));
  return index;
}

IndexFile::~IndexFile() { Unmap(); }

Status IndexFile::Map(int fd, int64_t bytes) {
  Unmap();
  if (bytes == 0) return Status::Ok();
  void* p = ::mmap(nullptr, static_cast<size_t>(bytes), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return Status::FromErrno("mmap " + path_, errno);
  // Index pages are touched one at a time (appends at the end, binary-search probes). Without this
  // hint the first fault on a fresh, preallocated 10 MiB index reads ahead up to read_ahead_kb of
  // zeroes (8 MiB on some VMs: ~4 ms per new segment, 70% of CPU at 1,000 partitions).
  (void)::madvise(p, static_cast<size_t>(bytes), MADV_RANDOM);
  base_ = static_cast<uint8_t*>(p);
  mapped_bytes_ = bytes;
  return Status::Ok();
}

void IndexFile::Unmap() {
  if (base_ != nullptr) ::munmap(base_, static_cast<size_t>(mapped_bytes_));
  base_ = nullptr;
  mapped_bytes_ = 0;
}

Status IndexFile::Resize(int64_t bytes) {
  bytes = bytes / entry_size_ * entry_size_;
  if (bytes == file_bytes_) return Status::Ok();
  Fd f{::open(path_.c_str(), O_RDWR | O_CLOEXEC)};
  if (f.fd < 0) return Status::FromErrno("open " + path_, errno);
  if (::ftruncate(f.fd, bytes) != 0) return Status::FromErrno("ftruncate " + path_, errno);
  file_bytes_ = bytes;
  if (entries() > capacity()) PublishEntries(capacity());
  // Shrinking keeps the mapping: nothing at or past the count is read, so bytes beyond the new end
  // of file are never touched. Growing past the mapping needs a new one.
  if (bytes > mapped_bytes_) return Map(f.fd, bytes);
  return Status::Ok();
}

Status IndexFile::Flush() const {
  const int64_t bytes = static_cast<int64_t>(entries()) * entry_size_;
  if (base_ == nullptr || bytes == 0) return Status::Ok();
  if (::msync(base_, static_cast<size_t>(bytes), MS_SYNC) != 0)
    return Status::FromErrno("msync " + path_, errno);
  return Status::Ok();
}

Status IndexFile::RenameTo(std::string new_path) {
  if (::rename(path_.c_str(), new_path.c_str()) != 0) {
    return Status::FromErrno(fmt::format("rename {} to {}", path_, new_path), errno);
  }
  path_ = std::move(new_path);
  return Status::Ok();
}

Status IndexFile::Delete() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno("unlink " + path_, errno);
  return Status::Ok();
}

}  // namespace kbench::storage
