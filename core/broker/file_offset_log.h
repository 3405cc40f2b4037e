// FileOffsetLog: an OffsetLog (offset_log.h) over one plain append-only file with length+CRC
// framing (file_offset_log_format.h). Used by the coordinator's tests and by a single broker that
// keeps committed offsets outside core/storage; a cluster uses the PartitionLog adapter described
// in offset_log.h instead. Keep the file outside the storage log dirs (LogManager would take a
// `__consumer_offsets-<p>` directory for one of its partitions).
//
// Durability: an Append is in the page cache when it returns (survives a process kill); with
// fsync_each_append it is also on disk. Opening recovers from a torn or corrupt tail by truncating
// at the first bad frame (the load report says what was cut). WhenCommitted completes at once: one
// file has no replicas to wait for.
//
// Compaction: the log keeps the newest record of every key in memory (the live set, a few hundred
// bytes per committed partition). When the file has grown past compact_min_bytes and more than
// half of it is dead (superseded records and tombstones), the next Append rewrites the live set
// into a new file, fsyncs it and renames it over the old one, so the file stays proportional to
// the number of live offsets however often consumers commit.
//
// Thread safety: all methods may be called from any thread; appends, compaction and replay are
// serialized by an internal mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/broker/offset_log.h"

namespace kbench::broker {

struct FileOffsetLogOptions {
  // fdatasync after every append (Kafka's default is the page cache; replication is its safety).
  bool fsync_each_append = false;
  // Compact once the file is at least this large and less than half of it is live.
  int64_t compact_min_bytes = 16 << 20;
};

// What opening the file found.
struct FileOffsetLogLoadReport {
  int64_t frames = 0;
  int64_t records = 0;
  int64_t bytes_truncated = 0;  // cut from a torn or corrupt tail
  std::string problem;          // why the tail was cut, with the byte position; empty if clean
};

class FileOffsetLog final : public OffsetLog {
 public:
  // Opens `path`, creating it (not its directory) if missing, and recovers a torn tail. Fails if
  // the file is not a kbench offset log (wrong magic or version) or cannot be read or written.
  static Result<std::unique_ptr<FileOffsetLog>> Open(std::string path,
                                                     FileOffsetLogOptions options = {});
  ~FileOffsetLog() override;
  FileOffsetLog(const FileOffsetLog&) = delete;
  FileOffsetLog& operator=(const FileOffsetLog&) = delete;

  Result<Offset> Append(std::span<const OffsetLogRecord> records) override;
  void WhenCommitted(Offset last, std::function<void(Status)> done) override;
  Status Replay(const std::function<Status(const OffsetLogRecord&)>& fn) override;

  const std::string& path() const { return path_; }
  const FileOffsetLogLoadReport& load_report() const { return load_report_; }
  int64_t file_bytes() const;
  int64_t live_records() const;
  int64_t compactions() const;
  // Rewrites the file to its live records now (also called by Append when due).
  Status Compact();

 private:
  struct Live {
    std::optional<std::vector<uint8_t>> value;
    int64_t timestamp_ms = -1;
    int64_t position = 0;
  };
  FileOffsetLog(std::string path, FileOffsetLogOptions options, int fd);
  Status Load();
  Status CompactLocked();
  Status WriteAllLocked(std::span<const uint8_t> bytes);
  void Remember(const OffsetLogRecord& r, int64_t position);

  const std::string path_;
  const FileOffsetLogOptions options_;
  mutable std::mutex mu_;
  int fd_ = -1;                // guarded by mu_
  int64_t file_bytes_ = 0;     // guarded by mu_
  int64_t next_position_ = 0;  // guarded by mu_
  int64_t live_bytes_ = 0;     // guarded by mu_: encoded size of live_
  // Keyed by the record key's bytes (a string: GCC 12 mis-warns on vector<uint8_t> map keys).
  std::map<std::string, Live> live_;     // guarded by mu_: newest record per key
  int64_t compactions_ = 0;              // guarded by mu_
  FileOffsetLogLoadReport load_report_;  // set by Open
};

}  // namespace kbench::broker
