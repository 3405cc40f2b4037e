#include "core/storage/log_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/base/log.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_builder.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {
namespace {

using SegmentList = std::vector<std::shared_ptr<Segment>>;

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using KeyMap = std::unordered_map<std::string, int64_t, KeyHash, std::equal_to<>>;

std::string_view AsView(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Which non-active segments are clean, which dirty ones may be cleaned now.
struct Plan {
  SegmentList clean;
  SegmentList dirty;
  int64_t clean_bytes = 0;
  int64_t dirty_bytes = 0;
  double ratio() const {
    return clean_bytes + dirty_bytes == 0
               ? 0
               : static_cast<double>(dirty_bytes) / (clean_bytes + dirty_bytes);
  }
};

Plan MakePlan(const SegmentList& non_active, Offset first_dirty, int64_t now_ms,
              const LogConfig& cfg) {
  Plan plan;
  for (const auto& seg : non_active) {
    if (seg->next_offset() <= first_dirty) {
      plan.clean.push_back(seg);
      plan.clean_bytes += seg->size();
      continue;
    }
    // min.compaction.lag.ms: the head stops at the first segment holding records that are too new.
    if (cfg.min_compaction_lag_ms > 0 && seg->max_timestamp() > now_ms - cfg.min_compaction_lag_ms)
      break;
    plan.dirty.push_back(seg);
    plan.dirty_bytes += seg->size();
  }
  return plan;
}

// Maps each key in `dirty` to its newest offset. Stops after the segment during which the map
// outgrew the budget; returns how many segments were mapped (at least one, so every pass makes
// progress).
Result<size_t> BuildKeyMap(const SegmentList& dirty, int64_t budget, KeyMap* map) {
  std::vector<uint8_t> scratch;
  int64_t used = 0;
  for (size_t i = 0; i < dirty.size(); ++i) {
    const Segment& seg = *dirty[i];
    KB_RETURN_IF_ERROR(seg.ReadBatches(
        0, seg.size(), [&](int64_t, std::span<const uint8_t> bytes) -> Result<bool> {
          if (DecodeBatchHeader(bytes.data()).is_control()) return true;
          KB_RETURN_IF_ERROR(ForEachRecord(bytes, &scratch, [&](const RecordView& r) {
            if (!r.key) return Status::Ok();
            auto [it, inserted] = map->try_emplace(std::string(AsView(*r.key)), r.offset.value());
            if (inserted) {
              used +=
                  static_cast<int64_t>(r.key->size()) + 64;  // key bytes + node and bucket overhead
            } else {
              it->second = std::max(it->second, r.offset.value());
            }
            return Status::Ok();
          }));
          return true;
        }));
    if (used > budget) return i + 1;
  }
  return dirty.size();
}

struct FilterContext {
  const KeyMap* map = nullptr;
  Offset first_dirty{0};          // tombstones below it have been through a pass already
  int64_t delete_horizon_ms = 0;  // now - delete.retention.ms
  int64_t segment_max_timestamp = 0;
};

bool KeepRecord(const RecordView& r, const FilterContext& ctx, CleanResult* stats) {
  if (!r.key) return false;  // a compacted log keeps records by key; keyless ones are invalid there
  auto it = ctx.map->find(AsView(*r.key));
  if (it != ctx.map->end() && r.offset.value() < it->second)
    return false;  // a newer record has this key
  if (!r.value && r.offset < ctx.first_dirty && ctx.segment_max_timestamp < ctx.delete_horizon_ms) {
    ++stats->tombstones_removed;
    return false;
  }
  return true;
}

// Appends the retained form of one batch to *out (nothing when every record went and
// !keep_if_empty).
Status FilterBatch(std::span<const uint8_t> batch, const FilterContext& ctx, bool keep_if_empty,
                   std::vector<uint8_t>* scratch, std::vector<uint8_t>* out, CleanResult* stats) {
  const BatchHeader h = DecodeBatchHeader(batch.data());
  if (h.is_control()) {
    out->insert(out->end(), batch.begin(), batch.end());
    return Status::Ok();
  }
  std::vector<RecordView> kept;
  int32_t seen = 0;
  KB_RETURN_IF_ERROR(ForEachRecord(batch, scratch, [&](const RecordView& r) {
    ++seen;
    if (KeepRecord(r, ctx, stats)) kept.push_back(r);
    return Status::Ok();
  }));
  stats->records_in += seen;
  stats->records_removed += seen - static_cast<int32_t>(kept.size());
  if (static_cast<int32_t>(kept.size()) == seen) {
    out->insert(out->end(), batch.begin(), batch.end());  // untouched: byte for byte, CRC and all
    return Status::Ok();
  }
  if (kept.empty() && !keep_if_empty) return Status::Ok();
  BatchOptions options;
  options.base_offset = h.base_offset;
  options.compression = h.compression();
  options.timestamp_type = h.timestamp_type();
  options.producer_id = h.producer_id;
  options.producer_epoch = h.producer_epoch;
  options.base_sequence = h.base_sequence;
  options.transactional = h.is_transactional();
  options.partition_leader_epoch = h.partition_leader_epoch;
  options.last_offset_delta = h.last_offset_delta;  // the batch keeps its offset range
  options.base_timestamp = h.base_timestamp;
  options.max_timestamp = h.max_timestamp;
  RecordBatchBuilder builder(options);
  std::vector<RecordHeader> headers;
  for (const RecordView& r : kept) {
    headers.clear();
    for (const RecordHeaderView& hv : r.Headers()) {
      headers.push_back(
          {std::string(AsView(hv.key)),
           hv.value ? std::optional<std::string>(std::string(AsView(*hv.value))) : std::nullopt});
    }
    builder.AddWithOffsetDelta(r.offset_delta, r.timestamp,
                               r.key ? std::optional(AsView(*r.key)) : std::nullopt,
                               r.value ? std::optional(AsView(*r.value)) : std::nullopt, headers);
  }
  return builder.BuildInto(out);
}

// Consecutive segments whose total size fits one segment and whose offsets fit a u32 index.
std::vector<SegmentList> GroupBySize(const SegmentList& segments, int64_t max_bytes) {
  std::vector<SegmentList> groups;
  for (const auto& seg : segments) {
    if (!groups.empty()) {
      SegmentList& g = groups.back();
      int64_t bytes = seg->size();
      for (const auto& s : g) bytes += s->size();
      if (bytes <= max_bytes && seg->next_offset() - g.front()->base_offset() <= INT32_MAX) {
        g.push_back(seg);
        continue;
      }
    }
    groups.push_back({seg});
  }
  return groups;
}

// Writes the retained batches of `group` into a new ".cleaned" segment, flushed and sealed.
Result<std::shared_ptr<Segment>> WriteCleaned(const std::string& dir, const SegmentList& group,
                                              const LogConfig& cfg, FilterContext ctx,
                                              int64_t now_ms, CleanResult* stats) {
  KB_ASSIGN_OR_RETURN(
      auto cleaned, Segment::Create(dir, group.front()->base_offset(), cfg.segment_config(), now_ms,
                                    segment_format::kCleanedSuffix));
  std::vector<uint8_t> scratch, out;
  for (size_t j = 0; j < group.size(); ++j) {
    const Segment& seg = *group[j];
    const int64_t size = seg.size();
    stats->bytes_in += size;
    ctx.segment_max_timestamp = seg.LargestTimestampForRetention();
    KB_RETURN_IF_ERROR(
        seg.ReadBatches(0, size, [&](int64_t pos, std::span<const uint8_t> bytes) -> Result<bool> {
          const bool last_batch_of_group =
              j + 1 == group.size() && pos + static_cast<int64_t>(bytes.size()) == size;
          out.clear();
          KB_RETURN_IF_ERROR(FilterBatch(bytes, ctx, last_batch_of_group, &scratch, &out, stats));
          if (out.empty()) return true;
          const BatchHeader h = DecodeBatchHeader(out.data());
          const BatchPlacement placement{0, h.size_bytes(), h.last_offset(), h.max_timestamp};
          KB_RETURN_IF_ERROR(cleaned->Append(out, {&placement, 1}));
          return true;
        }));
  }
  KB_RETURN_IF_ERROR(cleaned->Seal());
  KB_RETURN_IF_ERROR(cleaned->Flush().status());
  stats->bytes_out += cleaned->size();
  return cleaned;
}

}  // namespace

Result<CleanResult> LogCleaner::Clean(PartitionLog& log, int64_t now_ms, bool force) const {
  std::lock_guard<std::mutex> maintenance(log.maintenance_mu_);
  KB_RETURN_IF_ERROR(log.CheckOpen());
  const LogConfig cfg = log.config();
  CleanResult result;
  if (!cfg.cleanup_policy.compact) return result;
  const SegmentList all = log.SnapshotSegments();
  const SegmentList non_active(all.begin(), all.end() - 1);  // never the active segment
  result.first_dirty = std::max(log.cleaner_checkpoint(), log.log_start_offset());
  Plan plan = MakePlan(non_active, result.first_dirty, now_ms, cfg);
  result.dirty_ratio = plan.ratio();
  result.end_offset = result.first_dirty;
  if (plan.dirty.empty() || (!force && result.dirty_ratio <= cfg.min_cleanable_dirty_ratio))
    return result;

  KeyMap map;
  KB_ASSIGN_OR_RETURN(size_t mapped, BuildKeyMap(plan.dirty, config_.dedupe_buffer_bytes, &map));
  plan.dirty.resize(mapped);
  // The head ends where the segment after it starts (offsets in between, if any, belong to no
  // batch).
  const size_t last =
      static_cast<size_t>(std::find(all.begin(), all.end(), plan.dirty.back()) - all.begin());
  result.end_offset = all[last + 1]->base_offset();
  SegmentList to_clean = plan.clean;
  to_clean.insert(to_clean.end(), plan.dirty.begin(), plan.dirty.end());

  FilterContext ctx;
  ctx.map = &map;
  ctx.first_dirty = result.first_dirty;
  ctx.delete_horizon_ms = now_ms - cfg.delete_retention_ms;
  for (const SegmentList& group : GroupBySize(to_clean, cfg.segment_bytes)) {
    KB_ASSIGN_OR_RETURN(auto cleaned, WriteCleaned(log.dir_, group, cfg, ctx, now_ms, &result));
    KB_RETURN_IF_ERROR(log.ReplaceSegments(group, std::move(cleaned)));
    result.segments_in += static_cast<int32_t>(group.size());
    ++result.segments_out;
  }
  log.first_dirty_.store(result.end_offset.value(), std::memory_order_release);
  result.cleaned = true;
  StorageCounters& c = *log.counters_;
  StorageCounters::Add(c.cleaner_runs, 1);
  StorageCounters::Add(c.cleaner_bytes_read, result.bytes_in);
  StorageCounters::Add(c.cleaner_bytes_written, result.bytes_out);
  StorageCounters::Add(c.cleaner_records_removed, result.records_removed);
  log::Info("storage",
            "{}: cleaned {} segments into {} ({} -> {} bytes, {} of {} records removed); dirty "
            "ratio {:.2f}",
            log.topic_partition().ToString(), result.segments_in, result.segments_out,
            result.bytes_in, result.bytes_out, result.records_removed, result.records_in,
            result.dirty_ratio);
  return result;
}

}  // namespace kbench::storage
