#include "harness/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "core/base/build_info.h"
#include "core/base/clock.h"
#include "harness/consumer_worker.h"
#include "harness/direct_driver.h"
#include "harness/durability_audit.h"
#include "harness/embedded_driver.h"
#include "harness/kafka_driver.h"
#include "harness/lag_evaluator.h"
#include "harness/max_rate_search.h"
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

// What the runner cannot do, before anything starts.
Status CheckSupported(const Workload& w) {
  if (w.consumer_backlog_size_gb > 0 &&
      (w.producer_rate <= 0 || w.rate_shape == RateShape::kSteps)) {
    return Status::InvalidArgument(
        "consumerBacklogSizeGB needs a fixed producerRate (constant or poisson) to build the "
        "backlog at");
  }
  return Status::Ok();
}

std::string RunId(const Workload& w, const RunnerOptions& o) {
  return o.topic_prefix.empty()
             ? fmt::format("kbench-{}{}-{}", w.name, w.variant.empty() ? "" : "-" + w.variant,
                           RandomSuffix())
             : o.topic_prefix;
}

Result<std::unique_ptr<Driver>> MakeDriver(const Workload& w, const RunnerOptions& o,
                                           const std::string& run_id) {
  if (o.driver == DriverKind::kDirect) {
    KB_ASSIGN_OR_RETURN(
        auto direct, DirectDriver::Create(
                         w, {.data_dir = o.data_dir, .run_id = run_id, .keep_data = o.keep_data}));
    return std::unique_ptr<Driver>(std::move(direct));
  }
  if (o.bootstrap.empty()) {
    KB_ASSIGN_OR_RETURN(auto embedded, EmbeddedDriver::Create(w, {.data_dir = o.data_dir,
                                                                  .run_id = run_id,
                                                                  .keep_data = o.keep_data}));
    return std::unique_ptr<Driver>(std::move(embedded));
  }
  if (!w.faults.empty()) {
    return Status::InvalidArgument(fmt::format(
        "{}: the profile has a fault schedule ({} events), which kbench executes only on its "
        "embedded cluster: with --bootstrap it cannot crash, pause or isolate the brokers. Run "
        "without --bootstrap, or use a profile without `faults`",
        w.source_file.empty() ? w.name : w.source_file, w.faults.size()));
  }
  return std::unique_ptr<Driver>(std::make_unique<KafkaDriver>(KafkaDriverOptions{
      .bootstrap = o.bootstrap, .create_topics = o.create_topics, .data_dir = o.data_dir}));
}

// Everything one run owns; threads borrow from it.
class Run {
 public:
  Run(const Workload& w, const RunnerOptions& o, std::unique_ptr<Driver> driver, std::string run_id)
      : w_(w), o_(o), driver_(std::move(driver)), prefix_(std::move(run_id)) {}
  Result<results::RunResult> Execute();

 private:
  Status Prepare();
  Status StartConsumers();
  Status CreateProducers();
  // One phase of producing: every producer follows the workload's schedule (at total_rate when
  // given) from now for duration_s. The collector closes intervals meanwhile, on a grid that
  // starts with the phase, with a boundary at measure_from_s (seconds into the phase; intervals
  // from there on belong to the measurement; kNever: none do) and one at the phase's end; `step`
  // (optional) accumulates the SLO metric after `settle_s`.
  struct StepAccumulator {
    double settle_s = 0;
    results::HdrHistogram slo_metric;
    int64_t acked_at_settle = -1, lag_at_settle = 0;
    double settle_t = 0;
  };
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  Status RunPhase(std::optional<double> total_rate, double duration_s, const std::string& name,
                  double measure_from_s, StepAccumulator* step);
  void StartProducers(std::optional<double> total_rate, int64_t phase_start, int64_t phase_end);
  // When the collector closes the next interval: the next grid point, the measurement's start or
  // the phase's end; past the end, the next grid point while producers still send; nullopt once
  // they are done.
  std::optional<int64_t> NextIntervalEnd(int64_t interval_start, int64_t phase_end,
                                         int64_t measure_from);
  Status AccumulateStep(StepAccumulator* step, double t, double in_phase);
  // Joins the producer threads; the first of `st` and their statuses that failed.
  Status JoinProducers(Status st);
  Status SearchMaxRate(double* found);
  // consumerBacklogSizeGB: producers at the profile's rate with the consumers paused until the
  // backlog is written and acknowledged, the page cache evicted when asked, consumers resumed.
  Status BuildBacklog();
  // Times the catch-up every 10 ms on its own thread, from the consumers' resumption until they
  // delivered the backlog's worth of messages (or the run stops).
  void WatchCatchUp();
  int64_t TotalAcked() const;
  RunCounters Counters() const;
  std::map<std::string, int64_t> LagByPartition();
  void FeedLagEvaluator();
  Status CloseInterval(bool measuring, double elapsed_s, const std::string& phase);
  bool Drained() const;
  std::vector<AuditReport> ReconcileAudits();
  void Stop();
  // Destroys the clients and closes the driver (idempotent).
  Status Release();
  results::RunResult Assemble(int64_t start_wall_ms, int64_t end_wall_ms, double elapsed_s);

  const Workload& w_;
  const RunnerOptions& o_;
  std::unique_ptr<Driver> driver_;
  std::string prefix_;
  std::unique_ptr<PartitionIndex> partitions_;
  ClockMapping clock_;
  std::vector<std::unique_ptr<DurabilityAudit>> audits_;  // one per subscription slot
  std::unique_ptr<RunMetrics> metrics_;
  LagBoard board_;
  LagEvaluator evaluator_;
  std::vector<std::unique_ptr<ConsumerClient>> consumers_;
  std::vector<std::unique_ptr<ConsumerWorker>> consumer_workers_;
  std::vector<std::thread> consumer_threads_;
  std::vector<std::unique_ptr<ProducerClient>> producers_;
  std::vector<std::unique_ptr<ProducerWorker>> producer_workers_;
  std::vector<std::thread> producer_threads_;
  std::vector<int32_t> producer_topic_;
  std::atomic<int> producers_running_{0};
  std::vector<Status> producer_status_;
  int64_t next_interval_ = 0;
  std::optional<results::MaxRateResult> max_rate_;
  std::optional<results::BacklogResult> backlog_;
  double backlog_s_ = 0;            // the backlog phase's length (planned, then as it went)
  int64_t backlog_deliveries_ = 0;  // deliveries that read the whole backlog once per subscription
  int64_t consumed_at_resume_ = 0;
  std::thread catch_up_thread_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<ProgressLine> progress_;
  int64_t start_mono_ = 0;
};

Status Run::Prepare() {
  if (o_.progress != nullptr) {
    for (const std::string& note : driver_->notes()) fmt::print(o_.progress, "note: {}\n", note);
  }
  TopicSpec spec;
  for (int32_t t = 0; t < w_.topics; ++t) spec.names.push_back(fmt::format("{}-{}", prefix_, t));
  spec.partitions = w_.partitions_per_topic;
  spec.replication_factor = w_.replication_factor;
  spec.config = w_.topic_config;
  KB_RETURN_IF_ERROR(driver_->PrepareTopics(spec));
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
        ConsumerClientOptions co;
        co.group = group;
        co.topic = t;
        co.member = c;
        co.members = w_.consumer_per_subscription;
        co.config = w_.consumer_config;
        co.partitions = partitions_.get();
        co.audit = audits_[static_cast<size_t>(s)].get();
        co.e2e_latency = metrics_->recorders(Metric::kE2eLatency).NewRecorder();
        co.clock = &clock_;
        co.processing_delay_ms = w_.consumer_processing_delay_ms;
        KB_ASSIGN_OR_RETURN(auto consumer, driver_->NewConsumer(co));
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
    if (w_.consumer_backlog_size_gb > 0) worker->SetPaused(true);  // from their first poll
    consumer_threads_.emplace_back([w = worker.get()] { w->Run(INT64_MAX); });
  }
  return Status::Ok();
}

Status Run::CreateProducers() {
  uint32_t id = 0;
  for (int32_t t = 0; t < w_.topics; ++t) {
    std::vector<DurabilityAudit*> audits;
    for (int32_t s = 0; s < w_.SubscriptionsForTopic(t); ++s)
      audits.push_back(audits_[static_cast<size_t>(s)].get());
    for (int32_t p = 0; p < w_.producers_per_topic; ++p, ++id) {
      ProducerClientOptions po;
      po.config = w_.producer_config;
      po.producer_id = id;
      po.topic = t;
      po.partitions = partitions_.get();
      po.audits = audits;
      po.publish_latency = metrics_->recorders(Metric::kPublishLatency).NewRecorder();
      po.clock = &clock_;
      KB_ASSIGN_OR_RETURN(auto producer, driver_->NewProducer(po));
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
  return Status::Ok();
}

int64_t Run::TotalAcked() const {
  int64_t n = 0;
  for (const auto& p : producers_) n += p->acked();
  return n;
}

void Run::StartProducers(std::optional<double> total_rate, int64_t phase_start, int64_t phase_end) {
  // Every phase's schedule starts with the phase, so schedule and end agree.
  Workload at_rate = w_;
  if (total_rate) {
    at_rate.producer_rate = static_cast<int64_t>(*total_rate);
    if (at_rate.rate_shape == RateShape::kSteps) at_rate.rate_shape = RateShape::kConstant;
  }
  for (size_t i = 0; i < producer_workers_.size(); ++i) {
    producer_workers_[i]->Reschedule(ProducerSchedule(at_rate, static_cast<uint32_t>(i)),
                                     phase_start);
  }
  producer_status_.assign(producer_workers_.size(), Status::Ok());
  producer_threads_.clear();
  producers_running_ = static_cast<int>(producer_workers_.size());
  for (size_t i = 0; i < producer_workers_.size(); ++i) {
    producer_threads_.emplace_back([this, i, phase_end] {
      producer_status_[i] = producer_workers_[i]->Run(phase_end);
      producers_running_.fetch_sub(1);
    });
  }
}

std::optional<int64_t> Run::NextIntervalEnd(int64_t interval_start, int64_t phase_end,
                                            int64_t measure_from) {
  if (MonoNanos() < phase_end) {
    int64_t end = std::min(next_interval_, phase_end);
    if (measure_from > interval_start && measure_from < end) end = measure_from;
    return end;
  }
  // The schedule is over: wait for the producers (a lingering batch, late sends of a producer that
  // fell behind), closing intervals on the grid while they are still at it.
  while (producers_running_.load() > 0 && MonoNanos() < next_interval_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (producers_running_.load() == 0) return std::nullopt;
  return next_interval_;
}

Status Run::AccumulateStep(StepAccumulator* step, double t, double in_phase) {
  if (step == nullptr || in_phase < step->settle_s) return Status::Ok();
  if (step->acked_at_settle < 0) {
    step->acked_at_settle = TotalAcked();
    step->lag_at_settle = metrics_->timeseries().lag_messages.back();
    step->settle_t = t;
    return Status::Ok();
  }
  const Metric m =
      w_.latency_slo.metric == SloMetric::kPublish ? Metric::kPublishLatency : Metric::kE2eLatency;
  return step->slo_metric.Add(metrics_->last_interval(m));
}

Status Run::JoinProducers(Status st) {
  for (auto& thread : producer_threads_) {
    if (thread.joinable()) thread.join();
  }
  for (const Status& ps : producer_status_) {
    if (st.ok() && !ps.ok()) st = ps;
  }
  return st;
}

Status Run::RunPhase(std::optional<double> total_rate, double duration_s, const std::string& name,
                     double measure_from_s, StepAccumulator* step) {
  const int64_t phase_start = MonoNanos();
  const int64_t phase_end = phase_start + static_cast<int64_t>(duration_s * 1e9);
  const int64_t measure_from = measure_from_s < duration_s
                                   ? phase_start + static_cast<int64_t>(measure_from_s * 1e9)
                                   : INT64_MAX;
  StartProducers(total_rate, phase_start, phase_end);
  // Each phase's intervals start with it and its last one ends with it, so a phase's intervals
  // hold only its own time (a measured rate is not diluted by the next phase).
  const int64_t interval_ns = o_.interval_ms * kNanosPerMs;
  next_interval_ = phase_start + interval_ns;
  Status st;
  int64_t interval_start = phase_start;
  while (st.ok()) {
    const std::optional<int64_t> end = NextIntervalEnd(interval_start, phase_end, measure_from);
    if (!end) break;
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(*end)));
    if (*end == next_interval_) next_interval_ += interval_ns;
    const double t = static_cast<double>(MonoNanos() - start_mono_) / 1e9;
    st = CloseInterval(interval_start >= measure_from, t, name);
    interval_start = *end;
    const double in_phase = static_cast<double>(MonoNanos() - phase_start) / 1e9;
    if (st.ok()) st = AccumulateStep(step, t, in_phase);
  }
  return JoinProducers(st);
}

// Holds each probed rate for stepSeconds (the first fifth settles and is not judged).
Status Run::SearchMaxRate(double* found) {
  const MaxRateSearch& cfg = w_.max_rate_search;
  MaxRateSearcher searcher(cfg, w_.latency_slo);
  results::MaxRateResult result;
  result.slo_percentile = w_.latency_slo.percentile;
  result.slo_ms = w_.latency_slo.ms;
  while (auto rate = searcher.NextRate()) {
    StepAccumulator acc;
    acc.settle_s = cfg.step_seconds / 5;
    KB_RETURN_IF_ERROR(
        RunPhase(*rate, cfg.step_seconds, fmt::format("max-rate {:.0f}/s", *rate), kNever, &acc));
    const double t = static_cast<double>(MonoNanos() - start_mono_) / 1e9;
    MaxRateStepResult step;
    step.target_rate = *rate;
    const double judged_s = std::max(t - acc.settle_t, 1e-3);
    step.achieved_rate = acc.acked_at_settle < 0
                             ? 0
                             : static_cast<double>(TotalAcked() - acc.acked_at_settle) / judged_s;
    if (!acc.slo_metric.empty()) {
      step.percentile_ms = static_cast<double>(std::min(
                               acc.slo_metric.ValueAtPercentile(w_.latency_slo.percentile_value),
                               acc.slo_metric.Max())) /
                           1e6;
    }
    step.backlog_growth = metrics_->timeseries().lag_messages.back() - acc.lag_at_settle;
    searcher.Report(step);
    const MaxRateStepResult& judged = searcher.steps().back();
    results::MaxRateStep out;
    out.target_msgs_per_sec = judged.target_rate;
    out.achieved_msgs_per_sec = judged.achieved_rate;
    if (!acc.slo_metric.empty())
      out.p99_ms = static_cast<double>(acc.slo_metric.ValueAtPercentile(99.0)) / 1e6;
    out.backlog_growth_msgs = judged.backlog_growth;
    out.held = judged.held;
    result.steps.push_back(out);
  }
  *found = searcher.found();
  result.found_msgs_per_sec = *found;
  result.found_mb_per_sec = *found * w_.message_size.MeanSize() / 1e6;
  max_rate_ = result;
  return Status::Ok();
}

Status Run::BuildBacklog() {
  results::BacklogResult b;
  b.target_bytes = static_cast<int64_t>(w_.consumer_backlog_size_gb * double(int64_t{1} << 30));
  // Open loop at the profile's rate: the schedule holds exactly the messages the backlog needs.
  const double messages =
      std::ceil(static_cast<double>(b.target_bytes) / w_.message_size.MeanSize());
  const double duration_s = std::max(messages / static_cast<double>(w_.producer_rate), 0.001);
  const RunCounters before = Counters();
  const int64_t start = MonoNanos();
  backlog_s_ = duration_s;
  KB_RETURN_IF_ERROR(RunPhase(std::nullopt, duration_s, "backlog", kNever, nullptr));
  // Everything acknowledged (so it is in the logs) before the page cache is dropped.
  for (auto& p : producers_) {
    const Status flushed = p->Flush(static_cast<int>(std::max(60.0, duration_s) * 1000));
    if (!flushed.ok() && flushed.code() != StatusCode::kTimedOut) return flushed;
  }
  const RunCounters after = Counters();
  b.built_messages = after.produced_messages - before.produced_messages;
  b.built_bytes = after.produced_bytes - before.produced_bytes;
  b.build_s = static_cast<double>(MonoNanos() - start) / 1e9;
  for (size_t i = 0; i < producers_.size(); ++i) {
    backlog_deliveries_ += w_.SubscriptionsForTopic(producer_topic_[i]) * producers_[i]->acked();
  }
  if (w_.backlog_page_cache == BacklogPageCache::kEvict) {
    Result<PageCacheEviction> evicted = driver_->EvictPageCache();
    if (evicted.ok()) {
      b.page_cache = "evicted";
      b.evicted_files = evicted->files;
      b.evicted_bytes = evicted->bytes;
      b.resident_bytes_before = evicted->resident_before;
      b.resident_bytes_after = evicted->resident_after;
    } else if (evicted.status().code() == StatusCode::kUnsupported) {
      b.page_cache = fmt::format("not evicted: {}", evicted.status().message());
      if (o_.progress != nullptr) fmt::print(o_.progress, "note: {}\n", b.page_cache);
    } else {
      return evicted.status().WithContext("evicting the backlog from the page cache");
    }
  }
  b.resumed_at_s = static_cast<double>(MonoNanos() - start_mono_) / 1e9;
  backlog_s_ = b.resumed_at_s;
  consumed_at_resume_ = Counters().consumed_messages;
  backlog_ = b;
  for (auto& worker : consumer_workers_) worker->SetPaused(false);
  catch_up_thread_ = std::thread([this] { WatchCatchUp(); });
  return Status::Ok();
}

// Caught up once the consumers delivered, since they were resumed, as many messages as the backlog
// held for all their subscriptions (they read each partition in offset order, backlog first).
void Run::WatchCatchUp() {
  const int64_t resumed = MonoNanos();
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (Counters().consumed_messages - consumed_at_resume_ >= backlog_deliveries_) {
      const double s = std::max(static_cast<double>(MonoNanos() - resumed) / 1e9, 1e-3);
      const double per_message = backlog_->built_messages > 0
                                     ? static_cast<double>(backlog_->built_bytes) /
                                           static_cast<double>(backlog_->built_messages)
                                     : 0;
      backlog_->catch_up_s = s;
      backlog_->catch_up_mb_per_sec =
          static_cast<double>(backlog_deliveries_) * per_message / s / 1e6;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
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
  for (const auto& audit : audits_) audit->PruneConsumedOffsets();
  const RunCounters counters = Counters();
  FeedLagEvaluator();
  const std::map<std::string, int64_t> lag = LagByPartition();
  KB_RETURN_IF_ERROR(metrics_->CloseInterval(elapsed_s, measuring, counters, lag));
  if (progress_) {
    const results::TimeSeries& ts = metrics_->timeseries();
    ProgressSample s;
    s.phase = phase == "run" ? (measuring ? "measure" : "warmup") : phase;
    s.elapsed_s = elapsed_s;
    s.total_s = w_.TotalDurationS() + backlog_s_;  // the backlog phase comes first
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
    if (audit->Outstanding() > 0) return false;
  }
  return true;
}

// The verdict: messages acknowledged and not consumed are lost or still unconsumed depending on
// where the consumers stopped and what the logs hold now, so the driver is asked about the
// partitions that have any.
std::vector<AuditReport> Run::ReconcileAudits() {
  std::vector<AuditReport> reports;
  std::vector<uint32_t> outstanding;
  for (const auto& audit : audits_) {
    reports.push_back(audit->Reconcile());
    for (const auto& [partition, c] : reports.back().by_partition) {
      if (c.lost + c.unconsumed > 0) outstanding.push_back(partition);
    }
  }
  if (outstanding.empty()) return reports;
  std::sort(outstanding.begin(), outstanding.end());
  outstanding.erase(std::unique(outstanding.begin(), outstanding.end()), outstanding.end());
  const PartitionLogRanges ends = driver_->LogRanges(outstanding, *partitions_);
  for (size_t i = 0; i < audits_.size(); ++i) reports[i] = audits_[i]->Reconcile(ends);
  return reports;
}

void Run::Stop() {
  stopping_ = true;
  if (catch_up_thread_.joinable()) catch_up_thread_.join();
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

Status Run::Release() {
  producer_workers_.clear();
  consumer_workers_.clear();
  producers_.clear();
  consumers_.clear();
  return driver_ ? driver_->Close() : Status::Ok();
}

Result<results::RunResult> Run::Execute() {
  if (Status prepared = Prepare(); !prepared.ok()) {
    (void)Release();
    return prepared;
  }
  const int64_t start_wall_ms = WallMillis();
  start_mono_ = MonoNanos();
  next_interval_ = start_mono_ + o_.interval_ms * kNanosPerMs;
  driver_->RunStarted(start_mono_);
  auto elapsed = [&] { return static_cast<double>(MonoNanos() - start_mono_) / 1e9; };
  Status st = StartConsumers();
  if (st.ok()) st = CreateProducers();
  if (st.ok() && w_.consumer_backlog_size_gb > 0) st = BuildBacklog();
  const double warmup = w_.warmup_duration_s;
  if (st.ok() && w_.producer_rate == 0 && w_.rate_shape != RateShape::kSteps) {
    // Max-rate mode: warm up at the floor, search, then measure at the rate found (the floor if
    // none held).
    const double floor_rate = w_.max_rate_search.min_rate;
    if (warmup > 0) st = RunPhase(floor_rate, warmup, "warmup", kNever, nullptr);
    double found = 0;
    if (st.ok()) st = SearchMaxRate(&found);
    if (st.ok())
      st = RunPhase(found > 0 ? found : floor_rate, w_.test_duration_s, "measure", 0, nullptr);
  } else if (st.ok()) {
    // The workload's own schedule from the start: warm-up, then measurement.
    st = RunPhase(std::nullopt, w_.TotalDurationS(), "run", warmup, nullptr);
  }
  // Drain: acknowledgements first, then let consumers catch up, bounded by drainTimeoutSeconds.
  const int64_t drain_end = MonoNanos() + static_cast<int64_t>(w_.drain_timeout_s * 1e9);
  for (auto& p : producers_) {
    // A timeout leaves messages unacknowledged (the audit says so); any other error is the run's.
    const Status flushed =
        p->Flush(static_cast<int>(std::max<int64_t>(0, (drain_end - MonoNanos()) / kNanosPerMs)));
    if (st.ok() && !flushed.ok() && flushed.code() != StatusCode::kTimedOut) st = flushed;
  }
  // Checked every 20 ms, so a short run ends as soon as its consumers are done; intervals stay on
  // the grid meanwhile.
  while (st.ok() && MonoNanos() < drain_end && !Drained()) {
    const int64_t wake = std::min({next_interval_, drain_end, MonoNanos() + 20 * kNanosPerMs});
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(wake)));
    if (MonoNanos() >= next_interval_) {
      next_interval_ += o_.interval_ms * kNanosPerMs;
      st = CloseInterval(false, elapsed(), "drain");
    }
  }
  Stop();
  if (st.ok()) st = CloseInterval(false, elapsed(), "done");
  if (progress_) progress_->Finish();
  Status finished = metrics_->Finish();
  if (!st.ok() || !finished.ok()) {
    (void)Release();
    return !st.ok() ? st : finished;
  }
  results::RunResult r = Assemble(start_wall_ms, WallMillis(), elapsed());
  const Status released = Release();
  if (!o_.output_json.empty()) KB_RETURN_IF_ERROR(results::WriteRunResultFile(r, o_.output_json));
  KB_RETURN_IF_ERROR(released);
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
  for (const AuditReport& a : ReconcileAudits()) {
    s.audit.consumed += a.total.consumed;
    s.audit.lost += a.total.lost;
    s.audit.unconsumed += a.total.unconsumed;
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
  r.max_rate = max_rate_;
  r.backlog = backlog_;
  driver_->FillResult(w_, &r);  // target, brokers and what the driver does differently
  return r;
}

}  // namespace

Result<results::RunResult> RunWorkload(const Workload& w, const RunnerOptions& options) {
  KB_RETURN_IF_ERROR(CheckSupported(w));
  const std::string run_id = RunId(w, options);
  KB_ASSIGN_OR_RETURN(std::unique_ptr<Driver> driver, MakeDriver(w, options, run_id));
  Run run(w, options, std::move(driver), run_id);
  return run.Execute();
}

Result<results::RunResult> RunWorkloadWith(const Workload& w, const RunnerOptions& options,
                                           std::unique_ptr<Driver> driver) {
  if (!driver) return Status::InvalidArgument("RunWorkloadWith needs a driver");
  if (Status supported = CheckSupported(w); !supported.ok()) {
    (void)driver->Close();
    return supported;
  }
  Run run(w, options, std::move(driver), RunId(w, options));
  return run.Execute();
}

std::string VariantOutputPath(const std::string& output_json, const std::string& variant) {
  if (variant.empty() || output_json.empty()) return output_json;
  const std::string stem =
      output_json.ends_with(".json") ? output_json.substr(0, output_json.size() - 5) : output_json;
  return fmt::format("{}.{}.json", stem, variant);
}

}  // namespace kbench::harness
