#include "core/storage/partition_log.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/storage/checkpoint_file.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {
namespace sf = segment_format;
namespace fs = std::filesystem;
namespace {

// Unlinks a segment's three files by name (segments never opened, e.g. dropped after a recovery
// cut).
int64_t RemoveSegmentFiles(const std::string& dir, Offset base, std::string_view suffix = {}) {
  int64_t bytes = 0;
  for (std::string_view ext : {sf::kLogSuffix, sf::kIndexSuffix, sf::kTimeIndexSuffix}) {
    const std::string path = dir + "/" + sf::SegmentFileName(base, ext) + std::string(suffix);
    struct stat st;
    if (ext == sf::kLogSuffix && ::stat(path.c_str(), &st) == 0) bytes = st.st_size;
    ::unlink(path.c_str());
  }
  return bytes;
}

struct DirListing {
  std::vector<Offset> logs;
  std::vector<Offset> swaps;
};

Result<DirListing> ListDir(const std::string& dir) {
  DirListing out;
  std::error_code ec;
  std::vector<std::string> indexes;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (auto base = sf::ParseSegmentFileName(name, sf::kLogSuffix)) {
      out.logs.push_back(*base);
    } else if (name.size() > sf::kSwapSuffix.size() && name.ends_with(sf::kSwapSuffix)) {
      const std::string stem = name.substr(0, name.size() - sf::kSwapSuffix.size());
      if (auto swap = sf::ParseSegmentFileName(stem, sf::kLogSuffix)) out.swaps.push_back(*swap);
    } else if (name.ends_with(sf::kCleanedSuffix) || name.ends_with(".tmp")) {
      ::unlink(e.path().c_str());  // an interrupted cleaner pass or checkpoint write: never valid
    }
  }
  if (ec) return Status::FromErrno("list " + dir, ec.value());
  std::sort(out.logs.begin(), out.logs.end());
  std::sort(out.swaps.begin(), out.swaps.end());
  return out;
}

}  // namespace

PartitionLog::PartitionLog(std::string dir, TopicPartition tp, LogConfig config,
                           LogOpenOptions options)
    : dir_(std::move(dir)),
      tp_(std::move(tp)),
      clock_(options.clock ? options.clock : [] { return WallMillis(); }),
      counters_(options.counters ? options.counters : std::make_shared<StorageCounters>()),
      config_(std::move(config)) {}

PartitionLog::~PartitionLog() {
  if (!closed_.load()) {
    Status s = Close();
    if (!s.ok())
      log::Warn("storage", "{}: close on destruction failed: {}", tp_.ToString(), s.ToString());
  }
}

Result<std::unique_ptr<PartitionLog>> PartitionLog::Open(std::string dir, TopicPartition tp,
                                                         LogConfig config, LogOpenOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::FromErrno("create " + dir, ec.value());
  std::unique_ptr<PartitionLog> log(
      new PartitionLog(std::move(dir), std::move(tp), std::move(config), options));
  KB_RETURN_IF_ERROR(log->Load(options).WithContext(log->dir_));
  return log;
}

Status PartitionLog::Load(const LogOpenOptions& options) {
  KB_ASSIGN_OR_RETURN(
      epochs_, LeaderEpochCache::Load(dir_ + "/" + std::string(sf::kLeaderEpochCheckpointFile)));
  KB_ASSIGN_OR_RETURN(DirListing listing, ListDir(dir_));
  if (!listing.swaps.empty()) {
    KB_RETURN_IF_ERROR(CompleteInterruptedSwaps(listing.swaps));
    KB_ASSIGN_OR_RETURN(listing, ListDir(dir_));
  }
  KB_RETURN_IF_ERROR(LoadSegments(listing.logs, options));
  log_start_.store(segments_.front()->base_offset().value());
  log_end_.store(active_->next_offset().value());
  const Offset leo = log_end_offset();
  const Offset rp = options.clean_shutdown ? leo : std::min(options.recovery_point, leo);
  recovery_point_.store(std::max(rp, log_start_offset()).value());
  first_dirty_.store(std::clamp(options.cleaner_checkpoint, log_start_offset(), leo).value());
  last_flush_ms_.store(Now());
  KB_RETURN_IF_ERROR(epochs_->TruncateFromEnd(leo));
  KB_RETURN_IF_ERROR(epochs_->TruncateFromStart(log_start_offset()));
  return Status::Ok();
}

Status PartitionLog::CompleteInterruptedSwaps(const std::vector<Offset>& swaps) {
  // A .swap segment was fully written and flushed before it was renamed from .cleaned; the segments
  // it replaces are those whose base offsets fall inside its range. Finish what the cleaner
  // started.
  const LogConfig cfg = config();
  for (Offset base : swaps) {
    KB_ASSIGN_OR_RETURN(auto swap,
                        Segment::Open(dir_, base, cfg.segment_config(), sf::kSwapSuffix));
    KB_ASSIGN_OR_RETURN(SegmentRecovery r, swap->Recover(base));
    KB_ASSIGN_OR_RETURN(DirListing listing, ListDir(dir_));
    for (Offset old : listing.logs) {
      if (old >= base && old < swap->next_offset()) RemoveSegmentFiles(dir_, old);
    }
    KB_RETURN_IF_ERROR(swap->Seal());
    KB_RETURN_IF_ERROR(swap->ChangeSuffix(""));
    log::Info("storage", "{}: completed an interrupted cleaner swap at {} ({} bytes)", dir_,
              base.value(), r.valid_bytes);
  }
  return SyncDirectory(dir_);
}

Status PartitionLog::LoadSegments(const std::vector<Offset>& bases, const LogOpenOptions& options) {
  const LogConfig cfg = config();
  load_report_.clean = options.clean_shutdown;
  if (bases.empty()) {
    KB_ASSIGN_OR_RETURN(auto seg,
                        Segment::Create(dir_, options.recovery_point, cfg.segment_config(), Now()));
    segments_.push_back(seg);
    active_ = seg;
    load_report_.segments = 1;
    return Status::Ok();
  }
  // After an unclean stop, re-read from the segment holding the recovery point (Kafka's rule).
  size_t recover_from = bases.size();
  if (!options.clean_shutdown) {
    recover_from = 0;
    while (recover_from + 1 < bases.size() && bases[recover_from + 1] <= options.recovery_point)
      ++recover_from;
  }
  Offset next = bases.front();
  for (size_t i = 0; i < bases.size(); ++i) {
    KB_ASSIGN_OR_RETURN(auto seg, Segment::Open(dir_, bases[i], cfg.segment_config()));
    const bool recover = i >= recover_from;
    KB_ASSIGN_OR_RETURN(SegmentRecovery r, recover ? seg->Recover(next) : seg->LoadClean());
    if (recover) {
      ++load_report_.segments_recovered;
      load_report_.batches_checked += r.batches_checked;
      KB_RETURN_IF_ERROR(seg->ScanHeaders(0, seg->size(), [&](int64_t, const BatchHeader& h) {
        if (h.partition_leader_epoch.value() >= 0 &&
            h.partition_leader_epoch > epochs_->LatestEpoch()) {
          (void)epochs_->Assign(h.partition_leader_epoch, h.base_offset);
        }
        return true;
      }));
    }
    segments_.push_back(seg);
    next = seg->next_offset();
    if (r.truncated_bytes > 0) {
      load_report_.bytes_truncated += r.truncated_bytes;
      load_report_.problem = fmt::format("{}: {}", seg->log_path(), r.reason);
      log::Warn("storage", "{}: recovery cut {} bytes: {}", seg->log_path(), r.truncated_bytes,
                r.reason);
      // Nothing after the first invalid byte can be trusted: later segments go too.
      for (size_t j = i + 1; j < bases.size(); ++j) {
        load_report_.bytes_truncated += RemoveSegmentFiles(dir_, bases[j]);
        ++load_report_.segments_deleted;
      }
      break;
    }
  }
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    if (i >= recover_from) KB_RETURN_IF_ERROR(segments_[i]->Seal());
  }
  active_ = segments_.back();
  KB_RETURN_IF_ERROR(active_->MakeActive());
  load_report_.segments = static_cast<int32_t>(segments_.size());
  StorageCounters::Add(counters_->recovery_segments_checked, load_report_.segments_recovered);
  StorageCounters::Add(counters_->recovery_batches_checked, load_report_.batches_checked);
  StorageCounters::Add(counters_->recovery_bytes_truncated, load_report_.bytes_truncated);
  return Status::Ok();
}

LogConfig PartitionLog::config() const {
  std::lock_guard<std::mutex> lock(config_mu_);
  return config_;
}

void PartitionLog::SetConfig(const LogConfig& config) {
  std::lock_guard<std::mutex> lock(config_mu_);
  config_ = config;
}

int64_t PartitionLog::size_bytes() const {
  std::shared_lock lock(segments_mu_);
  int64_t total = 0;
  for (const auto& s : segments_) total += s->size();
  return total;
}

int32_t PartitionLog::segment_count() const {
  std::shared_lock lock(segments_mu_);
  return static_cast<int32_t>(segments_.size());
}

Status PartitionLog::CheckOpen() const {
  if (closed_.load(std::memory_order_acquire))
    return Status::Aborted(tp_.ToString() + ": log is closed", ErrorCode::kKafkaStorageError);
  return Status::Ok();
}

std::vector<std::shared_ptr<Segment>> PartitionLog::SnapshotSegments() const {
  std::shared_lock lock(segments_mu_);
  return segments_;
}

size_t PartitionLog::SegmentIndexFor(Offset offset) const {
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](Offset o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin()) - 1;
}

// ---------------------------------------------------------------------------------------------------
// Appends

Result<AppendInfo> PartitionLog::AppendAsLeader(const ValidatedRecords& records,
                                                const LeaderAppendOptions& options) {
  if (records.origin() == AppendOrigin::kReplication) {
    return Status::InvalidArgument(
        "records validated for replication cannot be appended as leader");
  }
  if (records.batches().empty())
    return Status::Corruption("no record batch to append", ErrorCode::kInvalidRecord);
  const bool append_time = config().message_timestamp_type == TimestampType::kLogAppendTime;
  Result<AppendInfo> info = Status::Internal("unset");
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    KB_RETURN_IF_ERROR(CheckOpen());
    const int64_t now = Now();
    Offset next = log_end_offset();
    const Offset first = next;
    std::vector<BatchPlacement> placements;
    placements.reserve(records.batches().size());
    for (size_t i = 0; i < records.batches().size(); ++i) {
      const ValidatedBatch& b = records.batches()[i];
      std::span<uint8_t> bytes = records.batch_bytes(i);
      SetBaseOffset(bytes, next);
      SetPartitionLeaderEpoch(bytes, options.leader_epoch);
      if (append_time) SetLogAppendTime(bytes, now);
      const Offset last = next + b.header.last_offset_delta;
      placements.push_back({static_cast<int64_t>(b.position), b.header.size_bytes(), last,
                            append_time ? now : b.header.max_timestamp});
      next = last + 1;
    }
    if (options.leader_epoch.value() >= 0 && options.leader_epoch > epochs_->LatestEpoch()) {
      KB_RETURN_IF_ERROR(epochs_->Assign(options.leader_epoch, first));
    }
    info = AppendLocked(records.buffer(), placements, records, now);
    if (info.ok() && append_time) info->log_append_time_ms = now;
  }
  if (info.ok()) KB_RETURN_IF_ERROR(MaybeFlushAfterAppend());
  return info;
}

Status PartitionLog::CheckFollowerOffsets(const ValidatedRecords& records) const {
  const bool gaps_allowed =
      config().cleanup_policy.compact;  // compaction drops whole batches on the leader
  Offset expected = log_end_offset();
  for (size_t i = 0; i < records.batches().size(); ++i) {
    const BatchHeader& h = records.batches()[i].header;
    if (h.base_offset < expected) {
      return Status::OutOfRange(
          fmt::format("{}: follower batch {} at offset {} overlaps the log, which ends at {} "
                      "(truncate first)",
                      tp_.ToString(), i, h.base_offset.value(), expected.value()));
    }
    if (h.base_offset > expected && !gaps_allowed) {
      return Status::OutOfRange(
          fmt::format("{}: follower batch {} at offset {} leaves a gap after offset {}",
                      tp_.ToString(), i, h.base_offset.value(), expected.value()));
    }
    expected = h.next_offset();
  }
  return Status::Ok();
}

Result<AppendInfo> PartitionLog::AppendAsFollower(const ValidatedRecords& records) {
  if (records.origin() != AppendOrigin::kReplication) {
    return Status::InvalidArgument(
        "follower appends need records validated with AppendOrigin::kReplication");
  }
  Result<AppendInfo> info = Status::Internal("unset");
  {
    std::lock_guard<std::mutex> lock(append_mu_);
    KB_RETURN_IF_ERROR(CheckOpen());
    if (records.batches().empty()) {
      AppendInfo empty;
      empty.log_start_offset = log_start_offset();
      return empty;
    }
    KB_RETURN_IF_ERROR(CheckFollowerOffsets(records));
    std::vector<BatchPlacement> placements;
    placements.reserve(records.batches().size());
    for (const ValidatedBatch& b : records.batches()) {
      const BatchHeader& h = b.header;
      placements.push_back(
          {static_cast<int64_t>(b.position), h.size_bytes(), h.last_offset(), h.max_timestamp});
      if (h.partition_leader_epoch.value() >= 0 &&
          h.partition_leader_epoch > epochs_->LatestEpoch()) {
        KB_RETURN_IF_ERROR(epochs_->Assign(h.partition_leader_epoch, h.base_offset));
      }
    }
    info = AppendLocked(records.buffer(), placements, records, Now());
  }
  if (info.ok()) KB_RETURN_IF_ERROR(MaybeFlushAfterAppend());
  return info;
}

Result<AppendInfo> PartitionLog::AppendLocked(std::span<const uint8_t> bytes,
                                              std::vector<BatchPlacement>& placements,
                                              const ValidatedRecords& records, int64_t now_ms) {
  const Offset first = records.CurrentHeader(0).base_offset;
  const Offset last = placements.back().last_offset;
  int64_t max_ts = -1;
  for (const BatchPlacement& p : placements) max_ts = std::max(max_ts, p.max_timestamp);
  Status s = MaybeRoll(static_cast<int64_t>(bytes.size()), first, last, max_ts, now_ms);
  if (s.ok()) s = active_->Append(bytes, placements);
  if (!s.ok()) {
    (void)epochs_->TruncateFromEnd(log_end_offset());  // undo an epoch recorded for this append
    return s.WithContext(tp_.ToString());
  }
  log_end_.store(last.value() + 1, std::memory_order_release);
  StorageCounters::Add(counters_->bytes_appended, static_cast<int64_t>(bytes.size()));
  StorageCounters::Add(counters_->batches_appended, static_cast<int64_t>(placements.size()));
  StorageCounters::Add(counters_->records_appended, records.record_count());
  AppendInfo info;
  info.first_offset = first;
  info.last_offset = last;
  info.bytes = static_cast<int64_t>(bytes.size());
  info.batches = static_cast<int32_t>(placements.size());
  info.records = records.record_count();
  info.log_start_offset = log_start_offset();
  return info;
}

Status PartitionLog::MaybeRoll(int64_t bytes, Offset first_offset, Offset last_offset,
                               int64_t max_timestamp, int64_t now_ms) {
  const LogConfig cfg = config();
  const Segment& seg = *active_;
  const bool has_data = !seg.empty();
  const bool roll =
      (has_data && seg.size() + bytes > cfg.segment_bytes) ||
      (has_data && seg.TimeWaitedForRoll(now_ms, max_timestamp) > cfg.segment_ms) ||
      seg.IndexesFull() || !seg.CanHoldOffset(last_offset) ||
      seg.size() + bytes > INT32_MAX;  // index positions are u32; Kafka keeps them in int range
  return roll ? Roll(first_offset, now_ms) : Status::Ok();
}

Status PartitionLog::Roll(Offset new_base, int64_t now_ms) {
  const LogConfig cfg = config();
  if (active_->empty()) {
    // Nothing to keep: the empty segment's base no longer fits the incoming offsets; recreate it.
    std::shared_ptr<Segment> old = active_;
    KB_RETURN_IF_ERROR(old->DeleteFiles());
    KB_ASSIGN_OR_RETURN(auto seg, Segment::Create(dir_, new_base, cfg.segment_config(), now_ms));
    std::unique_lock lock(segments_mu_);
    segments_.back() = seg;
    active_ = seg;
    if (segments_.size() == 1) log_start_.store(new_base.value(), std::memory_order_release);
    return Status::Ok();
  }
  KB_ASSIGN_OR_RETURN(auto seg, Segment::Create(dir_, new_base, cfg.segment_config(), now_ms));
  KB_RETURN_IF_ERROR(active_->Seal());
  {
    std::unique_lock lock(segments_mu_);
    segments_.push_back(seg);
  }
  active_ = seg;
  StorageCounters::Add(counters_->segments_rolled, 1);
  return Status::Ok();
}

Status PartitionLog::MaybeFlushAfterAppend() {
  const int64_t flush_messages = config().flush_messages;
  if (log_end_offset() - recovery_point() < flush_messages) return Status::Ok();
  return Flush();
}

// ---------------------------------------------------------------------------------------------------
// Reads

Result<ReadResult> PartitionLog::Read(const ReadOptions& options) const {
  ReadResult result;
  result.log_end_offset = log_end_offset();  // first: everything below it is complete
  std::shared_lock lock(segments_mu_);
  result.log_start_offset = log_start_offset();
  result.next_offset = options.from;
  if (options.from < result.log_start_offset || options.from > result.log_end_offset) {
    return Status::OutOfRange(fmt::format(
        "{}: offset {} is outside the log [{}, {}]", tp_.ToString(), options.from.value(),
        result.log_start_offset.value(), result.log_end_offset.value()));
  }
  const Offset upper = std::min(options.upper_bound, result.log_end_offset);
  if (options.from >= upper || options.max_bytes < 0) return result;
  for (size_t i = SegmentIndexFor(options.from); i < segments_.size(); ++i) {
    const Segment& seg = *segments_[i];
    const int64_t limit = seg.size();
    KB_ASSIGN_OR_RETURN(std::optional<BatchLocation> first, seg.FindBatch(options.from, limit));
    if (!first) continue;  // `from` lies past this segment's batches: the next segment has it
    const int32_t first_size = first->header.size_bytes();
    if (first->header.last_offset() >= upper) return result;
    if (first_size > options.max_bytes && !options.min_one_batch) return result;
    KB_ASSIGN_OR_RETURN(
        RunEnd run,
        seg.ExtendRun(*first, std::max<int64_t>(options.max_bytes, first_size), upper, limit));
    result.slice = FileSlice{seg.file(), first->position, run.end_position - first->position};
    result.first_offset = first->header.base_offset;
    result.next_offset = run.next_offset;
    return result;
  }
  return result;
}

Result<std::optional<TimestampOffset>> PartitionLog::OffsetForTimestamp(int64_t timestamp) const {
  if (timestamp == kLatestTimestamp)
    return std::optional<TimestampOffset>(TimestampOffset{-1, log_end_offset()});
  if (timestamp == kEarliestTimestamp)
    return std::optional<TimestampOffset>(TimestampOffset{-1, log_start_offset()});
  if (timestamp < 0) {
    return Status::InvalidArgument(
        fmt::format("timestamp {} (expected >= 0, -1 latest or -2 earliest)", timestamp));
  }
  std::shared_lock lock(segments_mu_);
  const Offset start = log_start_offset();
  for (const auto& seg : segments_) {
    if (seg->max_timestamp() < timestamp) continue;
    KB_ASSIGN_OR_RETURN(std::optional<TimestampOffset> found, seg->FindTimestamp(timestamp, start));
    if (found) return found;
  }
  return std::optional<TimestampOffset>();
}

Status PartitionLog::ForEachBatch(
    Offset from,
    const std::function<Result<bool>(const BatchHeader&, std::span<const uint8_t>)>& fn) const {
  const Offset leo = log_end_offset();
  std::vector<std::shared_ptr<Segment>> segments;
  size_t first_index = 0;
  {
    std::shared_lock lock(segments_mu_);
    segments = segments_;
    first_index = SegmentIndexFor(from);
  }
  bool stop = false;
  for (size_t i = first_index; i < segments.size() && !stop; ++i) {
    const Segment& seg = *segments[i];
    const int64_t limit = seg.size();
    int64_t start = 0;
    if (i == first_index) {
      KB_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, seg.FindBatch(from, limit));
      if (!loc) continue;
      start = loc->position;
    }
    KB_RETURN_IF_ERROR(
        seg.ReadBatches(start, limit, [&](int64_t, std::span<const uint8_t> bytes) -> Result<bool> {
          const BatchHeader h = DecodeBatchHeader(bytes.data());
          if (h.base_offset >= leo) {
            stop = true;
            return false;
          }
          KB_ASSIGN_OR_RETURN(bool more, fn(h, bytes));
          stop = !more;
          return more;
        }));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// Leader epochs

Status PartitionLog::AssignEpochStart(LeaderEpoch epoch, Offset start_offset) {
  std::lock_guard<std::mutex> lock(append_mu_);
  return epochs_->Assign(epoch, start_offset);
}

EpochEndOffset PartitionLog::EndOffsetForEpoch(LeaderEpoch epoch) const {
  return epochs_->EndOffsetFor(epoch, log_end_offset());
}

LeaderEpoch PartitionLog::latest_epoch() const { return epochs_->LatestEpoch(); }
std::vector<EpochEntry> PartitionLog::epoch_entries() const { return epochs_->Entries(); }

// ---------------------------------------------------------------------------------------------------
// Truncation

Result<Offset> PartitionLog::TruncateTo(Offset offset) {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  if (offset < log_start_offset()) {
    KB_RETURN_IF_ERROR(TruncateFullyLocked(offset));
    return offset;
  }
  std::lock_guard<std::mutex> append(append_mu_);
  std::lock_guard<std::mutex> flush(flush_mu_);
  KB_RETURN_IF_ERROR(CheckOpen());
  if (offset >= log_end_offset()) return log_end_offset();
  std::vector<std::shared_ptr<Segment>> doomed;
  int64_t removed = 0;
  Offset new_leo;
  {
    std::unique_lock lock(segments_mu_);
    while (segments_.size() > 1 && segments_.back()->base_offset() >= offset) {
      doomed.push_back(segments_.back());
      segments_.pop_back();
    }
    KB_ASSIGN_OR_RETURN(removed, segments_.back()->TruncateTo(offset));
    if (segments_.back() != active_) {
      active_ = segments_.back();
      KB_RETURN_IF_ERROR(active_->MakeActive());
    }
    new_leo = active_->next_offset();
    log_end_.store(new_leo.value(), std::memory_order_release);
  }
  int64_t deleted_bytes = 0;
  KB_RETURN_IF_ERROR(DeleteSegments(std::move(doomed), &deleted_bytes));
  if (recovery_point() > new_leo) recovery_point_.store(new_leo.value(), std::memory_order_release);
  if (cleaner_checkpoint() > new_leo)
    first_dirty_.store(new_leo.value(), std::memory_order_release);
  KB_RETURN_IF_ERROR(epochs_->TruncateFromEnd(new_leo));
  StorageCounters::Add(counters_->bytes_truncated, removed + deleted_bytes);
  log::Info("storage", "{}: truncated to {} (log end now {}, {} bytes removed)", tp_.ToString(),
            offset.value(), new_leo.value(), removed + deleted_bytes);
  return new_leo;
}

Status PartitionLog::TruncateFullyAndStartAt(Offset offset) {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  return TruncateFullyLocked(offset);
}

Status PartitionLog::TruncateFullyLocked(Offset offset) {
  if (offset.value() < 0)
    return Status::InvalidArgument(fmt::format("cannot start a log at offset {}", offset.value()));
  std::lock_guard<std::mutex> append(append_mu_);
  std::lock_guard<std::mutex> flush(flush_mu_);
  KB_RETURN_IF_ERROR(CheckOpen());
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::unique_lock lock(segments_mu_);
    doomed.swap(segments_);
  }
  int64_t deleted_bytes = 0;
  KB_RETURN_IF_ERROR(DeleteSegments(std::move(doomed), &deleted_bytes));
  KB_ASSIGN_OR_RETURN(auto seg, Segment::Create(dir_, offset, config().segment_config(), Now()));
  {
    std::unique_lock lock(segments_mu_);
    segments_.push_back(seg);
    active_ = seg;
    log_start_.store(offset.value(), std::memory_order_release);
    log_end_.store(offset.value(), std::memory_order_release);
  }
  recovery_point_.store(offset.value(), std::memory_order_release);
  first_dirty_.store(offset.value(), std::memory_order_release);
  KB_RETURN_IF_ERROR(epochs_->Clear());
  StorageCounters::Add(counters_->bytes_truncated, deleted_bytes);
  return Status::Ok();
}

Status PartitionLog::DeleteSegments(std::vector<std::shared_ptr<Segment>> doomed, int64_t* bytes) {
  for (const auto& seg : doomed) {
    *bytes += seg->size();
    KB_RETURN_IF_ERROR(seg->DeleteFiles());
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// Durability and retention

Status PartitionLog::Flush() { return FlushUpTo(log_end_offset()); }

Status PartitionLog::FlushUpTo(Offset target) {
  std::lock_guard<std::mutex> lock(flush_mu_);
  const Offset rp = recovery_point();
  int syncs = 0;
  for (const auto& seg : SnapshotSegments()) {
    if (seg->base_offset() >= target && !seg->sealed()) break;
    if (!seg->NeedsFlush()) continue;
    if (seg->next_offset() <= rp && !seg->sealed()) continue;
    KB_ASSIGN_OR_RETURN(int n, seg->Flush());
    syncs += n;
  }
  StorageCounters::Add(counters_->fsyncs, syncs);
  if (target > rp) recovery_point_.store(target.value(), std::memory_order_release);
  last_flush_ms_.store(Now(), std::memory_order_release);
  return Status::Ok();
}

Status PartitionLog::FlushIfNeeded(int64_t now_ms) {
  const LogConfig cfg = config();
  const bool unflushed = log_end_offset() > recovery_point();
  if (unflushed && cfg.flush_ms != INT64_MAX && now_ms - last_flush_ms_.load() >= cfg.flush_ms)
    return Flush();
  // Segments rolled since the last flush: Kafka flushes each one when it rolls, off the append
  // path.
  Offset active_base;
  bool sealed_pending = false;
  {
    std::shared_lock lock(segments_mu_);
    active_base = segments_.back()->base_offset();
    for (size_t i = 0; i + 1 < segments_.size(); ++i) sealed_pending |= segments_[i]->NeedsFlush();
  }
  return sealed_pending ? FlushUpTo(std::max(active_base, recovery_point())) : Status::Ok();
}

Result<int32_t> PartitionLog::DeleteOldSegments(int64_t now_ms) {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  KB_RETURN_IF_ERROR(CheckOpen());
  const LogConfig cfg = config();
  if (!cfg.cleanup_policy.delete_segments) return 0;
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::unique_lock lock(segments_mu_);
    size_t n = 0;
    // By time: a prefix of non-active segments whose newest record is older than retention.ms.
    if (cfg.retention_ms >= 0) {
      while (n + 1 < segments_.size() &&
             now_ms - segments_[n]->LargestTimestampForRetention() > cfg.retention_ms)
        ++n;
    }
    // By size: oldest non-active segments while the rest still exceeds retention.bytes.
    if (cfg.retention_bytes >= 0) {
      int64_t excess = -cfg.retention_bytes;
      for (size_t i = n; i < segments_.size(); ++i) excess += segments_[i]->size();
      while (n + 1 < segments_.size() && excess - segments_[n]->size() >= 0)
        excess -= segments_[n++]->size();
    }
    if (n == 0) return 0;
    doomed.assign(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(n));
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(n));
    log_start_.store(segments_.front()->base_offset().value(), std::memory_order_release);
  }
  const Offset start = log_start_offset();
  int64_t bytes = 0;
  const int32_t count = static_cast<int32_t>(doomed.size());
  KB_RETURN_IF_ERROR(DeleteSegments(std::move(doomed), &bytes));
  if (cleaner_checkpoint() < start) first_dirty_.store(start.value(), std::memory_order_release);
  KB_RETURN_IF_ERROR(epochs_->TruncateFromStart(start));
  StorageCounters::Add(counters_->segments_deleted, count);
  StorageCounters::Add(counters_->bytes_deleted, bytes);
  log::Debug("storage", "{}: retention deleted {} segments ({} bytes); log start {}",
             tp_.ToString(), count, bytes, start.value());
  return count;
}

Status PartitionLog::ReplaceSegments(const std::vector<std::shared_ptr<Segment>>& old,
                                     std::shared_ptr<Segment> cleaned) {
  KB_RETURN_IF_ERROR(cleaned->ChangeSuffix(sf::kSwapSuffix));
  KB_RETURN_IF_ERROR(SyncDirectory(dir_));
  {
    std::unique_lock lock(segments_mu_);
    auto it = std::find(segments_.begin(), segments_.end(), old.front());
    if (it == segments_.end() || static_cast<size_t>(segments_.end() - it) <= old.size()) {
      return Status::Internal(
          fmt::format("{}: cleaner sources are no longer non-active segments", tp_.ToString()));
    }
    for (size_t i = 0; i < old.size(); ++i) {
      if (*(it + static_cast<ptrdiff_t>(i)) != old[i])
        return Status::Internal("cleaner sources are not consecutive");
    }
    for (const auto& seg : old) KB_RETURN_IF_ERROR(seg->DeleteFiles());
    KB_RETURN_IF_ERROR(cleaned->ChangeSuffix(""));
    it = segments_.erase(it, it + static_cast<ptrdiff_t>(old.size()));
    segments_.insert(it, std::move(cleaned));
  }
  return SyncDirectory(dir_);
}

// ---------------------------------------------------------------------------------------------------
// Close

Status PartitionLog::Close() {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  {
    std::lock_guard<std::mutex> append(append_mu_);
    if (closed_.load()) return Status::Ok();
    KB_RETURN_IF_ERROR(active_->Seal());
  }
  KB_RETURN_IF_ERROR(FlushUpTo(log_end_offset()));
  closed_.store(true, std::memory_order_release);
  return Status::Ok();
}

void PartitionLog::Abandon() {
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  std::lock_guard<std::mutex> append(append_mu_);
  closed_.store(true, std::memory_order_release);
}

Status PartitionLog::CloseAndDelete() {
  KB_RETURN_IF_ERROR(Close());
  std::lock_guard<std::mutex> maintenance(maintenance_mu_);
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec) return Status::FromErrno("remove " + dir_, ec.value());
  return Status::Ok();
}

}  // namespace kbench::storage
