// Small state files rewritten whole and atomically (write "<path>.tmp", fsync, rename over <path>,
// fsync the directory), in Kafka's checkpoint text format:
//
//   0            version (segment_format::kCheckpointVersion)
//   2            number of entry lines
//   <entry>      e.g. "orders 3 1200" (offset checkpoints) or "5 1200" (leader epochs)
//   <entry>
//
// A crash leaves either the old or the new file, never a mix. Reading checks the version, the count
// and that every line has the expected number of fields, and names the file and line on failure.
//
// Thread safety: stateless functions; callers serialize writes to one path.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"

namespace kbench::storage {

// Replaces `path` with `contents` atomically and durably.
Status WriteFileAtomically(const std::string& path, std::string_view contents);
// The whole file; NotFound when it does not exist.
Result<std::string> ReadWholeFile(const std::string& path);
// fsync of a directory, so a rename or create inside it is durable.
Status SyncDirectory(const std::string& dir);

// Entry lines of a checkpoint file, each split into `fields` whitespace-separated fields. A missing
// file is NotFound.
Result<std::vector<std::vector<std::string>>> ReadCheckpoint(const std::string& path, int fields);
Status WriteCheckpoint(const std::string& path, const std::vector<std::string>& lines);

// "<topic> <partition> <offset>" checkpoints (recovery points, cleaner offsets); missing file =
// empty map.
Result<std::map<TopicPartition, Offset>> ReadOffsetCheckpoint(const std::string& path);
Status WriteOffsetCheckpoint(const std::string& path,
                             const std::map<TopicPartition, Offset>& offsets);

}  // namespace kbench::storage
