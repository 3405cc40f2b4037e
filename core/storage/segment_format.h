// The on-disk layout of a partition log: file names, index entry layouts and checkpoint files. The
// one place these constants live; reader and writer both use them. Specified in
// docs/storage_format.md.
//
//   <log dir>/
//     .kafka_cleanshutdown                 present only between a clean Close and the next open
//     recovery-point-offset-checkpoint     "0\n<n>\n<topic> <partition> <offset>\n"...  (per log
//     dir) cleaner-offset-checkpoint            same format: first dirty offset per compacted
//     partition <topic>-<partition>/
//       00000000000000000000.log           record batches exactly as stored (BaseOffset assigned)
//       00000000000000000000.index         8-byte entries: relative offset u32 | position u32
//       00000000000000000000.timeindex     12-byte entries: timestamp i64 | relative offset u32
//       leader-epoch-checkpoint            "0\n<n>\n<epoch> <start offset>\n"...
//       log.properties                     the partition's LogConfig as key=value lines (kbench
//       addition)
//
// All index integers are big-endian, as Kafka's (Java ByteBuffer) indexes are.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/strong_int.h"

namespace kbench::storage::segment_format {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
// Cleaner output in progress (deleted on load) and cleaner output ready to replace its sources
// (completed on load): Kafka's .cleaned / .swap protocol.
inline constexpr std::string_view kCleanedSuffix = ".cleaned";
inline constexpr std::string_view kSwapSuffix = ".swap";

inline constexpr int kFileNameDigits = 20;

// Offset index: one entry per index.interval.bytes of log, mapping the last offset of a batch to
// the file position where that batch starts. Relative offset = offset - segment base offset.
inline constexpr int kOffsetIndexEntrySize = 8;
// Time index: the largest timestamp seen so far in the segment and the last offset of the batch
// that carried it; timestamps strictly increase from entry to entry.
inline constexpr int kTimeIndexEntrySize = 12;

// Kafka's segment.index.bytes default: room for 1,310,720 offset entries.
inline constexpr int64_t kDefaultMaxIndexBytes = 10 * 1024 * 1024;

inline constexpr std::string_view kCleanShutdownFile = ".kafka_cleanshutdown";
inline constexpr std::string_view kRecoveryPointCheckpointFile = "recovery-point-offset-checkpoint";
inline constexpr std::string_view kCleanerCheckpointFile = "cleaner-offset-checkpoint";
inline constexpr std::string_view kLeaderEpochCheckpointFile = "leader-epoch-checkpoint";
inline constexpr std::string_view kLogConfigFile = "log.properties";
inline constexpr int kCheckpointVersion = 0;
// A deleted partition's directory is renamed "<topic>-<partition>.<tag>-delete" before removal.
inline constexpr std::string_view kDeleteDirSuffix = "-delete";

// "00000000000000000042" + suffix.
inline std::string SegmentFileName(Offset base, std::string_view suffix) {
  std::string digits = std::to_string(base.value());
  std::string name(kFileNameDigits - std::min<size_t>(digits.size(), kFileNameDigits), '0');
  name += digits;
  name += suffix;
  return name;
}

// The base offset of a segment file name with this suffix, or nullopt if the name is not one.
inline std::optional<Offset> ParseSegmentFileName(std::string_view name, std::string_view suffix) {
  if (name.size() != kFileNameDigits + suffix.size() || !name.ends_with(suffix))
    return std::nullopt;
  int64_t value = 0;
  const char* end = name.data() + kFileNameDigits;
  auto [ptr, ec] = std::from_chars(name.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return Offset(value);
}

}  // namespace kbench::storage::segment_format
