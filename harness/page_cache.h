// Page-cache control for catch-up reads (backlogPageCache: evict): consumers that fall far behind
// read segments the page cache no longer holds, which is what makes a lagging Kafka consumer slow
// and hurts producers on the same disk. After a backlog is built, the run's segment files are
// dropped from the cache so the consumers read them from the disk.
//
// EvictSegmentFiles: for every regular file named *.log directly inside the given partition
// directories: fdatasync (dirty pages cannot be dropped; this also means the bytes are on the disk
// as they would be after the kernel's write-back), posix_fadvise(POSIX_FADV_DONTNEED) over the
// whole file, and the file's resident bytes before and after measured with mincore(2) through a
// read-only mapping (which touches no page). Only the page cache of this host is reachable: a
// target whose brokers run elsewhere cannot be evicted (the drivers say so).
//
// Stateless functions; any thread. Files must not be written meanwhile (the runner calls this
// with the producers stopped); a file that disappears in between (retention) is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace kbench::harness {

struct PageCacheEviction {
  int64_t files = 0;
  int64_t bytes = 0;            // total size of the files
  int64_t resident_before = 0;  // bytes of them in the page cache before
  int64_t resident_after = 0;   // and after (pages the kernel would not drop, e.g. mapped ones)
};

// IoError naming the file when one cannot be opened, synced or advised.
Result<PageCacheEviction> EvictSegmentFiles(const std::vector<std::string>& partition_dirs);

// Bytes of `path` in the page cache now (mincore over a read-only mapping).
Result<int64_t> ResidentBytes(const std::string& path);

}  // namespace kbench::harness
