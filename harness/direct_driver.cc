#include "harness/direct_driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/base/log.h"
#include "core/storage/segment_format.h"
#include "harness/direct_consumer.h"
#include "harness/direct_producer.h"

namespace kbench::harness {
namespace fs = std::filesystem;
namespace {

// The data dir must be a directory kbench can create and write in. A path that names something
// other than a directory is bad input; one the OS will not let us write is the environment's
// problem.
Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return Status::InvalidArgument(
        fmt::format("--data-dir {}: exists and is not a directory", dir));
  }
  fs::create_directories(dir, ec);
  if (ec == std::errc::not_a_directory) {
    return Status::InvalidArgument(
        fmt::format("--data-dir {}: a component of the path is not a directory", dir));
  }
  if (ec) {
    return Status::IoError(fmt::format("--data-dir {}: cannot create it: {}", dir, ec.message()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::IoError(
        fmt::format("--data-dir {}: not writable: {}", dir, std::strerror(errno)));
  }
  return Status::Ok();
}

// Retention could delete messages before the consumers read them: the only way an acknowledged
// message can go missing in-process.
bool RetentionMayDelete(const Workload& w, const storage::LogConfig& c) {
  if (!c.cleanup_policy.delete_segments) return false;
  const double run_ms = (w.TotalDurationS() + w.drain_timeout_s) * 1000;
  return c.retention_bytes >= 0 ||
         (c.retention_ms >= 0 && static_cast<double>(c.retention_ms) < run_ms);
}

}  // namespace

Result<std::unique_ptr<DirectDriver>> DirectDriver::Create(const Workload& w,
                                                           DirectDriverOptions options) {
  if (!w.faults.empty()) {
    return Status::Unsupported(
        "fault schedules need brokers to break; the direct driver drives one in-process storage "
        "engine: run this profile on a cluster (without --driver direct)");
  }
  std::vector<std::string> notes;
  if (w.replication_factor > 1) {
    notes.push_back(fmt::format(
        "replicationFactor {} means nothing in-process: the direct driver keeps one copy "
        "(results record replication factor 1)",
        w.replication_factor));
  }
  KB_ASSIGN_OR_RETURN(DirectStorageConfig storage, DirectStorageConfig::FromWorkload(w, &notes));
  KB_ASSIGN_OR_RETURN(DirectProducerConfig producer,
                      DirectProducerConfig::FromProperties(w.producer_config, &notes));
  KB_ASSIGN_OR_RETURN(DirectConsumerConfig consumer,
                      DirectConsumerConfig::FromProperties(w.consumer_config, &notes));
  if (options.data_dir.empty()) options.data_dir = fs::current_path().string();
  KB_RETURN_IF_ERROR(CheckDataDir(options.data_dir));
  if (options.run_id.empty()) return Status::InvalidArgument("DirectDriver needs a run id");
  return std::unique_ptr<DirectDriver>(new DirectDriver(std::move(options), std::move(storage),
                                                        producer, consumer, std::move(notes)));
}

DirectDriver::DirectDriver(DirectDriverOptions options, DirectStorageConfig storage,
                           DirectProducerConfig producer, DirectConsumerConfig consumer,
                           std::vector<std::string> notes)
    : options_(std::move(options)),
      storage_(std::move(storage)),
      producer_config_(producer),
      consumer_config_(consumer),
      notes_(std::move(notes)),
      log_dir_((fs::path(options_.data_dir) / options_.run_id).string()) {}

DirectDriver::~DirectDriver() {
  Status s = Close();
  if (!s.ok()) log::Error("harness", "direct driver close: {}", s.ToString());
}

Status DirectDriver::PrepareTopics(const TopicSpec& spec) {
  std::error_code ec;
  if (fs::exists(log_dir_, ec)) {
    return Status::InvalidArgument(fmt::format(
        "{} exists already (an earlier run kept with --keep-data?): a run needs a new log dir; "
        "remove it or choose another --topic-prefix",
        log_dir_));
  }
  // A new, empty log dir has nothing to recover: mark it clean so the LogManager loads it as such.
  fs::create_directories(log_dir_, ec);
  if (ec) return Status::FromErrno("create " + log_dir_, ec.value());
  {
    std::ofstream marker(fs::path(log_dir_) /
                         std::string(storage::segment_format::kCleanShutdownFile));
    if (!marker) return Status::IoError(fmt::format("{}: cannot write in it", log_dir_));
  }
  storage::LogManagerConfig mc = storage_.manager;
  mc.log_dirs = {log_dir_};
  mc.default_log_config = storage_.topic;
  KB_ASSIGN_OR_RETURN(manager_, storage::LogManager::Open(std::move(mc)));
  for (const std::string& topic : spec.names) {
    std::vector<std::shared_ptr<storage::PartitionLog>> partitions;
    for (int32_t p = 0; p < spec.partitions; ++p) {
      KB_ASSIGN_OR_RETURN(auto log,
                          manager_->GetOrCreateLog({topic, PartitionId(p)}, storage_.topic));
      partitions.push_back(std::move(log));
    }
    logs_.push_back(std::move(partitions));
    signals_.push_back(std::make_shared<AppendSignals>(static_cast<size_t>(spec.partitions)));
  }
  return Status::Ok();
}

Result<std::vector<std::shared_ptr<storage::PartitionLog>>> DirectDriver::TopicLogs(
    int32_t topic) const {
  if (topic < 0 || static_cast<size_t>(topic) >= logs_.size()) {
    return Status::InvalidArgument(
        fmt::format("topic {} of {} (PrepareTopics first)", topic, logs_.size()));
  }
  return logs_[static_cast<size_t>(topic)];
}

Result<std::unique_ptr<ProducerClient>> DirectDriver::NewProducer(const ProducerClientOptions& o) {
  DirectProducerOptions po;
  po.client = o;
  po.config = producer_config_;
  KB_ASSIGN_OR_RETURN(po.logs, TopicLogs(o.topic));
  po.signals = signals_[static_cast<size_t>(o.topic)];
  KB_ASSIGN_OR_RETURN(auto producer, DirectProducer::Create(std::move(po)));
  return std::unique_ptr<ProducerClient>(std::move(producer));
}

Result<std::unique_ptr<ConsumerClient>> DirectDriver::NewConsumer(const ConsumerClientOptions& o) {
  DirectConsumerOptions co;
  co.client = o;
  co.config = consumer_config_;
  KB_ASSIGN_OR_RETURN(co.logs, TopicLogs(o.topic));
  co.signals = signals_[static_cast<size_t>(o.topic)];
  KB_ASSIGN_OR_RETURN(auto consumer, DirectConsumer::Create(std::move(co)));
  return std::unique_ptr<ConsumerClient>(std::move(consumer));
}

PartitionLogRanges DirectDriver::LogRanges(const std::vector<uint32_t>& partitions,
                                           const PartitionIndex& index) {
  PartitionLogRanges ranges;
  const uint32_t ppt = static_cast<uint32_t>(index.partitions_per_topic());
  for (uint32_t p : partitions) {
    const size_t topic = p / ppt, partition = p % ppt;
    if (topic >= logs_.size() || partition >= logs_[topic].size()) continue;
    const storage::PartitionLog& log = *logs_[topic][partition];
    ranges[p] = {.log_start = log.log_start_offset().value(),
                 .log_end = log.log_end_offset().value()};
  }
  return ranges;
}

Result<PageCacheEviction> DirectDriver::EvictPageCache() {
  std::vector<std::string> dirs;
  for (const auto& topic : logs_) {
    for (const auto& log : topic) dirs.push_back(log->dir());
  }
  return EvictSegmentFiles(dirs);
}

void DirectDriver::FillResult(const Workload& w, results::RunResult* r) const {
  r->target = {.kind = "direct", .bootstrap = "", .brokers = 1, .data_dir = options_.data_dir};
  r->summary.brokers = 1;
  r->summary.replication_factor = 1;
  r->summary.audit.loss_allowed = RetentionMayDelete(w, storage_.topic);
  nlohmann::json c = nlohmann::json::object();
  c["driver"] = "direct";
  c["log_dir"] = log_dir_;
  c["data_kept"] = options_.keep_data;
  if (manager_) {
    const storage::StorageCountersSnapshot s = manager_->counters().Snapshot();
    c["bytes_written"] = s.bytes_appended;
    c["batches_appended"] = s.batches_appended;
    c["records_appended"] = s.records_appended;
    c["fsyncs"] = s.fsyncs;
    c["segments_rolled"] = s.segments_rolled;
    c["segments_deleted"] = s.segments_deleted;
    c["bytes_deleted"] = s.bytes_deleted;
    c["cleaner_runs"] = s.cleaner_runs;
    c["open_files"] = manager_->OpenFileCount();
  }
  c["notes"] = notes_;
  r->cluster = std::move(c);
}

Status DirectDriver::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  logs_.clear();
  Status st;
  if (manager_) st = manager_->Close();
  manager_.reset();
  if (!options_.keep_data) {
    std::error_code ec;
    fs::remove_all(log_dir_, ec);
    if (ec && st.ok()) st = Status::FromErrno("remove " + log_dir_, ec.value());
  }
  return st;
}

}  // namespace kbench::harness
