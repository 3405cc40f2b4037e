#include "core/storage/log_manager.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <filesystem>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/storage/checkpoint_file.h"
#include "core/storage/segment_format.h"

namespace kbench::storage {
namespace sf = segment_format;
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kLockFile = ".lock";

// "<topic>-<partition>" as Kafka names partition directories.
std::optional<TopicPartition> ParsePartitionDir(std::string_view name) {
  const size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int32_t partition = 0;
  const std::string_view digits = name.substr(dash + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || partition < 0)
    return std::nullopt;
  return TopicPartition{std::string(name.substr(0, dash)), PartitionId(partition)};
}

// Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
Status CheckTopicName(const TopicPartition& tp) {
  const std::string& t = tp.topic;
  const bool chars_ok = std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (t.empty() || t.size() > 249 || t == "." || t == ".." || !chars_ok) {
    return Status::InvalidArgument(
        fmt::format("invalid topic name '{}' (1-249 of [a-zA-Z0-9._-])", t),
        ErrorCode::kInvalidTopicException);
  }
  if (tp.partition.value() < 0) {
    return Status::InvalidArgument(fmt::format("invalid partition {}", tp.partition.value()),
                                   ErrorCode::kInvalidPartitions);
  }
  return Status::Ok();
}

Result<LogConfig> LoadConfigFile(const std::string& path, const LogConfig& fallback) {
  auto text = ReadWholeFile(path);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return fallback;
  if (!text.ok()) return text.status();
  std::map<std::string, std::string> props;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text->size();) {
    const size_t nl = text->find('\n', pos);
    const std::string line =
        text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text->size() : nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos)
      return Status::Corruption(fmt::format("{} line {}: expected key=value", path, line_no));
    props[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto config = LogConfig::FromProperties(props, fallback);
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace

LogManager::LogManager(LogManagerConfig config)
    : config_(std::move(config)),
      clock_(config_.clock ? config_.clock : [] { return WallMillis(); }),
      counters_(std::make_shared<StorageCounters>()),
      cleaner_(config_.cleaner) {}

LogManager::~LogManager() {
  Status s = Close();
  if (!s.ok()) log::Error("storage", "log manager close: {}", s.ToString());
}

Result<std::unique_ptr<LogManager>> LogManager::Open(LogManagerConfig config) {
  if (config.log_dirs.empty())
    return Status::InvalidArgument("no log directories configured (log.dirs)");
  std::unique_ptr<LogManager> manager(new LogManager(std::move(config)));
  KB_RETURN_IF_ERROR(manager->OpenDirs());
  for (const Dir& dir : manager->dirs_) KB_RETURN_IF_ERROR(manager->LoadDir(dir));
  if (manager->config_.background_thread)
    manager->thread_ = std::thread([m = manager.get()] { m->BackgroundLoop(); });
  return manager;
}

Status LogManager::OpenDirs() {
  for (const std::string& path : config_.log_dirs) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return Status::FromErrno("create log dir " + path, ec.value());
    Dir dir{fs::absolute(path).lexically_normal().string(), -1};
    for (const Dir& other : dirs_) {
      if (other.path == dir.path) return Status::InvalidArgument("log dir listed twice: " + path);
    }
    const std::string lock = dir.path + "/" + std::string(kLockFile);
    dir.lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (dir.lock_fd < 0) return Status::FromErrno("open " + lock, errno);
    if (::flock(dir.lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(dir.lock_fd);
      return Status::IoError(
          fmt::format("log dir {} is in use by another process (flock on {})", dir.path, lock));
    }
    dirs_.push_back(dir);
  }
  return Status::Ok();
}

Status LogManager::LoadDir(const Dir& dir) {
  const std::string marker = dir.path + "/" + std::string(sf::kCleanShutdownFile);
  const bool clean = fs::exists(marker);
  (clean ? load_report_.clean_dirs : load_report_.unclean_dirs)++;
  KB_ASSIGN_OR_RETURN(
      auto recovery_points,
      ReadOffsetCheckpoint(dir.path + "/" + std::string(sf::kRecoveryPointCheckpointFile)));
  KB_ASSIGN_OR_RETURN(
      auto cleaner_points,
      ReadOffsetCheckpoint(dir.path + "/" + std::string(sf::kCleanerCheckpointFile)));
  std::vector<fs::path> entries;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir.path, ec)) {
    if (e.is_directory()) entries.push_back(e.path());
  }
  if (ec) return Status::FromErrno("list " + dir.path, ec.value());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& path : entries) {
    const std::string name = path.filename().string();
    if (name.ends_with(sf::kDeleteDirSuffix)) {
      fs::remove_all(path, ec);  // a topic deletion the last run did not finish
      ++load_report_.interrupted_deletions;
      continue;
    }
    std::optional<TopicPartition> tp = ParsePartitionDir(name);
    if (!tp) {
      log::Warn("storage", "{}: ignoring directory {} (not <topic>-<partition>)", dir.path, name);
      continue;
    }
    KB_ASSIGN_OR_RETURN(LogConfig cfg,
                        LoadConfigFile(path.string() + "/" + std::string(sf::kLogConfigFile),
                                       config_.default_log_config));
    LogOpenOptions options;
    options.clean_shutdown = clean;
    if (auto it = recovery_points.find(*tp); it != recovery_points.end())
      options.recovery_point = it->second;
    if (auto it = cleaner_points.find(*tp); it != cleaner_points.end())
      options.cleaner_checkpoint = it->second;
    options.counters = counters_;
    options.clock = clock_;
    KB_ASSIGN_OR_RETURN(auto log, PartitionLog::Open(path.string(), *tp, cfg, options));
    std::lock_guard<std::mutex> lock(mu_);
    if (logs_.count(*tp) != 0) {
      return Status::Corruption(
          fmt::format("{} exists in both {} and {}", tp->ToString(), log_dir_[*tp], dir.path));
    }
    const LogLoadReport& r = log->load_report();
    load_report_.logs.push_back({*tp, path.string(), r});
    load_report_.bytes_truncated += r.bytes_truncated;
    load_report_.batches_checked += r.batches_checked;
    if (r.bytes_truncated > 0) ++load_report_.logs_with_damage;
    logs_[*tp] = std::shared_ptr<PartitionLog>(std::move(log));
    log_dir_[*tp] = dir.path;
  }
  if (clean) {
    // From here on a crash must be detected as unclean.
    if (::unlink(marker.c_str()) != 0) return Status::FromErrno("remove " + marker, errno);
    KB_RETURN_IF_ERROR(SyncDirectory(dir.path));
  }
  log::Info("storage", "{}: loaded {} logs after a{} shutdown", dir.path, load_report_.logs.size(),
            clean ? " clean" : "n unclean");
  return Status::Ok();
}

const LogManager::Dir& LogManager::PickDirForNewLog() const {
  std::map<std::string, int> counts;
  for (const Dir& d : dirs_) counts[d.path] = 0;
  for (const auto& [tp, dir] : log_dir_) counts[dir]++;
  const Dir* best = &dirs_.front();
  for (const Dir& d : dirs_) {
    if (counts[d.path] < counts[best->path]) best = &d;
  }
  return *best;
}

Status LogManager::PersistConfig(const PartitionLog& log, const LogConfig& config) const {
  std::string text = "# kbench log config (LogConfig), topic property names\n";
  for (const auto& [key, value] : config.ToProperties()) text += fmt::format("{}={}\n", key, value);
  return WriteFileAtomically(log.dir() + "/" + std::string(sf::kLogConfigFile), text);
}

Result<std::shared_ptr<PartitionLog>> LogManager::GetOrCreateLog(
    const TopicPartition& tp, const std::optional<LogConfig>& config) {
  KB_RETURN_IF_ERROR(CheckTopicName(tp));
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::Aborted("log manager is closed", ErrorCode::kKafkaStorageError);
  if (auto it = logs_.find(tp); it != logs_.end()) return it->second;
  const Dir& dir = PickDirForNewLog();
  const LogConfig cfg = config.value_or(config_.default_log_config);
  LogOpenOptions options;
  options.counters = counters_;
  options.clock = clock_;
  KB_ASSIGN_OR_RETURN(auto opened,
                      PartitionLog::Open(dir.path + "/" + tp.ToString(), tp, cfg, options));
  std::shared_ptr<PartitionLog> log(std::move(opened));
  KB_RETURN_IF_ERROR(PersistConfig(*log, cfg));
  logs_[tp] = log;
  log_dir_[tp] = dir.path;
  return log;
}

std::shared_ptr<PartitionLog> LogManager::GetLog(const TopicPartition& tp) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second;
}

std::vector<TopicPartition> LogManager::Partitions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TopicPartition> out;
  for (const auto& [tp, log] : logs_) out.push_back(tp);
  return out;
}

Status LogManager::UpdateConfig(const TopicPartition& tp, const LogConfig& config) {
  std::shared_ptr<PartitionLog> log = GetLog(tp);
  if (!log)
    return Status::NotFound(tp.ToString() + " has no log", ErrorCode::kUnknownTopicOrPartition);
  log->SetConfig(config);
  return PersistConfig(*log, config);
}

Status LogManager::DeleteLog(const TopicPartition& tp) {
  std::shared_ptr<PartitionLog> log;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = logs_.find(tp);
    if (it == logs_.end())
      return Status::NotFound(tp.ToString() + " has no log", ErrorCode::kUnknownTopicOrPartition);
    log = it->second;
    logs_.erase(it);
    log_dir_.erase(tp);
  }
  KB_RETURN_IF_ERROR(log->Close());
  // Rename first: a crash before the removal finishes leaves a "-delete" directory, removed at next
  // load.
  const std::string doomed =
      fmt::format("{}.{:x}{}", log->dir(), MonoNanos(), sf::kDeleteDirSuffix);
  std::error_code ec;
  fs::rename(log->dir(), doomed, ec);
  if (ec) return Status::FromErrno(fmt::format("rename {} to {}", log->dir(), doomed), ec.value());
  KB_RETURN_IF_ERROR(SyncDirectory(fs::path(doomed).parent_path().string()));
  fs::remove_all(doomed, ec);
  if (ec) return Status::FromErrno("remove " + doomed, ec.value());
  return Status::Ok();
}

std::vector<std::pair<TopicPartition, std::shared_ptr<PartitionLog>>> LogManager::SnapshotLogs()
    const {
  std::lock_guard<std::mutex> lock(mu_);
  return {logs_.begin(), logs_.end()};
}

int64_t LogManager::OpenFileCount() const {
  int64_t n = static_cast<int64_t>(dirs_.size());
  for (const auto& [tp, log] : SnapshotLogs()) n += log->open_files();
  return n;
}

int64_t LogManager::MappedIndexCount() const {
  int64_t n = 0;
  for (const auto& [tp, log] : SnapshotLogs()) n += 2 * log->segment_count();
  return n;
}

Status LogManager::RunFlushChecks(int64_t now_ms) {
  Status first;
  for (const auto& [tp, log] : SnapshotLogs()) {
    Status s = log->FlushIfNeeded(now_ms);
    if (!s.ok() && first.ok()) first = s.WithContext(tp.ToString());
  }
  return first;
}

Result<int32_t> LogManager::RunRetention(int64_t now_ms) {
  int32_t deleted = 0;
  for (const auto& [tp, log] : SnapshotLogs()) {
    auto n = log->DeleteOldSegments(now_ms);
    if (!n.ok()) return n.status().WithContext(tp.ToString());
    deleted += *n;
  }
  return deleted;
}

Result<int32_t> LogManager::RunCleaner(int64_t now_ms) {
  int32_t cleaned = 0;
  for (const auto& [tp, log] : SnapshotLogs()) {
    if (!log->config().cleanup_policy.compact) continue;
    auto r = cleaner_.Clean(*log, now_ms);
    if (!r.ok()) return r.status().WithContext(tp.ToString());
    cleaned += r->cleaned ? 1 : 0;
  }
  if (cleaned > 0) {
    KB_RETURN_IF_ERROR(WriteOffsetCheckpoints(
        sf::kCleanerCheckpointFile, [](const PartitionLog& l) { return l.cleaner_checkpoint(); }));
  }
  return cleaned;
}

Status LogManager::WriteOffsetCheckpoints(
    std::string_view file, const std::function<Offset(const PartitionLog&)>& offset_of) {
  std::map<std::string, std::map<TopicPartition, Offset>> per_dir;
  for (const Dir& d : dirs_) per_dir[d.path];
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tp, log] : logs_) per_dir[log_dir_[tp]][tp] = offset_of(*log);
  }
  for (const auto& [dir, offsets] : per_dir) {
    KB_RETURN_IF_ERROR(WriteOffsetCheckpoint(dir + "/" + std::string(file), offsets));
  }
  return Status::Ok();
}

Status LogManager::CheckpointRecoveryPoints() {
  return WriteOffsetCheckpoints(sf::kRecoveryPointCheckpointFile,
                                [](const PartitionLog& l) { return l.recovery_point(); });
}

void LogManager::BackgroundLoop() {
  int64_t next_flush = MonoMillis() + config_.flush_check_interval_ms;
  int64_t next_retention = MonoMillis() + config_.retention_check_interval_ms;
  int64_t next_checkpoint = MonoMillis() + config_.recovery_point_checkpoint_interval_ms;
  int64_t next_cleaner = MonoMillis() + config_.cleaner_backoff_ms;
  auto run = [](std::string_view what, const Status& s) {
    if (!s.ok()) log::Warn("storage", "background {}: {}", what, s.ToString());
  };
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stop_) {
    const int64_t due = std::min({next_flush, next_retention, next_checkpoint, next_cleaner});
    wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, due - MonoMillis())));
    if (stop_) break;
    lock.unlock();
    const int64_t mono = MonoMillis();
    if (mono >= next_flush) {
      run("flush", RunFlushChecks(Now()));
      next_flush = mono + config_.flush_check_interval_ms;
    }
    if (mono >= next_retention) {
      run("retention", RunRetention(Now()).status());
      next_retention = mono + config_.retention_check_interval_ms;
    }
    if (mono >= next_checkpoint) {
      run("recovery-point checkpoint", CheckpointRecoveryPoints());
      next_checkpoint = mono + config_.recovery_point_checkpoint_interval_ms;
    }
    if (config_.cleaner_enable && mono >= next_cleaner) {
      run("cleaner", RunCleaner(Now()).status());
      next_cleaner = mono + config_.cleaner_backoff_ms;
    }
    lock.lock();
  }
}

Status LogManager::Close() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  Status first;
  for (const auto& [tp, log] : SnapshotLogs()) {
    Status s = log->Close();
    if (!s.ok() && first.ok()) first = s.WithContext(tp.ToString());
  }
  if (first.ok()) first = CheckpointRecoveryPoints();
  if (first.ok()) {
    first = WriteOffsetCheckpoints(sf::kCleanerCheckpointFile,
                                   [](const PartitionLog& l) { return l.cleaner_checkpoint(); });
  }
  for (Dir& d : dirs_) {
    // Only a fully successful shutdown earns the marker that lets the next start skip recovery.
    if (first.ok())
      first = WriteFileAtomically(d.path + "/" + std::string(sf::kCleanShutdownFile), "");
    if (d.lock_fd >= 0) ::close(d.lock_fd);
    d.lock_fd = -1;
  }
  return first;
}

void LogManager::Abandon() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  for (const auto& [tp, log] : SnapshotLogs()) log->Abandon();
  for (Dir& d : dirs_) {
    if (d.lock_fd >= 0) ::close(d.lock_fd);
    d.lock_fd = -1;
  }
}

}  // namespace kbench::storage
