#include "core/storage/segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/storage/record.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {
namespace bf = batch_format;
namespace sf = segment_format;
namespace {

// Sequential reads of a file through one buffer: Ensure(pos, n) makes [pos, pos + n) available,
// reading at least `read_size` bytes at a time (never past `limit`).
class PreadBuffer {
 public:
  PreadBuffer(const FileHandle& file, int64_t limit) : file_(file), limit_(limit) {}

  // nullptr when [pos, pos + n) extends past the limit.
  Result<const uint8_t*> Ensure(int64_t pos, size_t n, size_t read_size) {
    if (pos >= buf_pos_ &&
        pos + static_cast<int64_t>(n) <= buf_pos_ + static_cast<int64_t>(buf_len_)) {
      return buf_.data() + (pos - buf_pos_);
    }
    if (pos + static_cast<int64_t>(n) > limit_) return static_cast<const uint8_t*>(nullptr);
    const size_t want =
        static_cast<size_t>(std::min<int64_t>(std::max(n, read_size), limit_ - pos));
    if (buf_.size() < want) buf_.resize(want);
    size_t got = 0;
    while (got < want) {
      const ssize_t r =
          ::pread(file_.fd(), buf_.data() + got, want - got, pos + static_cast<int64_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0)
        return Status::FromErrno(fmt::format("read {} at {}", file_.path(), pos + got), errno);
      if (r == 0)
        return Status::IoError(
            fmt::format("{}: file ends at {}, expected {} bytes", file_.path(), pos + got, want));
      got += static_cast<size_t>(r);
    }
    buf_pos_ = pos;
    buf_len_ = want;
    return buf_.data();
  }

 private:
  const FileHandle& file_;
  const int64_t limit_;
  std::vector<uint8_t> buf_;
  int64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
};

constexpr size_t kScanReadSize = 8 * 1024;
constexpr int32_t kSmallBatch = 1024;
constexpr size_t kBatchReadSize = 1024 * 1024;

int64_t FileMtimeMs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace

Segment::Segment(std::string dir, Offset base, const SegmentConfig& config, std::string suffix)
    : dir_(std::move(dir)), base_(base), config_(config), suffix_(std::move(suffix)) {
  log_path_ = PathFor(sf::kLogSuffix);
  next_offset_.store(base.value(), std::memory_order_relaxed);
  offset_of_max_timestamp_ = base;
}

Segment::~Segment() = default;

std::string Segment::PathFor(std::string_view ext) const {
  return dir_ + "/" + sf::SegmentFileName(base_, ext) + suffix_;
}

Status Segment::OpenFiles(bool create, int64_t now_ms) {
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  const int fd = ::open(log_path_.c_str(), flags, 0644);
  if (fd < 0) return Status::FromErrno("open " + log_path_, errno);
  file_ = std::make_shared<FileHandle>(fd, log_path_);
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("fstat " + log_path_, errno);
  if (create && st.st_size != 0) {
    return Status::AlreadyExists(fmt::format("{} already holds {} bytes", log_path_, st.st_size));
  }
  size_.store(st.st_size, std::memory_order_relaxed);
  created_ms_ = now_ms;
  const int64_t index_bytes = create ? config_.max_index_bytes : -1;
  // A missing index (deleted by hand, lost in a crash) must be rebuilt, not trusted as empty.
  indexes_missing_ = !create && (::access(PathFor(sf::kIndexSuffix).c_str(), F_OK) != 0 ||
                                 ::access(PathFor(sf::kTimeIndexSuffix).c_str(), F_OK) != 0);
  KB_ASSIGN_OR_RETURN(offset_index_,
                      OffsetIndex::Open(PathFor(sf::kIndexSuffix), base_, index_bytes));
  KB_ASSIGN_OR_RETURN(time_index_,
                      TimeIndex::Open(PathFor(sf::kTimeIndexSuffix), base_, index_bytes));
  if (create) {
    offset_index_->Reset();
    time_index_->Reset();
  }
  return Status::Ok();
}

Result<std::shared_ptr<Segment>> Segment::Create(const std::string& dir, Offset base,
                                                 const SegmentConfig& config, int64_t now_ms,
                                                 std::string_view suffix) {
  std::shared_ptr<Segment> s(new Segment(dir, base, config, std::string(suffix)));
  KB_RETURN_IF_ERROR(s->OpenFiles(/*create=*/true, now_ms));
  return s;
}

Result<std::shared_ptr<Segment>> Segment::Open(const std::string& dir, Offset base,
                                               const SegmentConfig& config,
                                               std::string_view suffix) {
  std::shared_ptr<Segment> s(new Segment(dir, base, config, std::string(suffix)));
  KB_RETURN_IF_ERROR(s->OpenFiles(/*create=*/false, WallMillis()));
  return s;
}

void Segment::PublishEnd(int64_t size, Offset next_offset) {
  next_offset_.store(next_offset.value(), std::memory_order_release);
  size_.store(size, std::memory_order_release);
}

void Segment::IndexBatch(int64_t position, int32_t size, Offset last_offset,
                         int64_t max_timestamp) {
  if (position == 0) first_batch_timestamp_ = max_timestamp;
  if (max_timestamp > max_timestamp_.load(std::memory_order_relaxed)) {
    max_timestamp_.store(max_timestamp, std::memory_order_release);
    offset_of_max_timestamp_ = last_offset;
  }
  if (bytes_since_index_entry_ > config_.index_interval_bytes && !offset_index_->full()) {
    offset_index_->Append(last_offset, position);
    time_index_->MaybeAppend(max_timestamp_.load(std::memory_order_relaxed),
                             offset_of_max_timestamp_);
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += size;
}

Status Segment::Append(std::span<const uint8_t> bytes, std::span<const BatchPlacement> batches) {
  const int64_t start = size_.load(std::memory_order_relaxed);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::pwrite(file_->fd(), bytes.data() + written, bytes.size() - written,
                               start + static_cast<int64_t>(written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      // Leave the file as it was: readers never saw these bytes, and recovery must not find half a
      // batch.
      if (::ftruncate(file_->fd(), start) != 0) {
        log::Error("storage", "{}: cannot cut back to {} after a failed write: {}", log_path_,
                   start, strerror(errno));
      }
      return Status::FromErrno(
          fmt::format("write {} bytes to {} at {}", bytes.size(), log_path_, start), err);
    }
    written += static_cast<size_t>(n);
  }
  for (const BatchPlacement& b : batches)
    IndexBatch(start + b.offset_in_append, b.size, b.last_offset, b.max_timestamp);
  PublishEnd(start + static_cast<int64_t>(bytes.size()), batches.back().last_offset + 1);
  return Status::Ok();
}

Status Segment::ScanHeaders(int64_t from, int64_t limit,
                            const std::function<bool(int64_t, const BatchHeader&)>& fn) const {
  PreadBuffer buf(*file_, limit);
  int64_t pos = from;
  int32_t last_size = 0;
  while (pos < limit) {
    // Read just the header, unless batches turn out small: then read ahead to catch many headers
    // per pread. (Reading ahead over large batches would copy kilobytes per header.)
    const size_t read_size =
        last_size == 0 || last_size >= kSmallBatch ? bf::kHeaderSize : kScanReadSize;
    KB_ASSIGN_OR_RETURN(const uint8_t* p, buf.Ensure(pos, bf::kHeaderSize, read_size));
    if (p == nullptr) {
      return Status::Corruption(
          fmt::format("{}: {} bytes at position {} are too few for a batch header", log_path_,
                      limit - pos, pos));
    }
    const BatchHeader h = DecodeBatchHeader(p);
    if (h.length < bf::kHeaderSize - bf::kLogOverhead || pos + h.size_bytes() > limit ||
        h.magic != bf::kMagic) {
      return Status::Corruption(
          fmt::format("{}: batch at position {} (length {}, magic {}) does not fit the {} byte log",
                      log_path_, pos, h.length, h.magic, limit));
    }
    if (!fn(pos, h)) return Status::Ok();
    pos += h.size_bytes();
    last_size = h.size_bytes();
  }
  return Status::Ok();
}

Status Segment::ReadBatches(
    int64_t from, int64_t limit,
    const std::function<Result<bool>(int64_t, std::span<const uint8_t>)>& fn) const {
  PreadBuffer buf(*file_, limit);
  for (int64_t pos = from; pos < limit;) {
    KB_ASSIGN_OR_RETURN(const uint8_t* p, buf.Ensure(pos, bf::kLogOverhead, kBatchReadSize));
    const int32_t length = p == nullptr ? -1 : LoadBigEndian<int32_t>(p + bf::kLengthPos);
    if (length < bf::kHeaderSize - bf::kLogOverhead) {
      return Status::Corruption(
          fmt::format("{}: no valid batch length at position {}", log_path_, pos));
    }
    const size_t size = static_cast<size_t>(length) + bf::kLogOverhead;
    KB_ASSIGN_OR_RETURN(p, buf.Ensure(pos, size, kBatchReadSize));
    if (p == nullptr) {
      return Status::Corruption(fmt::format("{}: batch of {} bytes at position {} overruns {}",
                                            log_path_, size, pos, limit));
    }
    KB_ASSIGN_OR_RETURN(bool more, fn(pos, {p, size}));
    if (!more) break;
    pos += static_cast<int64_t>(size);
  }
  return Status::Ok();
}

Result<std::optional<BatchLocation>> Segment::FindBatch(Offset target, int64_t limit) const {
  std::optional<OffsetPosition> next;
  const OffsetPosition floor = offset_index_->Lookup(target, &next);
  std::optional<BatchLocation> found;
  auto first_holding_target = [&](int64_t pos, const BatchHeader& h) {
    if (h.last_offset() < target) return true;
    found = BatchLocation{pos, h};
    return false;
  };
  // A consumer usually fetches the offset right after a batch: the target then sits in the batch of
  // the next index entry (one header read) rather than after the floor entry's batch (two or more).
  if (next && floor.offset < target && next->position < limit) {
    KB_RETURN_IF_ERROR(ScanHeaders(next->position, limit, [&](int64_t pos, const BatchHeader& h) {
      if (h.base_offset <= target) found = BatchLocation{pos, h};
      return false;
    }));
    if (found) return found;
  }
  int64_t start = floor.position;
  if (start >= limit)
    start = 0;  // an entry past what the caller may see: never expected, stay correct
  KB_RETURN_IF_ERROR(ScanHeaders(start, limit, first_holding_target));
  return found;
}

Result<RunEnd> Segment::ExtendRun(const BatchLocation& first, int64_t max_bytes, Offset upper_bound,
                                  int64_t limit) const {
  RunEnd run{first.position + first.header.size_bytes(), first.header.next_offset()};
  const int64_t max_end = first.position + max_bytes;
  // Jump with the index: every batch before an entry's position ends at or before it and has a last
  // offset below the entry's, so if the entry fits both bounds, all of them belong to the run. The
  // batch at the jump target is then read; its BaseOffset is where a reader continues if it does
  // not fit.
  const OffsetPosition by_position = offset_index_->LookupPosition(max_end);
  const OffsetPosition by_offset = offset_index_->Lookup(upper_bound - 1);
  const OffsetPosition& jump = by_position.position < by_offset.position ? by_position : by_offset;
  bool next_known = true;
  if (jump.position > run.end_position && jump.position < limit && jump.offset < upper_bound) {
    run.end_position = jump.position;
    next_known = false;
  }
  KB_RETURN_IF_ERROR(ScanHeaders(run.end_position, limit, [&](int64_t pos, const BatchHeader& h) {
    if (h.last_offset() >= upper_bound || pos + h.size_bytes() > max_end) {
      if (!next_known) run.next_offset = h.base_offset;
      return false;
    }
    run.end_position = pos + h.size_bytes();
    run.next_offset = h.next_offset();
    next_known = true;
    return true;
  }));
  return run;
}

Result<std::optional<TimestampOffset>> Segment::FindTimestamp(int64_t target,
                                                              Offset min_offset) const {
  const int64_t limit = size();
  const TimestampOffset before = time_index_->LookupBefore(target);
  int64_t pos = before.timestamp < 0 ? 0 : offset_index_->Lookup(before.offset).position;
  std::vector<uint8_t> scratch;
  while (pos < limit) {
    std::optional<BatchLocation> candidate;
    KB_RETURN_IF_ERROR(ScanHeaders(pos, limit, [&](int64_t p, const BatchHeader& h) {
      if (h.max_timestamp < target || h.last_offset() < min_offset) return true;
      candidate = BatchLocation{p, h};
      return false;
    }));
    if (!candidate) return std::optional<TimestampOffset>();
    std::optional<TimestampOffset> hit;
    KB_RETURN_IF_ERROR(
        ReadBatches(candidate->position, candidate->position + candidate->header.size_bytes(),
                    [&](int64_t, std::span<const uint8_t> bytes) -> Result<bool> {
                      KB_RETURN_IF_ERROR(ForEachRecord(bytes, &scratch, [&](const RecordView& r) {
                        if (!hit && r.timestamp >= target && r.offset >= min_offset) {
                          hit = TimestampOffset{r.timestamp, r.offset};
                        }
                        return Status::Ok();
                      }));
                      return false;
                    }));
    if (hit) return hit;
    pos = candidate->position + candidate->header.size_bytes();
  }
  return std::optional<TimestampOffset>();
}

Status Segment::ScanTail() {
  const OffsetPosition last = offset_index_->LastEntry();
  const TimestampOffset last_time = time_index_->LastEntry();
  const int64_t size = size_.load(std::memory_order_relaxed);
  Offset next = base_;
  int64_t max_ts = last_time.timestamp;
  Offset max_ts_offset = last_time.offset;
  KB_RETURN_IF_ERROR(ScanHeaders(last.position, size, [&](int64_t, const BatchHeader& h) {
    next = h.next_offset();
    if (h.max_timestamp > max_ts) {
      max_ts = h.max_timestamp;
      max_ts_offset = h.last_offset();
    }
    return true;
  }));
  max_timestamp_.store(max_ts, std::memory_order_release);
  offset_of_max_timestamp_ = max_ts_offset;
  bytes_since_index_entry_ = size - last.position;
  first_batch_timestamp_ = -1;
  if (size > 0) {
    KB_RETURN_IF_ERROR(ScanHeaders(0, size, [&](int64_t, const BatchHeader& h) {
      first_batch_timestamp_ = h.max_timestamp;
      return false;
    }));
  }
  PublishEnd(size, next);
  return Status::Ok();
}

Result<SegmentRecovery> Segment::LoadClean() {
  const int64_t size = size_.load(std::memory_order_relaxed);
  Status check =
      indexes_missing_ ? Status::NotFound("index files missing") : offset_index_->SanityCheck(size);
  if (check.ok()) check = time_index_->SanityCheck();
  if (check.ok()) check = ScanTail();
  if (!check.ok()) {
    log::Warn("storage", "{}: rebuilding after a failed check on load: {}", log_path_,
              check.ToString());
    return Recover(base_);
  }
  flushed_size_.store(size, std::memory_order_relaxed);
  indexes_synced_.store(true, std::memory_order_relaxed);
  sealed_.store(true, std::memory_order_relaxed);  // until the log makes it active
  SegmentRecovery result;
  result.valid_bytes = size;
  return result;
}

Result<SegmentRecovery> Segment::Recover(Offset min_offset) {
  KB_RETURN_IF_ERROR(offset_index_->file().Resize(config_.max_index_bytes));
  KB_RETURN_IF_ERROR(time_index_->file().Resize(config_.max_index_bytes));
  offset_index_->Reset();
  time_index_->Reset();
  max_timestamp_.store(-1, std::memory_order_relaxed);
  bytes_since_index_entry_ = 0;
  first_batch_timestamp_ = -1;
  struct stat st;
  if (::fstat(file_->fd(), &st) != 0) return Status::FromErrno("fstat " + log_path_, errno);
  const int64_t file_size = st.st_size;

  SegmentRecovery result;
  ValidationOptions options;
  options.origin = AppendOrigin::kReplication;
  options.max_batch_bytes = INT32_MAX;
  options.check_records =
      false;  // the CRC covers the records; Kafka's recovery checks batches, not records
  PreadBuffer buf(*file_, file_size);
  Offset next = std::max(min_offset, base_);
  int64_t pos = 0;
  while (pos < file_size) {
    KB_ASSIGN_OR_RETURN(const uint8_t* p, buf.Ensure(pos, bf::kLogOverhead, kBatchReadSize));
    const int32_t length = p == nullptr ? -1 : LoadBigEndian<int32_t>(p + bf::kLengthPos);
    const int64_t size = int64_t{length} + bf::kLogOverhead;
    if (p == nullptr || length < bf::kHeaderSize - bf::kLogOverhead || pos + size > file_size) {
      result.reason = fmt::format("batch at position {} claims {} bytes, {} remain (torn write)",
                                  pos, p == nullptr ? -1 : size, file_size - pos);
      break;
    }
    KB_ASSIGN_OR_RETURN(p, buf.Ensure(pos, static_cast<size_t>(size), kBatchReadSize));
    BatchHeader h;
    Status s = ValidateBatch({p, static_cast<size_t>(size)}, options, &h);
    if (s.ok() && h.base_offset < next) {
      s = Status::Corruption(fmt::format("base offset {} is below the expected {}",
                                         h.base_offset.value(), next.value()));
    }
    if (s.ok() && !CanHoldOffset(h.last_offset())) {
      s = Status::Corruption(fmt::format("last offset {} is too far from base {}",
                                         h.last_offset().value(), base_.value()));
    }
    if (!s.ok()) {
      result.reason = fmt::format("batch at position {}: {}", pos, s.message());
      break;
    }
    IndexBatch(pos, static_cast<int32_t>(size), h.last_offset(), h.max_timestamp);
    next = h.next_offset();
    pos += size;
    ++result.batches_checked;
  }
  result.valid_bytes = pos;
  result.truncated_bytes = file_size - pos;
  if (result.truncated_bytes > 0 && ::ftruncate(file_->fd(), pos) != 0) {
    return Status::FromErrno(fmt::format("truncate {} to {}", log_path_, pos), errno);
  }
  PublishEnd(pos, pos == 0 ? base_ : next);
  flushed_size_.store(0, std::memory_order_relaxed);
  indexes_synced_.store(false, std::memory_order_relaxed);
  return result;
}

Result<int64_t> Segment::TruncateTo(Offset offset) {
  const int64_t size = size_.load(std::memory_order_relaxed);
  KB_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, FindBatch(offset, size));
  if (!loc) return int64_t{0};
  if (::ftruncate(file_->fd(), loc->position) != 0) {
    return Status::FromErrno(fmt::format("truncate {} to {}", log_path_, loc->position), errno);
  }
  offset_index_->TruncateTo(offset);
  time_index_->TruncateTo(offset);
  size_.store(loc->position, std::memory_order_release);
  KB_RETURN_IF_ERROR(ScanTail());
  if (flushed_size_.load() > loc->position) flushed_size_.store(loc->position);
  return size - loc->position;
}

Result<int> Segment::Flush() {
  int syncs = 0;
  const int64_t size = this->size();
  if (size > flushed_size_.load(std::memory_order_acquire)) {
    if (::fdatasync(file_->fd()) != 0) return Status::FromErrno("fdatasync " + log_path_, errno);
    flushed_size_.store(size, std::memory_order_release);
    ++syncs;
  }
  if (sealed() && !indexes_synced_.load(std::memory_order_acquire)) {
    KB_RETURN_IF_ERROR(offset_index_->file().Flush());
    KB_RETURN_IF_ERROR(time_index_->file().Flush());
    indexes_synced_.store(true, std::memory_order_release);
    syncs += 2;
  }
  return syncs;
}

bool Segment::NeedsFlush() const {
  return size() > flushed_size_.load(std::memory_order_acquire) ||
         (sealed() && !indexes_synced_.load(std::memory_order_acquire));
}

Status Segment::Seal() {
  const int64_t max_ts = max_timestamp_.load(std::memory_order_relaxed);
  if (max_ts >= 0) time_index_->MaybeAppend(max_ts, offset_of_max_timestamp_);
  KB_RETURN_IF_ERROR(offset_index_->file().Trim());
  KB_RETURN_IF_ERROR(time_index_->file().Trim());
  indexes_synced_.store(false, std::memory_order_release);
  sealed_.store(true, std::memory_order_release);
  return Status::Ok();
}

Status Segment::MakeActive() {
  KB_RETURN_IF_ERROR(offset_index_->file().Resize(config_.max_index_bytes));
  KB_RETURN_IF_ERROR(time_index_->file().Resize(config_.max_index_bytes));
  sealed_.store(false, std::memory_order_release);
  return Status::Ok();
}

bool Segment::IndexesFull() const {
  return offset_index_->full() || time_index_->entries() + 1 >= time_index_->file().capacity();
}

int64_t Segment::LargestTimestampForRetention() const {
  const int64_t ts = max_timestamp();
  return ts >= 0 ? ts : FileMtimeMs(log_path_);
}

int64_t Segment::TimeWaitedForRoll(int64_t now_ms, int64_t incoming_max_timestamp) const {
  if (first_batch_timestamp_ >= 0 && incoming_max_timestamp >= 0)
    return incoming_max_timestamp - first_batch_timestamp_;
  return now_ms - created_ms_;
}

Status Segment::ChangeSuffix(std::string_view suffix) {
  const std::string old_suffix = suffix_;
  suffix_ = std::string(suffix);
  const std::string new_log = PathFor(sf::kLogSuffix);
  if (::rename(log_path_.c_str(), new_log.c_str()) != 0) {
    suffix_ = old_suffix;
    return Status::FromErrno(fmt::format("rename {} to {}", log_path_, new_log), errno);
  }
  log_path_ = new_log;
  KB_RETURN_IF_ERROR(offset_index_->file().RenameTo(PathFor(sf::kIndexSuffix)));
  return time_index_->file().RenameTo(PathFor(sf::kTimeIndexSuffix));
}

Status Segment::DeleteFiles() {
  if (::unlink(log_path_.c_str()) != 0 && errno != ENOENT)
    return Status::FromErrno("unlink " + log_path_, errno);
  KB_RETURN_IF_ERROR(offset_index_->file().Delete());
  return time_index_->file().Delete();
}

}  // namespace kbench::storage
