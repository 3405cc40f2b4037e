#include "core/storage/leader_epoch_cache.h"

#include <fmt/format.h>

#include <charconv>

#include "core/storage/checkpoint_file.h"

namespace kbench::storage {

Result<std::unique_ptr<LeaderEpochCache>> LeaderEpochCache::Load(std::string path) {
  std::unique_ptr<LeaderEpochCache> cache(new LeaderEpochCache(std::move(path)));
  auto lines = ReadCheckpoint(cache->path_, 2);
  if (!lines.ok() && lines.status().code() == StatusCode::kNotFound) return cache;
  if (!lines.ok()) return lines.status();
  for (const auto& f : *lines) {
    int32_t epoch = 0;
    int64_t offset = 0;
    auto r1 = std::from_chars(f[0].data(), f[0].data() + f[0].size(), epoch);
    auto r2 = std::from_chars(f[1].data(), f[1].data() + f[1].size(), offset);
    const bool monotonic =
        cache->entries_.empty() || (epoch > cache->entries_.back().epoch.value() &&
                                    offset >= cache->entries_.back().start_offset.value());
    if (r1.ec != std::errc() || r2.ec != std::errc() || epoch < 0 || offset < 0 || !monotonic) {
      return Status::Corruption(
          fmt::format("{}: bad or out-of-order entry '{} {}'", cache->path_, f[0], f[1]));
    }
    cache->entries_.push_back({LeaderEpoch(epoch), Offset(offset)});
  }
  return cache;
}

Status LeaderEpochCache::FlushLocked() const {
  std::vector<std::string> lines;
  for (const EpochEntry& e : entries_)
    lines.push_back(fmt::format("{} {}", e.epoch.value(), e.start_offset.value()));
  return WriteCheckpoint(path_, lines);
}

Status LeaderEpochCache::Assign(LeaderEpoch epoch, Offset start_offset) {
  if (epoch.value() < 0 || start_offset.value() < 0) {
    return Status::InvalidArgument(fmt::format("leader epoch {} at offset {}: both must be >= 0",
                                               epoch.value(), start_offset.value()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!entries_.empty() && entries_.back().epoch == epoch &&
      entries_.back().start_offset <= start_offset) {
    return Status::Ok();
  }
  while (!entries_.empty() &&
         (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset)) {
    entries_.pop_back();
  }
  entries_.push_back({epoch, start_offset});
  return FlushLocked();
}

LeaderEpoch LeaderEpochCache::LatestEpoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.empty() ? kNoLeaderEpoch : entries_.back().epoch;
}

Offset LeaderEpochCache::StartOffsetOf(LeaderEpoch epoch) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const EpochEntry& e : entries_) {
    if (e.epoch == epoch) return e.start_offset;
  }
  return kInvalidOffset;
}

EpochEndOffset LeaderEpochCache::EndOffsetFor(LeaderEpoch requested, Offset log_end_offset) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (requested == kNoLeaderEpoch || entries_.empty()) return {};
  if (requested == entries_.back().epoch) return {requested, log_end_offset};
  // The first entry with a higher epoch ends the requested one.
  size_t higher = 0;
  while (higher < entries_.size() && entries_[higher].epoch <= requested) ++higher;
  if (higher == entries_.size()) return {};  // requested is above every known epoch
  if (higher == 0) return {requested, entries_[0].start_offset};
  return {entries_[higher - 1].epoch, entries_[higher].start_offset};
}

Status LeaderEpochCache::TruncateFromEnd(Offset end_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t before = entries_.size();
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return entries_.size() == before ? Status::Ok() : FlushLocked();
}

Status LeaderEpochCache::TruncateFromStart(Offset start_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t first_kept = 0;
  while (first_kept < entries_.size() && entries_[first_kept].start_offset <= start_offset)
    ++first_kept;
  if (first_kept == 0) return Status::Ok();
  // Keep the last entry that began at or before the new start, moved up to it.
  EpochEntry carried = entries_[first_kept - 1];
  if (first_kept == 1 && carried.start_offset == start_offset) return Status::Ok();
  carried.start_offset = start_offset;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(first_kept));
  entries_.insert(entries_.begin(), carried);
  return FlushLocked();
}

Status LeaderEpochCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  return FlushLocked();
}

std::vector<EpochEntry> LeaderEpochCache::Entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

}  // namespace kbench::storage
