#include "harness/embedded_driver.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "core/base/clock.h"
#include "results/environment.h"

namespace kbench::harness {
namespace fs = std::filesystem;

namespace {

double RelS(int64_t ns, int64_t start_ns) { return static_cast<double>(ns - start_ns) / 1e9; }

// <data_dir>/<run id>, or a new directory under the system's temporary directory.
Result<std::string> MakeRunDir(const EmbeddedDriverOptions& o, bool* temporary) {
  std::error_code ec;
  *temporary = o.data_dir.empty();
  const fs::path root = o.data_dir.empty() ? fs::temp_directory_path(ec) : fs::path(o.data_dir);
  if (ec) return Status::IoError(fmt::format("temporary directory: {}", ec.message()));
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return Status::InvalidArgument(fmt::format("--data-dir {}: not a directory", root.string()));
  }
  const fs::path dir = root / (o.run_id.empty() ? "kbench-embedded" : o.run_id);
  if (fs::exists(dir, ec)) {
    return Status::InvalidArgument(
        fmt::format("{}: already exists (a run's directory must be new)", dir.string()));
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("create {}: {}", dir.string(), ec.message()));
  return dir.string();
}

}  // namespace

Result<std::unique_ptr<EmbeddedDriver>> EmbeddedDriver::Create(const Workload& w,
                                                               EmbeddedDriverOptions options) {
  std::unique_ptr<EmbeddedDriver> d(new EmbeddedDriver());
  bool temporary = false;
  KB_ASSIGN_OR_RETURN(d->run_dir_, MakeRunDir(options, &temporary));
  d->temporary_ = temporary;
  d->remove_dir_ = temporary && !options.keep_data;
  broker::EmbeddedClusterOptions co;
  co.brokers = w.cluster.brokers;
  co.data_dir = d->run_dir_;
  co.broker_dirs = w.cluster.data_dirs;
  co.racks = w.cluster.racks;
  co.properties = w.cluster.broker_config;
  co.start_timeout_ms = options.start_timeout_ms;
  Result<std::unique_ptr<broker::EmbeddedCluster>> cluster = broker::EmbeddedCluster::Start(co);
  if (!cluster.ok()) {
    (void)d->Close();
    return cluster.status().WithContext("starting the embedded cluster");
  }
  d->cluster_ = std::move(*cluster);
  std::vector<std::string> log_dirs = w.cluster.data_dirs;
  if (log_dirs.empty()) {
    for (int32_t i = 1; i <= w.cluster.brokers; ++i)
      log_dirs.push_back(fmt::format("{}/broker-{}", d->run_dir_, i));
  }
  d->kafka_ = std::make_unique<KafkaDriver>(
      KafkaDriverOptions{.bootstrap = d->cluster_->bootstrap(),
                         .create_topics = true,
                         .data_dir = options.data_dir.empty() ? d->run_dir_ : options.data_dir,
                         .kind = "embedded",
                         .local_log_dirs = std::move(log_dirs)});
  d->faults_ = std::make_unique<FaultSchedule>(d->cluster_.get(), w.faults);
  return d;
}

EmbeddedDriver::~EmbeddedDriver() { (void)Close(); }

Status EmbeddedDriver::PrepareTopics(const TopicSpec& spec) {
  KB_RETURN_IF_ERROR(kafka_->PrepareTopics(spec));
  // Every replica in the ISR before the clock starts, so the run measures replication rather than
  // the topics' creation.
  return cluster_->AwaitFullyReplicated(30000).WithContext("waiting for the new topics' replicas");
}

void EmbeddedDriver::RunStarted(int64_t start_ns) {
  start_ns_ = start_ns;
  baseline_ = cluster_->Stats();  // what topic creation and the cluster's start did
  if (faults_) faults_->Start(start_ns);
}

void EmbeddedDriver::FillResult(const Workload& w, results::RunResult* r) const {
  kafka_->FillResult(w, r);
  // Topic properties the profile leaves to the brokers' defaults take cluster.brokerConfig's
  // value here (the runner judged them with Kafka's defaults).
  Workload effective = w;
  for (const char* key : {"min.insync.replicas", "unclean.leader.election.enable"}) {
    const auto it = w.cluster.broker_config.find(key);
    if (it != w.cluster.broker_config.end() && !w.topic_config.contains(key))
      effective.topic_config[key] = it->second;
  }
  r->summary.audit.loss_allowed = LossAllowed(effective);
  r->target.brokers = w.cluster.brokers;
  r->summary.brokers = w.cluster.brokers;
  if (faults_) r->faults = faults_->records();
  const broker::ClusterStats s = cluster_->Stats();
  r->unavailability.clear();
  for (const broker::UnavailabilityWindow& u : s.unavailability) {
    if (u.to_ns >= 0 && u.to_ns < start_ns_) continue;  // topic creation, before the run
    r->unavailability.push_back(
        {u.tp.ToString(), std::max(0.0, RelS(u.from_ns, start_ns_)),
         u.to_ns < 0 ? RelS(MonoNanos(), start_ns_) : RelS(u.to_ns, start_ns_)});
  }
  // The disk under test is where the log dirs are (a temporary directory when no --data-dir).
  if (temporary_) r->environment = results::CaptureEnvironment(run_dir_);
  r->cluster = ClusterStatsToJson(s, baseline_, start_ns_);
  r->cluster["log_dir"] = run_dir_;
}

Status EmbeddedDriver::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (faults_) faults_->Stop();
  if (cluster_) cluster_->Shutdown();
  cluster_.reset();
  if (remove_dir_ && !run_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(run_dir_, ec);
    if (ec) return Status::IoError(fmt::format("remove {}: {}", run_dir_, ec.message()));
  }
  return Status::Ok();
}

nlohmann::json ClusterStatsToJson(const broker::ClusterStats& s, const broker::ClusterStats& before,
                                  int64_t start_ns) {
  nlohmann::json elections = nlohmann::json::array();
  broker::ClusterStats in_run;  // for the percentiles over the run's elections only
  for (const broker::ElectionRecord& e : s.elections) {
    if (e.applied_ns > 0 && e.applied_ns < start_ns) continue;  // before the run
    in_run.elections.push_back(e);
    elections.push_back({{"t_s", RelS(e.decided_ns, start_ns)},
                         {"partition", e.tp.ToString()},
                         {"previous_leader", e.previous_leader.value()},
                         {"leader", e.leader.value()},
                         {"leader_epoch", e.leader_epoch.value()},
                         {"reason", e.reason},
                         {"unclean", e.unclean},
                         {"election_ms", static_cast<double>(e.applied_ns - e.decided_ns) / 1e6}});
  }
  double unavailable_s = 0;
  for (const broker::UnavailabilityWindow& u : s.unavailability) {
    if (u.to_ns >= 0 && u.to_ns < start_ns) continue;
    const int64_t to = u.to_ns < 0 ? MonoNanos() : u.to_ns;
    unavailable_s += static_cast<double>(to - std::max(u.from_ns, start_ns)) / 1e9;
  }
  return {
      {"isr_shrinks", s.isr_shrinks - before.isr_shrinks},
      {"isr_expands", s.isr_expands - before.isr_expands},
      {"leader_elections", s.leader_elections - before.leader_elections},
      {"unclean_leader_elections", s.unclean_leader_elections - before.unclean_leader_elections},
      {"offline_partitions", s.offline_partitions},
      {"brokers_fenced", s.brokers_fenced - before.brokers_fenced},
      {"controlled_shutdowns", s.controlled_shutdowns - before.controlled_shutdowns},
      {"elections", elections},
      {"election_ms",
       {{"p50", in_run.ElectionMsPercentile(50)},
        {"p99", in_run.ElectionMsPercentile(99)},
        {"max", in_run.ElectionMsPercentile(100)}}},
      {"unavailable_partition_s", unavailable_s},
      {"bytes_written", s.bytes_written - before.bytes_written},
      {"fsyncs", s.fsyncs - before.fsyncs},
      {"bytes_truncated", s.bytes_truncated - before.bytes_truncated},
      {"recovery_bytes_truncated", s.recovery_bytes_truncated - before.recovery_bytes_truncated},
      {"follower_bytes_fetched", s.follower_bytes_fetched - before.follower_bytes_fetched},
      {"follower_truncations", s.follower_truncations - before.follower_truncations}};
}

}  // namespace kbench::harness
