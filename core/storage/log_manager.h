// LogManager: every partition log of one broker, spread over its log directories (Kafka's
// log.dirs).
//
// Open() locks each directory (a `.lock` file held with flock, so two brokers cannot share one),
// finishes deleting partitions whose deletion was interrupted, and loads every
// `<topic>-<partition>` directory: after a clean shutdown (the `.kafka_cleanshutdown` marker is
// present) without scanning, otherwise recovering each log from its recovery point
// (recovery-point-offset-checkpoint) and reporting what was cut. The marker is removed once loading
// is done, so a crash from then on is detected at the next start.
//
// A new partition goes to the directory holding the fewest partitions. Its LogConfig is written to
// `<partition dir>/log.properties`, so a restart loads it with the same settings.
//
// A background thread (unless disabled) runs, each on its own interval: flush checks (flush.ms and
// flushing rolled segments), retention, recovery-point checkpoints, and the cleaner for compacted
// logs. Close() stops it, closes every log (flushing it), writes the checkpoints and the
// clean-shutdown markers.
//
// Thread safety: every method may be called from any thread. Logs are handed out as shared_ptr; a
// log removed by DeleteLog stays usable by holders until they drop it (its files are gone, open
// slices remain readable).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/base/result.h"
#include "core/base/topic_partition.h"
#include "core/storage/log_cleaner.h"
#include "core/storage/log_config.h"
#include "core/storage/partition_log.h"
#include "core/storage/storage_counters.h"

namespace kbench::storage {

struct LogManagerConfig {
  std::vector<std::string> log_dirs;  // log.dirs; created when missing
  LogConfig default_log_config;       // for partitions created without their own config
  // log.retention.check.interval.ms = 5 minutes.
  int64_t retention_check_interval_ms = 5 * 60 * 1000;
  // How often flush.ms is checked and rolled segments are flushed. (Kafka's
  // log.flush.scheduler.interval.ms defaults to Long.MAX, which disables flush.ms; here flush.ms
  // works without extra settings.)
  int64_t flush_check_interval_ms = 1000;
  // log.flush.offset.checkpoint.interval.ms = 60 s.
  int64_t recovery_point_checkpoint_interval_ms = 60 * 1000;
  // log.cleaner.enable = true; log.cleaner.backoff.ms = 15 s between cleaner checks.
  bool cleaner_enable = true;
  int64_t cleaner_backoff_ms = 15 * 1000;
  CleanerConfig cleaner;
  // Run the background thread (tests drive Run*() themselves when false).
  bool background_thread = true;
  std::function<int64_t()> clock = nullptr;  // wall clock in ms; WallMillis when null
};

struct LoadedLog {
  TopicPartition tp;
  std::string dir;
  LogLoadReport report;
};

struct LogManagerLoadReport {
  int32_t clean_dirs = 0;
  int32_t unclean_dirs = 0;
  std::vector<LoadedLog> logs;
  int64_t bytes_truncated = 0;  // summed over logs
  int64_t batches_checked = 0;
  int32_t logs_with_damage = 0;       // logs where recovery cut something
  int32_t interrupted_deletions = 0;  // "-delete" directories finished at load
};

class LogManager {
 public:
  static Result<std::unique_ptr<LogManager>> Open(LogManagerConfig config);
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // The partition's log, created with `config` (or the default) when it does not exist yet.
  Result<std::shared_ptr<PartitionLog>> GetOrCreateLog(
      const TopicPartition& tp, const std::optional<LogConfig>& config = std::nullopt);
  // nullptr when the partition has no log here.
  std::shared_ptr<PartitionLog> GetLog(const TopicPartition& tp) const;
  std::vector<TopicPartition> Partitions() const;
  // Applies and persists a new config for an existing log.
  Status UpdateConfig(const TopicPartition& tp, const LogConfig& config);
  // Topic deletion: closes the log, renames its directory "<tp>.<tag>-delete" and removes it.
  Status DeleteLog(const TopicPartition& tp);

  // Open file descriptors held: one per segment .log plus one lock file per directory.
  int64_t OpenFileCount() const;
  // Memory mappings held (two indexes per segment): what vm.max_map_count must allow.
  int64_t MappedIndexCount() const;
  StorageCounters& counters() { return *counters_; }
  const LogManagerLoadReport& load_report() const { return load_report_; }
  const LogManagerConfig& config() const { return config_; }

  // The background thread's tasks, callable directly (tests, or a caller without the thread).
  Status RunFlushChecks(int64_t now_ms);
  Result<int32_t> RunRetention(int64_t now_ms);  // segments deleted
  Status CheckpointRecoveryPoints();
  Result<int32_t> RunCleaner(int64_t now_ms);  // logs cleaned

  // Stops the background thread, closes every log, writes checkpoints and clean-shutdown markers.
  // Idempotent; later calls other than getters fail.
  Status Close();
  // What a killed process (kill -9) leaves, for the embedded cluster's Crash(): stops the
  // background thread and closes every file and directory lock without flushing, checkpointing or
  // writing the clean-shutdown marker. Data already written stays in the page cache, so the next
  // Open() finds the files as they were and recovers them. Idempotent; later calls other than
  // getters fail.
  void Abandon();

 private:
  struct Dir {
    std::string path;
    int lock_fd = -1;
  };
  explicit LogManager(LogManagerConfig config);
  Status OpenDirs();
  Status LoadDir(const Dir& dir);
  const Dir& PickDirForNewLog() const;
  std::vector<std::pair<TopicPartition, std::shared_ptr<PartitionLog>>> SnapshotLogs() const;
  Status WriteOffsetCheckpoints(std::string_view file,
                                const std::function<Offset(const PartitionLog&)>& offset_of);
  Status PersistConfig(const PartitionLog& log, const LogConfig& config) const;
  void BackgroundLoop();
  int64_t Now() const { return clock_(); }

  LogManagerConfig config_;
  std::function<int64_t()> clock_;
  std::shared_ptr<StorageCounters> counters_;
  LogCleaner cleaner_;
  std::vector<Dir> dirs_;
  LogManagerLoadReport load_report_;

  mutable std::mutex mu_;  // logs_, log_dir_, closed_
  std::map<TopicPartition, std::shared_ptr<PartitionLog>> logs_;
  std::map<TopicPartition, std::string> log_dir_;  // the log dir (parent) of each partition
  bool closed_ = false;

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kbench::storage
