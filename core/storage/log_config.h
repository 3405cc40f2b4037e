// LogConfig: the per-partition storage settings, named and defaulted as Kafka's topic configs
// (broker-wide "log.*" synonyms accepted too). The broker's --set, the workload's topicConfig and
// tests all fill this one struct, through Set()/FromProperties() so a bad value is reported the
// same way everywhere:
//   INVALID_CONFIG "retention.ms: '7d' is not an integer (expected milliseconds >= -1)".
//
// Thread safety: a plain value. PartitionLog keeps its own copy and swaps it under its lock on
// SetConfig.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/storage/record_batch.h"
#include "core/storage/segment.h"

namespace kbench::storage {

// cleanup.policy: "delete", "compact" or "compact,delete".
struct CleanupPolicy {
  bool delete_segments = true;
  bool compact = false;
  friend bool operator==(const CleanupPolicy&, const CleanupPolicy&) = default;
};

struct LogConfig {
  // segment.bytes (broker: log.segment.bytes) = 1 GiB. The active segment rolls when an append
  // would take it past this size. Kafka's minimum: 14.
  int32_t segment_bytes = 1 << 30;
  // segment.ms (log.roll.ms, log.roll.hours) = 7 days. The active segment rolls once it is this
  // old.
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  // segment.index.bytes (log.index.size.max.bytes) = 10 MiB: the preallocated size of each index; a
  // full index also rolls the segment.
  int64_t segment_index_bytes = 10 * 1024 * 1024;
  // index.interval.bytes (log.index.interval.bytes) = 4096: log bytes between offset-index entries.
  int32_t index_interval_bytes = 4096;
  // retention.ms (log.retention.ms/.minutes/.hours) = 7 days; -1 keeps data forever. A non-active
  // segment is deleted once its newest timestamp is older than this.
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  // retention.bytes (log.retention.bytes) = -1 (unlimited): oldest non-active segments are deleted
  // while the log is larger than this.
  int64_t retention_bytes = -1;
  // flush.messages (log.flush.interval.messages) = Long.MAX: fsync after this many unflushed
  // records. Kafka's default leaves durability to replication and the page cache; 1 = fsync every
  // append.
  int64_t flush_messages = INT64_MAX;
  // flush.ms (log.flush.interval.ms) = Long.MAX: fsync when data has been unflushed this long.
  int64_t flush_ms = INT64_MAX;
  // max.message.bytes (message.max.bytes) = 1048588: the largest batch accepted
  // (MESSAGE_TOO_LARGE).
  int32_t max_message_bytes = 1048588;
  // cleanup.policy (log.cleanup.policy) = delete.
  CleanupPolicy cleanup_policy;
  // min.cleanable.dirty.ratio (log.cleaner.min.cleanable.ratio) = 0.5: compaction starts when the
  // dirty (never cleaned) share of the non-active log exceeds this.
  double min_cleanable_dirty_ratio = 0.5;
  // delete.retention.ms (log.cleaner.delete.retention.ms) = 1 day: how long a tombstone survives in
  // the cleaned part of a compacted log.
  int64_t delete_retention_ms = 24LL * 3600 * 1000;
  // min.compaction.lag.ms (log.cleaner.min.compaction.lag.ms) = 0: records newer than this are not
  // compacted.
  int64_t min_compaction_lag_ms = 0;
  // message.timestamp.type (log.message.timestamp.type) = CreateTime; LogAppendTime makes the
  // leader stamp each batch with its append time.
  TimestampType message_timestamp_type = TimestampType::kCreateTime;

  // Sets one property by its topic name or broker synonym. NotFound when the key is not a log
  // property (so a caller holding several config structs can try the next); InvalidArgument with
  // INVALID_CONFIG naming key, value and the accepted range when the value is bad.
  Status Set(std::string_view key, std::string_view value);
  // Applies properties over `base`; any unknown key or bad value fails with INVALID_CONFIG.
  static Result<LogConfig> FromProperties(const std::map<std::string, std::string>& properties,
                                          const LogConfig& base);
  static Result<LogConfig> FromProperties(const std::map<std::string, std::string>& properties) {
    return FromProperties(properties, LogConfig());
  }
  // Every property under its topic name, as strings Set() accepts.
  std::map<std::string, std::string> ToProperties() const;
  static bool IsLogProperty(std::string_view key);

  SegmentConfig segment_config() const { return {index_interval_bytes, segment_index_bytes}; }
  // What the validator must enforce for appends to a log with this config.
  ValidationOptions validation_options(AppendOrigin origin) const;

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

}  // namespace kbench::storage
