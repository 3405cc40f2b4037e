#include "core/broker/file_offset_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/base/byte_order.h"
#include "core/base/log.h"
#include "core/broker/file_offset_log_format.h"

namespace kbench::broker {
namespace {

namespace ff = file_offset_log_format;

constexpr std::string_view kComponent = "offsetlog";
// Compaction writes the live set in frames of about this many payload bytes.
constexpr size_t kCompactionFrameBytes = 1 << 20;

uint32_t Crc32(std::span<const uint8_t> bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; payloads are below kMaxFrameLength (1 GiB), which fits.
  return static_cast<uint32_t>(crc32(crc, bytes.data(), static_cast<uInt>(bytes.size())));
}

template <typename T>
void Put(std::vector<uint8_t>* out, T v) {
  size_t at = out->size();
  out->resize(at + sizeof(T));
  StoreBigEndian(out->data() + at, v);
}

void PutBytes(std::vector<uint8_t>* out, std::span<const uint8_t> b) {
  out->insert(out->end(), b.begin(), b.end());
}

size_t EncodedSize(const std::vector<uint8_t>& key, const std::optional<std::vector<uint8_t>>& v) {
  return ff::kRecordOverhead + key.size() + (v ? v->size() : 0);
}

// One frame holding `records` at positions base, base+1, ...
template <typename Range, typename Get>
std::vector<uint8_t> EncodeFrame(int64_t base, const Range& records, Get get) {
  std::vector<uint8_t> f(ff::kFrameHeaderSize);
  Put<int64_t>(&f, base);
  Put<int32_t>(&f, static_cast<int32_t>(std::size(records)));
  for (const auto& item : records) {
    const OffsetLogRecord& r = get(item);
    Put<int64_t>(&f, r.timestamp_ms);
    Put<int32_t>(&f, static_cast<int32_t>(r.key.size()));
    PutBytes(&f, r.key);
    Put<int32_t>(&f, r.value ? static_cast<int32_t>(r.value->size()) : -1);
    if (r.value) PutBytes(&f, *r.value);
  }
  std::span<const uint8_t> payload(f.data() + ff::kFrameHeaderSize,
                                   f.size() - ff::kFrameHeaderSize);
  StoreBigEndian<uint32_t>(f.data(), static_cast<uint32_t>(f.size() - 4));
  StoreBigEndian<uint32_t>(f.data() + 4, Crc32(payload));
  return f;
}

struct ParsedFrame {
  int64_t base_position = 0;
  std::vector<OffsetLogRecord> records;
};

// Parses a payload that passed its CRC; an error names what is malformed.
Result<ParsedFrame> ParsePayload(std::span<const uint8_t> p) {
  ParsedFrame out;
  size_t at = 0;
  auto need = [&](size_t n, std::string_view what) -> Status {
    if (p.size() - at >= n) return Status::Ok();
    return Status::Corruption(
        fmt::format("{} needs {} bytes, {} left in the frame", what, n, p.size() - at));
  };
  KB_RETURN_IF_ERROR(need(ff::kPayloadHeaderSize, "payload header"));
  out.base_position = LoadBigEndian<int64_t>(p.data());
  const int32_t count = LoadBigEndian<int32_t>(p.data() + 8);
  at = ff::kPayloadHeaderSize;
  if (count < 0 || static_cast<size_t>(count) > (p.size() - at) / ff::kRecordOverhead) {
    return Status::Corruption(fmt::format("record count {} does not fit the frame", count));
  }
  out.records.resize(static_cast<size_t>(count));
  for (OffsetLogRecord& r : out.records) {
    KB_RETURN_IF_ERROR(need(12, "record timestamp and key length"));
    r.timestamp_ms = LoadBigEndian<int64_t>(p.data() + at);
    const int32_t key_len = LoadBigEndian<int32_t>(p.data() + at + 8);
    at += 12;
    if (key_len < 0) return Status::Corruption(fmt::format("negative key length {}", key_len));
    KB_RETURN_IF_ERROR(need(static_cast<size_t>(key_len) + 4, "record key and value length"));
    r.key.assign(p.data() + at, p.data() + at + key_len);
    at += static_cast<size_t>(key_len);
    const int32_t value_len = LoadBigEndian<int32_t>(p.data() + at);
    at += 4;
    if (value_len < -1) return Status::Corruption(fmt::format("value length {}", value_len));
    if (value_len >= 0) {
      KB_RETURN_IF_ERROR(need(static_cast<size_t>(value_len), "record value"));
      r.value.emplace(p.data() + at, p.data() + at + value_len);
      at += static_cast<size_t>(value_len);
    }
  }
  if (at != p.size()) {
    return Status::Corruption(fmt::format("{} bytes after the last record", p.size() - at));
  }
  return out;
}

// Checks and parses the frame at `pos`; an error says why the file must be cut there.
Result<ParsedFrame> ReadFrame(std::span<const uint8_t> file, size_t pos) {
  const size_t left = file.size() - pos;
  if (left < ff::kFrameHeaderSize) {
    return Status::Corruption(fmt::format("torn frame header ({} of 8 bytes)", left));
  }
  const uint32_t length = LoadBigEndian<uint32_t>(file.data() + pos);
  if (length < 4 + ff::kPayloadHeaderSize || length > ff::kMaxFrameLength) {
    return Status::Corruption(fmt::format("invalid frame length {}", length));
  }
  if (length > left - 4) {
    return Status::Corruption(
        fmt::format("torn frame: length {} but {} bytes follow", length, left - 4));
  }
  std::span<const uint8_t> payload(file.data() + pos + ff::kFrameHeaderSize, length - 4);
  const uint32_t stored = LoadBigEndian<uint32_t>(file.data() + pos + 4);
  if (const uint32_t actual = Crc32(payload); actual != stored) {
    return Status::Corruption(
        fmt::format("frame CRC mismatch (stored {:08x}, computed {:08x})", stored, actual));
  }
  return ParsePayload(payload);
}

Result<std::vector<uint8_t>> ReadWholeFile(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::FromErrno("fstat " + path, errno);
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("read " + path, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

Status WriteAll(int fd, std::span<const uint8_t> bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("write " + path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::vector<uint8_t> FileHeader() {
  std::vector<uint8_t> h(ff::kMagic.begin(), ff::kMagic.end());
  Put<uint32_t>(&h, ff::kFormatVersion);
  return h;
}

Status SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1));
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::FromErrno("open directory " + dir, errno);
  Status s = fsync(dfd) == 0 ? Status::Ok() : Status::FromErrno("fsync directory " + dir, errno);
  close(dfd);
  return s;
}

}  // namespace

FileOffsetLog::FileOffsetLog(std::string path, FileOffsetLogOptions options, int fd)
    : path_(std::move(path)), options_(options), fd_(fd) {}

FileOffsetLog::~FileOffsetLog() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<FileOffsetLog>> FileOffsetLog::Open(std::string path,
                                                           FileOffsetLogOptions options) {
  // A compaction that crashed before its rename left the old file intact; drop the partial copy.
  unlink((path + ".compact").c_str());
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open offset log " + path, errno);
  std::unique_ptr<FileOffsetLog> log(new FileOffsetLog(std::move(path), options, fd));
  KB_RETURN_IF_ERROR(log->Load());
  return log;
}

Status FileOffsetLog::Load() {
  std::lock_guard lock(mu_);
  KB_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadWholeFile(fd_, path_));
  const std::vector<uint8_t> header = FileHeader();
  if (bytes.size() < ff::kHeaderSize) {
    // Empty, or a header torn while the file was being created: start the file over.
    bool prefix = true;
    for (size_t i = 0; i < bytes.size(); ++i) prefix = prefix && bytes[i] == header[i];
    if (!prefix) {
      return Status::Corruption(path_ + ": not a kbench offset log (bad magic)");
    }
    if (ftruncate(fd_, 0) != 0) return Status::FromErrno("truncate " + path_, errno);
    KB_RETURN_IF_ERROR(WriteAll(fd_, header, path_));
    file_bytes_ = static_cast<int64_t>(header.size());
    return Status::Ok();
  }
  if (!std::equal(ff::kMagic.begin(), ff::kMagic.end(), bytes.begin())) {
    return Status::Corruption(path_ + ": not a kbench offset log (bad magic)");
  }
  if (uint32_t v = LoadBigEndian<uint32_t>(bytes.data() + 8); v != ff::kFormatVersion) {
    return Status::Unsupported(fmt::format("{}: offset log format version {} (this build reads {})",
                                           path_, v, ff::kFormatVersion),
                               ErrorCode::kKafkaStorageError);
  }
  size_t pos = ff::kHeaderSize;
  while (pos < bytes.size()) {
    Result<ParsedFrame> frame = ReadFrame(bytes, pos);
    if (frame.ok() && frame->base_position < next_position_) {
      frame = Status::Corruption(fmt::format("frame position {} below the previous end {}",
                                             frame->base_position, next_position_));
    }
    if (!frame.ok()) {
      load_report_.problem = fmt::format("byte {}: {}", pos, frame.status().message());
      break;
    }
    for (size_t i = 0; i < frame->records.size(); ++i) {
      Remember(frame->records[i], frame->base_position + static_cast<int64_t>(i));
    }
    next_position_ = frame->base_position + static_cast<int64_t>(frame->records.size());
    ++load_report_.frames;
    load_report_.records += static_cast<int64_t>(frame->records.size());
    pos += 4 + LoadBigEndian<uint32_t>(bytes.data() + pos);
  }
  if (pos < bytes.size()) {
    load_report_.bytes_truncated = static_cast<int64_t>(bytes.size() - pos);
    log::Warn(kComponent, "{}: truncating {} bytes at {}", path_, load_report_.bytes_truncated,
              load_report_.problem);
    if (ftruncate(fd_, static_cast<off_t>(pos)) != 0) {
      return Status::FromErrno("truncate " + path_, errno);
    }
  }
  file_bytes_ = static_cast<int64_t>(pos);
  return Status::Ok();
}

void FileOffsetLog::Remember(const OffsetLogRecord& r, int64_t position) {
  auto [it, inserted] = live_.try_emplace(std::string(r.key.begin(), r.key.end()));
  if (!inserted && it->second.value) live_bytes_ -= EncodedSize(r.key, it->second.value);
  it->second = Live{r.value, r.timestamp_ms, position};
  if (r.value) live_bytes_ += EncodedSize(r.key, r.value);
}

Status FileOffsetLog::WriteAllLocked(std::span<const uint8_t> bytes) {
  Status s = WriteAll(fd_, bytes, path_);
  if (s.ok() && options_.fsync_each_append && fdatasync(fd_) != 0) {
    s = Status::FromErrno("fdatasync " + path_, errno);
  }
  if (!s.ok()) {
    // Leave no partial frame behind for the next append to follow.
    if (ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) {
      log::Error(kComponent, "{}: cannot cut a failed append: {}", path_, std::strerror(errno));
    }
  }
  return s;
}

Result<Offset> FileOffsetLog::Append(std::span<const OffsetLogRecord> records) {
  if (records.empty()) return Status::InvalidArgument("offset log append of no records");
  std::lock_guard lock(mu_);
  if (fd_ < 0) return Status::IoError(path_ + ": offset log is closed");
  std::vector<uint8_t> frame = EncodeFrame(
      next_position_, records, [](const OffsetLogRecord& r) -> const auto& { return r; });
  if (frame.size() - 4 > ff::kMaxFrameLength) {
    return Status::InvalidArgument(fmt::format("offset log append of {} bytes", frame.size()),
                                   ErrorCode::kRecordListTooLarge);
  }
  KB_RETURN_IF_ERROR(WriteAllLocked(frame));
  file_bytes_ += static_cast<int64_t>(frame.size());
  for (size_t i = 0; i < records.size(); ++i) {
    Remember(records[i], next_position_ + static_cast<int64_t>(i));
  }
  next_position_ += static_cast<int64_t>(records.size());
  const Offset last(next_position_ - 1);
  if (file_bytes_ >= options_.compact_min_bytes && live_bytes_ * 2 < file_bytes_) {
    if (Status s = CompactLocked(); !s.ok()) {
      log::Warn(kComponent, "{}: compaction failed (the log stays as it is): {}", path_,
                s.ToString());
    }
  }
  return last;
}

void FileOffsetLog::WhenCommitted(Offset /*last*/, std::function<void(Status)> done) {
  done(Status::Ok());  // one file: appended is committed
}

Status FileOffsetLog::Replay(const std::function<Status(const OffsetLogRecord&)>& fn) {
  std::vector<std::pair<int64_t, OffsetLogRecord>> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot.reserve(live_.size());
    for (const auto& [key, live] : live_) {
      snapshot.emplace_back(
          live.position, OffsetLogRecord{{key.begin(), key.end()}, live.value, live.timestamp_ms});
    }
  }
  // The compacted log in log order: the newest record of every key, by position.
  std::sort(snapshot.begin(), snapshot.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [position, record] : snapshot) {
    KB_RETURN_IF_ERROR(fn(record).WithContext(fmt::format("{} position {}", path_, position)));
  }
  return Status::Ok();
}

Status FileOffsetLog::Compact() {
  std::lock_guard lock(mu_);
  return CompactLocked();
}

Status FileOffsetLog::CompactLocked() {
  std::vector<std::pair<int64_t, OffsetLogRecord>> keep;
  for (const auto& [key, live] : live_) {
    if (!live.value) continue;  // a tombstone shadows nothing once older records are gone
    keep.emplace_back(live.position,
                      OffsetLogRecord{{key.begin(), key.end()}, live.value, live.timestamp_ms});
  }
  std::sort(keep.begin(), keep.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Survivors get consecutive positions ending where the log ends, so positions keep growing.
  std::vector<uint8_t> bytes = FileHeader();
  int64_t position = next_position_ - static_cast<int64_t>(keep.size());
  for (size_t begin = 0; begin < keep.size();) {
    size_t end = begin;
    size_t payload = 0;
    while (end < keep.size() && (end == begin || payload < kCompactionFrameBytes)) {
      payload += EncodedSize(keep[end].second.key, keep[end].second.value);
      ++end;
    }
    std::span<const std::pair<int64_t, OffsetLogRecord>> chunk(keep.data() + begin, end - begin);
    std::vector<uint8_t> frame = EncodeFrame(
        position, chunk, [](const auto& p) -> const OffsetLogRecord& { return p.second; });
    bytes.insert(bytes.end(), frame.begin(), frame.end());
    position += static_cast<int64_t>(end - begin);
    begin = end;
  }
  const std::string tmp = path_ + ".compact";
  int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + tmp, errno);
  Status s = WriteAll(fd, bytes, tmp);
  if (s.ok() && fsync(fd) != 0) s = Status::FromErrno("fsync " + tmp, errno);
  if (s.ok() && rename(tmp.c_str(), path_.c_str()) != 0)
    s = Status::FromErrno("rename " + tmp, errno);
  if (!s.ok()) {
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  // The new file is in place; from here on it is the log whatever else fails.
  close(fd_);
  fd_ = fd;
  file_bytes_ = static_cast<int64_t>(bytes.size());
  int64_t p = next_position_ - static_cast<int64_t>(keep.size());
  live_.clear();
  live_bytes_ = 0;
  for (const auto& [old_position, record] : keep) Remember(record, p++);
  ++compactions_;
  return SyncParentDir(path_);
}

int64_t FileOffsetLog::file_bytes() const {
  std::lock_guard lock(mu_);
  return file_bytes_;
}

int64_t FileOffsetLog::live_records() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::count_if(
      live_.begin(), live_.end(), [](const auto& e) { return e.second.value.has_value(); }));
}

int64_t FileOffsetLog::compactions() const {
  std::lock_guard lock(mu_);
  return compactions_;
}

}  // namespace kbench::broker
