// Test-only helpers for storage tests and benchmarks: a temporary directory that removes itself,
// batch builders with predictable contents, and readers that turn a FileSlice back into records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/file_handle.h"
#include "core/base/result.h"
#include "core/storage/partition_log.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_builder.h"

namespace kbench::storage::testing {

// mkdtemp under $TMPDIR (or /tmp); removed with everything inside on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// A batch of `records` records, values of `value_bytes` bytes naming their index ("v<i>-xxxx"),
// keys "k<i % keys>", timestamps ts, ts+1, ...
std::vector<uint8_t> MakeBatch(int records, int value_bytes = 16,
                               int64_t timestamp = 1'700'000'000'000, BatchOptions options = {},
                               int keys = 1'000'000);

// Validates (as a client) and appends as leader; the buffer is consumed.
Result<AppendInfo> AppendBatch(PartitionLog& log, std::vector<uint8_t> batch,
                               LeaderEpoch epoch = LeaderEpoch(0));

// pread()s the slice's bytes.
Result<std::vector<uint8_t>> ReadSlice(const FileSlice& slice);

// Every record readable from `from` to the end of the log (following Read() across segments).
Result<std::vector<Record>> ReadAll(const PartitionLog& log, Offset from = Offset(0),
                                    int64_t max_bytes = 1 << 20);

// Bytes of a file, and overwriting/truncating files in place (damaging what the real code wrote).
std::vector<uint8_t> ReadFileBytes(const std::string& path);
void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes);
int64_t FileSize(const std::string& path);
// Copies every regular file of `from` into a new directory `to` (a crash-consistent image of what
// the page cache holds while a log is open: nothing trimmed, no shutdown marker).
void CopyDir(const std::string& from, const std::string& to);

}  // namespace kbench::storage::testing
