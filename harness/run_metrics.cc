#include "harness/run_metrics.h"

#include <fmt/format.h>

#include <cmath>

namespace kbench::harness {
namespace {

constexpr Metric kMetrics[] = {Metric::kPublishLatency, Metric::kPublishDelay, Metric::kE2eLatency};

std::optional<double> P99Ms(const results::HdrHistogram& h) {
  if (h.empty()) return std::nullopt;
  return std::min(static_cast<double>(h.ValueAtPercentile(99.0)), static_cast<double>(h.Max())) /
         1e6;
}

results::Throughput MakeThroughput(int64_t messages, int64_t bytes, double seconds) {
  results::Throughput t;
  t.messages = messages;
  t.bytes = bytes;
  if (seconds > 0) {
    t.msgs_per_sec = static_cast<double>(messages) / seconds;
    t.mb_per_sec = static_cast<double>(bytes) / 1e6 / seconds;
  }
  return t;
}

}  // namespace

std::string_view MetricKey(Metric m) {
  switch (m) {
    case Metric::kPublishLatency:
      return "publish_latency";
    case Metric::kPublishDelay:
      return "publish_delay";
    case Metric::kE2eLatency:
      return "e2e_latency";
  }
  return "?";
}

RunMetrics::RunMetrics(const RunMetricsOptions& options) : options_(options) {
  for (auto& r : recorders_) r = std::make_unique<LatencyRecorderSet>();
  series_.interval_ms = options.interval_ms;
}

Result<std::unique_ptr<RunMetrics>> RunMetrics::Create(const RunMetricsOptions& options) {
  std::unique_ptr<RunMetrics> m(new RunMetrics(options));
  if (!options.hlog_base.empty()) {
    for (Metric metric : kMetrics) {
      const std::string path = fmt::format("{}.{}.hlog", options.hlog_base, MetricKey(metric));
      KB_ASSIGN_OR_RETURN(
          results::HdrLogWriter w,
          results::HdrLogWriter::Create(path, options.start_wall_ms, options.start_wall_ms,
                                        {fmt::format("kbench {} (ns)", MetricKey(metric))}));
      m->hlogs_[static_cast<int>(metric)].emplace(std::move(w));
    }
  }
  return m;
}

Status RunMetrics::CloseInterval(double t_s, bool measuring, const RunCounters& c,
                                 const std::map<std::string, int64_t>& lag_by_partition) {
  const double length_s = std::max(t_s - previous_t_s_, 1e-9);
  for (Metric metric : kMetrics) {
    const int i = static_cast<int>(metric);
    recorders_[i]->CollectInterval(&interval_[i]);
    if (measuring) KB_RETURN_IF_ERROR(measured_[i].Add(interval_[i]));
    if (hlogs_[i]) {
      const int64_t start_ms =
          options_.start_wall_ms + static_cast<int64_t>(std::llround(previous_t_s_ * 1000));
      KB_RETURN_IF_ERROR(hlogs_[i]->WriteInterval(
          interval_[i], start_ms, static_cast<int64_t>(std::llround(length_s * 1000)),
          MetricKey(metric)));
    }
  }
  const RunCounters d{c.produced_messages - previous_.produced_messages,
                      c.produced_bytes - previous_.produced_bytes,
                      c.consumed_messages - previous_.consumed_messages,
                      c.consumed_bytes - previous_.consumed_bytes};
  if (measuring) {
    if (measured_s_ == 0) series_.measure_start_s = previous_t_s_;
    measured_s_ += length_s;
    measured_counters_.produced_messages += d.produced_messages;
    measured_counters_.produced_bytes += d.produced_bytes;
    measured_counters_.consumed_messages += d.consumed_messages;
    measured_counters_.consumed_bytes += d.consumed_bytes;
  }
  series_.t_s.push_back(t_s);
  series_.produced_msgs_per_sec.push_back(static_cast<double>(d.produced_messages) / length_s);
  series_.produced_mb_per_sec.push_back(static_cast<double>(d.produced_bytes) / 1e6 / length_s);
  series_.consumed_msgs_per_sec.push_back(static_cast<double>(d.consumed_messages) / length_s);
  series_.consumed_mb_per_sec.push_back(static_cast<double>(d.consumed_bytes) / 1e6 / length_s);
  series_.publish_p99_ms.push_back(P99Ms(interval_[static_cast<int>(Metric::kPublishLatency)]));
  series_.e2e_p99_ms.push_back(P99Ms(interval_[static_cast<int>(Metric::kE2eLatency)]));
  // A partition missing from this report keeps its last known lag; one seen for the first time had
  // none.
  const size_t index = series_.t_s.size() - 1;
  for (const auto& [partition, lag] : lag_by_partition) {
    std::vector<int64_t>& column = series_.lag_by_partition[partition];
    column.resize(index, 0);
    column.push_back(lag);
  }
  int64_t total_lag = 0;
  for (auto& [partition, column] : series_.lag_by_partition) {
    column.resize(index + 1, column.empty() ? 0 : column.back());
    total_lag += column.back();
  }
  series_.lag_messages.push_back(total_lag);
  previous_ = c;
  previous_t_s_ = t_s;
  return Status::Ok();
}

Status RunMetrics::Finish() {
  Status first;
  for (auto& h : hlogs_) {
    if (h) {
      Status st = h->Close();
      if (first.ok() && !st.ok()) first = st;
    }
  }
  return first;
}

void RunMetrics::FillResult(results::RunResult* r) const {
  r->timeseries = series_;
  results::Summary& s = r->summary;
  s.publish_latency_ms = results::SummarizeLatencyNs(measured(Metric::kPublishLatency));
  s.publish_delay_ms = results::SummarizeLatencyNs(measured(Metric::kPublishDelay));
  s.e2e_latency_ms = results::SummarizeLatencyNs(measured(Metric::kE2eLatency));
  s.produced = MakeThroughput(measured_counters_.produced_messages,
                              measured_counters_.produced_bytes, measured_s_);
  s.consumed = MakeThroughput(measured_counters_.consumed_messages,
                              measured_counters_.consumed_bytes, measured_s_);
  for (Metric metric : kMetrics) {
    r->histograms[std::string(MetricKey(metric))] =
        results::EncodedHistogram::From(measured(metric));
  }
  r->run.measure_s = measured_s_;
}

}  // namespace kbench::harness
