// FileHandle owns one open file descriptor; FileSlice names a byte range of such a file.
//
// A segment's .log file is held through std::shared_ptr<FileHandle>: the log keeps one reference, and every
// FileSlice handed to a reader (a Fetch response waiting to be sendfile'd, a follower fetch) keeps another.
// So retention may unlink a segment while a response that points into it is still queued: the descriptor
// closes only when the last slice is gone, and the bytes stay readable until then (POSIX unlink semantics).
//
// Thread safety: a FileHandle is immutable after construction; share it freely. pread/sendfile on fd() are
// safe from several threads.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

namespace kbench {

class FileHandle {
 public:
  FileHandle(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  const int fd_;
  const std::string path_;  // for messages only; the file may since have been renamed or unlinked
};

struct FileSlice {
  std::shared_ptr<const FileHandle> file;  // null for an empty slice
  int64_t position = 0;
  int64_t length = 0;

  bool empty() const { return length == 0; }
};

}  // namespace kbench
