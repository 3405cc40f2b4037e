#include "harness/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <random>
#include <thread>

#include "core/base/build_info.h"
#include "core/base/clock.h"
#include "harness/consumer_worker.h"
#include "harness/durability_audit.h"
#include "harness/kafka_admin.h"
#include "harness/kafka_driver.h"
#include "harness/lag_evaluator.h"
#include "harness/producer_worker.h"
#include "harness/progress.h"
#include "harness/run_metrics.h"
#include "results/environment.h"

namespace kbench::harness {
namespace {

constexpr int64_t kNanosPerMs = 1'000'000;

std::string IsoUtc(int64_t wall_ms) {
  const time_t secs = static_cast<time_t>(wall_ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buf, wall_ms % 1000);
}

std::string RandomSuffix() {
  std::random_device rd;
  return fmt::format("{:06x}", rd() & 0xffffff);
}

Status CheckSupported(const Workload& w) {
  if (w.producer_rate == 0 && w.rate_shape != RateShape::kSteps) {
    return Status::Unsupported(
        "producerRate 0 (maximum-rate search) is not in this build yet; give a rate");
  }
  if (!w.faults.empty()) {
    return Status::Unsupported(
        "fault schedules need the embedded cluster, which is not in this build yet");
  }
  if (w.consumer_backlog_size_gb > 0) {
    return Status::Unsupported(
        "consumerBacklogSizeGB (backlog build + catch-up) is not in this build yet");
  }
  return Status::Ok();
}

// Everything one run owns; threads borrow from it.
class Run {
 public:
  Run(const Workload& w, const RunnerOptions& o) : w_(w), o_(o) {}
  Result<results::RunResult> Execute();

 private:
  Status Prepare();
  Status StartConsumers();
  Status StartProducers();
  RunCounters Counters() const;
  std::map<std::string, int64_t> LagByPartition();
  void FeedLagEvaluator();
  Status CloseInterval(bool measuring, double elapsed_s, const std::string& phase);
  bool Drained() const;
  void Stop();
  results::RunResult Assemble(int64_t start_wall_ms, int64_t end_wall_ms, double elapsed_s);

  const Workload& w_;
  const RunnerOptions& o_;
  std::string prefix_;
  std::unique_ptr<PartitionIndex> partitions_;
  ClockMapping clock_;
  std::vector<std::unique_ptr<DurabilityAudit>> audits_;  // one per subscription slot
  std::unique_ptr<RunMetrics> metrics_;
  LagBoard board_;
  LagEvaluator evaluator_;
  std::vector<std::unique_ptr<KafkaConsumer>> consumers_;
  std::vector<std::unique_ptr<ConsumerWorker>> consumer_workers_;
  std::vector<std::thread> consumer_threads_;
  std::vector<std::unique_ptr<KafkaProducer>> producers_;
  std::vector<std::unique_ptr<ProducerWorker>> producer_workers_;
  std::vector<std::thread> producer_threads_;
  std::vector<int32_t> producer_topic_;
  std::atomic<int> producers_running_{0};
  std::vector<Status> producer_status_;
  std::unique_ptr<ProgressLine> progress_;
  int64_t start_mono_ = 0;
  int32_t brokers_ = 0;
};

Status Run::Prepare() {
  prefix_ = o_.topic_prefix.empty()
                ? fmt::format("kbench-{}{}-{}", w_.name, w_.variant.empty() ? "" : "-" + w_.variant,
                              RandomSuffix())
                : o_.topic_prefix;
  TopicSpec spec;
  for (int32_t t = 0; t < w_.topics; ++t) spec.names.push_back(fmt::format("{}-{}", prefix_, t));
  spec.partitions = w_.partitions_per_topic;
  spec.replication_factor = w_.replication_factor;
  spec.config = w_.topic_config;
  KB_ASSIGN_OR_RETURN(brokers_, CountBrokers(o_.bootstrap));
  KB_RETURN_IF_ERROR(o_.create_topics ? CreateTopics(o_.bootstrap, spec)
                                      : VerifyTopics(o_.bootstrap, spec));
  partitions_ = std::make_unique<PartitionIndex>(spec.names, w_.partitions_per_topic);
  int32_t max_subs = 0;
  for (int32_t t = 0; t < w_.topics; ++t)
    max_subs = std::max(max_subs, w_.SubscriptionsForTopic(t));
  for (int32_t s = 0; s < max_subs; ++s) audits_.push_back(std::make_unique<DurabilityAudit>());
  RunMetricsOptions mo;
  mo.interval_ms = o_.interval_ms;
  mo.start_wall_ms = WallMillis();
  if (!o_.output_json.empty()) {
    const std::string& out = o_.output_json;
    mo.hlog_base = out.size() > 5 && out.ends_with(".json") ? out.substr(0, out.size() - 5) : out;
  }
  KB_ASSIGN_OR_RETURN(metrics_, RunMetrics::Create(mo));
  if (o_.progress != nullptr)
    progress_ = std::make_unique<ProgressLine>(o_.progress, o_.progress_tty);
  return Status::Ok();
}

Status Run::StartConsumers() {
  for (int32_t t = 0; t < w_.topics; ++t) {
    for (int32_t s = 0; s < w_.SubscriptionsForTopic(t); ++s) {
      const std::string group = fmt::format("{}-{}-sub{}", prefix_, t, s);
      for (int32_t c = 0; c < w_.consumer_per_subscription; ++c) {
        KafkaConsumerOptions co;
        co.bootstrap = o_.bootstrap;
        co.group_id = group;
        co.topics = {partitions_->topics()[static_cast<size_t>(t)]};
        co.config = w_.consumer_config;
        co.partitions = partitions_.get();
        co.audit = audits_[static_cast<size_t>(s)].get();
        co.e2e_latency = metrics_->recorders(Metric::kE2eLatency).NewRecorder();
        co.clock = &clock_;
        co.processing_delay_ms = w_.consumer_processing_delay_ms;
        KB_ASSIGN_OR_RETURN(auto consumer, KafkaConsumer::Create(co));
        consumer_workers_.push_back(std::make_unique<ConsumerWorker>(
            ConsumerWorkerOptions{.group = group,
                                  .consumer = consumer.get(),
                                  .board = &board_,
                                  .report_interval_ms = o_.interval_ms,
                                  .poll_timeout_ms = 100}));
        consumers_.push_back(std::move(consumer));
      }
    }
  }
  for (auto& worker : consumer_workers_) {
    consumer_threads_.emplace_back([w = worker.get()] { w->Run(INT64_MAX); });
  }
  return Status::Ok();
}

Status Run::StartProducers() {
  const int64_t end = start_mono_ + static_cast<int64_t>(w_.TotalDurationS() * 1e9);
  uint32_t id = 0;
  for (int32_t t = 0; t < w_.topics; ++t) {
    std::vector<DurabilityAudit*> audits;
    for (int32_t s = 0; s < w_.SubscriptionsForTopic(t); ++s)
      audits.push_back(audits_[static_cast<size_t>(s)].get());
    for (int32_t p = 0; p < w_.producers_per_topic; ++p, ++id) {
      KafkaProducerOptions po;
      po.bootstrap = o_.bootstrap;
      po.config = w_.producer_config;
      po.producer_id = id;
      po.partitions = partitions_.get();
      po.audits = audits;
      po.publish_latency = metrics_->recorders(Metric::kPublishLatency).NewRecorder();
      po.clock = &clock_;
      KB_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(po));
      ProducerWorkerOptions wo;
      wo.producer_id = id;
      wo.topic = t;
      wo.start_ns = start_mono_;
      wo.sender = producer.get();
      wo.clock = &clock_;
      wo.pacer_clock = SystemPacerClock::Get();
      wo.publish_delay = metrics_->recorders(Metric::kPublishDelay).NewRecorder();
      KB_ASSIGN_OR_RETURN(auto worker, ProducerWorker::Create(w_, wo));
      producers_.push_back(std::move(producer));
      producer_workers_.push_back(std::move(worker));
      producer_topic_.push_back(t);
    }
  }
  producer_status_.resize(producer_workers_.size());
  producers_running_ = static_cast<int>(producer_workers_.size());
  for (size_t i = 0; i < producer_workers_.size(); ++i) {
    producer_threads_.emplace_back([this, i, end] {
      producer_status_[i] = producer_workers_[i]->Run(end);
      producers_running_.fetch_sub(1);
    });
  }
  return Status::Ok();
}

RunCounters Run::Counters() const {
  RunCounters c;
  for (const auto& p : producers_) {
    c.produced_messages += p->acked();
    c.produced_bytes += p->acked_bytes();
  }
  for (const auto& k : consumers_) {
    c.consumed_messages += k->consumed();
    c.consumed_bytes += k->consumed_bytes();
  }
  return c;
}

std::map<std::string, int64_t> Run::LagByPartition() {
  std::map<std::string, int64_t> lag;
  for (const auto& [key, post] : board_.Snapshot())
    lag[partitions_->Name(key.second)] += post.lag();
  return lag;
}

void Run::FeedLagEvaluator() {
  for (const auto& [key, post] : board_.Drain()) {
    evaluator_.AddCommit(key.first, partitions_->Name(key.second), post.time_ms, post.position,
                         post.log_end);
  }
}

Status Run::CloseInterval(bool measuring, double elapsed_s, const std::string& phase) {
  const RunCounters counters = Counters();
  FeedLagEvaluator();
  const std::map<std::string, int64_t> lag = LagByPartition();
  KB_RETURN_IF_ERROR(metrics_->CloseInterval(elapsed_s, measuring, counters, lag));
  if (progress_) {
    const results::TimeSeries& ts = metrics_->timeseries();
    ProgressSample s;
    s.phase = phase;
    s.elapsed_s = elapsed_s;
    s.total_s = w_.TotalDurationS();
    s.produced_msgs_per_sec = ts.produced_msgs_per_sec.back();
    s.produced_mb_per_sec = ts.produced_mb_per_sec.back();
    s.consumed_msgs_per_sec = ts.consumed_msgs_per_sec.back();
    s.publish_p99_ms = ts.publish_p99_ms.back();
    s.e2e_p99_ms = ts.e2e_p99_ms.back();
    s.lag_messages = ts.lag_messages.back();
    for (const auto& p : producers_) s.errors += p->failed();
    progress_->Update(s);
  }
  return Status::Ok();
}

// Every subscription has consumed every message acknowledged on its topics (duplicates do not
// count).
bool Run::Drained() const {
  for (const auto& audit : audits_) {
    const AuditReport r = audit->Reconcile(0);
    if (r.total.lost > 0) return false;
  }
  return true;
}

void Run::Stop() {
  for (auto& w : producer_workers_) w->Stop();
  for (auto& t : producer_threads_) {
    if (t.joinable()) t.join();
  }
  for (auto& w : consumer_workers_) w->Stop();
  for (auto& t : consumer_threads_) {
    if (t.joinable()) t.join();
  }
  for (auto& c : consumers_) (void)c->Close();
}

Result<results::RunResult> Run::Execute() {
  KB_RETURN_IF_ERROR(Prepare());
  const int64_t start_wall_ms = WallMillis();
  start_mono_ = MonoNanos();
  Status st = StartConsumers();
  if (st.ok()) st = StartProducers();
  const int64_t interval_ns = o_.interval_ms * kNanosPerMs;
  int64_t next = start_mono_ + interval_ns;
  auto elapsed = [&] { return static_cast<double>(MonoNanos() - start_mono_) / 1e9; };
  // Warm-up and measurement: until every producer has finished its schedule.
  while (st.ok() && producers_running_.load() > 0) {
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
    next += interval_ns;
    const double t = elapsed();
    const bool measuring = t > w_.warmup_duration_s + 1e-3;
    st = CloseInterval(measuring, t, measuring ? "measure" : "warmup");
  }
  for (auto& thread : producer_threads_) {
    if (thread.joinable()) thread.join();
  }
  for (const Status& ps : producer_status_) {
    if (st.ok() && !ps.ok()) st = ps;
  }
  // Drain: acknowledgements first, then let consumers catch up, bounded by drainTimeoutSeconds.
  const int64_t drain_end = MonoNanos() + static_cast<int64_t>(w_.drain_timeout_s * 1e9);
  for (auto& p : producers_)
    (void)p->Flush(static_cast<int>(std::max<int64_t>(0, (drain_end - MonoNanos()) / kNanosPerMs)));
  while (st.ok() && MonoNanos() < drain_end && !Drained()) {
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
    next += interval_ns;
    st = CloseInterval(false, elapsed(), "drain");
  }
  Stop();
  if (st.ok()) st = CloseInterval(false, elapsed(), "done");
  if (progress_) progress_->Finish();
  Status finished = metrics_->Finish();
  KB_RETURN_IF_ERROR(st);
  KB_RETURN_IF_ERROR(finished);
  results::RunResult r = Assemble(start_wall_ms, WallMillis(), elapsed());
  if (!o_.output_json.empty()) KB_RETURN_IF_ERROR(results::WriteRunResultFile(r, o_.output_json));
  return r;
}

results::RunResult Run::Assemble(int64_t start_wall_ms, int64_t end_wall_ms, double elapsed_s) {
  results::RunResult r;
  r.kbench_version = std::string(BuildVersion());
  r.kbench_revision = std::string(BuildRevision());
  r.run.id = prefix_;
  r.run.started_at = IsoUtc(start_wall_ms);
  r.run.ended_at = IsoUtc(end_wall_ms);
  r.run.duration_s = elapsed_s;
  r.run.warmup_s = w_.warmup_duration_s;
  r.workload = WorkloadToJson(w_);
  r.target = {
      .kind = "external", .bootstrap = o_.bootstrap, .brokers = brokers_, .data_dir = o_.data_dir};
  r.environment = results::CaptureEnvironment(o_.data_dir.empty() ? "." : o_.data_dir);
  metrics_->FillResult(&r);
  results::Summary& s = r.summary;
  for (const auto& p : producers_) {
    s.audit.acked += p->acked();
    s.errors.produce += p->failed();
    for (const auto& [code, n] : p->errors_by_code()) s.errors.by_code[code] += n;
  }
  for (const auto& c : consumers_) {
    s.errors.consume += c->errors();
    for (const auto& [code, n] : c->errors_by_code()) s.errors.by_code[code] += n;
  }
  for (const auto& audit : audits_) {
    const AuditReport a = audit->Reconcile();
    s.audit.consumed += a.total.consumed;
    s.audit.lost += a.total.lost;
    s.audit.duplicated += a.total.duplicated;
    s.audit.out_of_order += a.total.out_of_order;
    s.audit.unacked_delivered += a.total.unacked_delivered;
  }
  s.audit.loss_allowed = LossAllowed(w_);
  if (w_.latency_slo.ms > 0) {
    const results::LatencySummary& l =
        w_.latency_slo.metric == SloMetric::kPublish ? s.publish_latency_ms : s.e2e_latency_ms;
    const std::optional<double> v = l.At(w_.latency_slo.percentile);
    s.slo = results::SloResult{w_.latency_slo.percentile, w_.latency_slo.ms,
                               v.has_value() && *v <= w_.latency_slo.ms};
  }
  s.topics = w_.topics;
  s.partitions = w_.TotalPartitions();
  s.brokers = brokers_;
  s.replication_factor = w_.replication_factor;
  s.producers = w_.TotalProducers();
  s.consumers = w_.TotalConsumers();
  for (const auto& [group, eval] : evaluator_.EvaluateAll(MonoMillis())) {
    results::LagGroupResult g;
    g.status = std::string(GroupLagStatusName(eval.status));
    for (const auto& [partition, status] : eval.partitions)
      g.partitions[partition] = std::string(PartitionLagStatusName(status));
    r.lag_status[group] = g;
  }
  return r;
}

}  // namespace

Result<results::RunResult> RunWorkload(const Workload& w, const RunnerOptions& options) {
  if (options.bootstrap.empty()) {
    return Status::Unsupported(
        "the embedded cluster is not in this build yet: give --bootstrap HOST:PORT");
  }
  KB_RETURN_IF_ERROR(CheckSupported(w));
  Run run(w, options);
  return run.Execute();
}

std::string VariantOutputPath(const std::string& output_json, const std::string& variant) {
  if (variant.empty() || output_json.empty()) return output_json;
  const std::string stem =
      output_json.ends_with(".json") ? output_json.substr(0, output_json.size() - 5) : output_json;
  return fmt::format("{}.{}.json", stem, variant);
}

}  // namespace kbench::harness
