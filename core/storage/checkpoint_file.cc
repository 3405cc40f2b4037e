#include "core/storage/checkpoint_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "core/storage/segment_format.h"

namespace kbench::storage {
namespace {

std::vector<std::string> SplitFields(std::string_view line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) fields.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open directory " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno("fsync directory " + dir, err);
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("create " + tmp, errno);
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno("fsync " + tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::FromErrno(fmt::format("rename {} to {}", tmp, path), errno);
  return SyncDirectory(DirName(path));
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::FromErrno("open " + path, errno);
  }
  std::string out;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::vector<std::vector<std::string>>> ReadCheckpoint(const std::string& path, int fields) {
  KB_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl;
    lines.push_back(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
  }
  auto bad = [&](size_t line, std::string_view what) {
    return Status::Corruption(fmt::format("{} line {}: {}", path, line, what));
  };
  int64_t version = 0, count = 0;
  if (lines.empty() || !ParseInt64(lines[0], &version) ||
      version != segment_format::kCheckpointVersion) {
    return bad(1, fmt::format("expected version {}", segment_format::kCheckpointVersion));
  }
  if (lines.size() < 2 || !ParseInt64(lines[1], &count) || count < 0)
    return bad(2, "expected an entry count");
  if (lines.size() < static_cast<size_t>(count) + 2) {
    return bad(lines.size(),
               fmt::format("{} entries declared, {} present", count, lines.size() - 2));
  }
  std::vector<std::vector<std::string>> entries;
  for (int64_t i = 0; i < count; ++i) {
    std::vector<std::string> f = SplitFields(lines[static_cast<size_t>(i) + 2]);
    if (static_cast<int>(f.size()) != fields) {
      return bad(static_cast<size_t>(i) + 3,
                 fmt::format("expected {} fields, found {}", fields, f.size()));
    }
    entries.push_back(std::move(f));
  }
  return entries;
}

Status WriteCheckpoint(const std::string& path, const std::vector<std::string>& lines) {
  std::string text = fmt::format("{}\n{}\n", segment_format::kCheckpointVersion, lines.size());
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }
  return WriteFileAtomically(path, text);
}

Result<std::map<TopicPartition, Offset>> ReadOffsetCheckpoint(const std::string& path) {
  auto entries = ReadCheckpoint(path, 3);
  if (!entries.ok() && entries.status().code() == StatusCode::kNotFound)
    return std::map<TopicPartition, Offset>();
  if (!entries.ok()) return entries.status();
  std::map<TopicPartition, Offset> out;
  for (const auto& f : *entries) {
    int64_t partition = 0, offset = 0;
    if (!ParseInt64(f[1], &partition) || !ParseInt64(f[2], &offset) || partition < 0 ||
        partition > INT32_MAX || offset < 0) {
      return Status::Corruption(fmt::format("{}: bad entry '{} {} {}'", path, f[0], f[1], f[2]));
    }
    out[TopicPartition{f[0], PartitionId(static_cast<int32_t>(partition))}] = Offset(offset);
  }
  return out;
}

Status WriteOffsetCheckpoint(const std::string& path,
                             const std::map<TopicPartition, Offset>& offsets) {
  std::vector<std::string> lines;
  lines.reserve(offsets.size());
  for (const auto& [tp, offset] : offsets) {
    lines.push_back(fmt::format("{} {} {}", tp.topic, tp.partition.value(), offset.value()));
  }
  return WriteCheckpoint(path, lines);
}

}  // namespace kbench::storage
