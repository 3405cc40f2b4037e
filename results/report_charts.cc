#include "results/report_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "results/metric_catalog.h"
#include "results/number_format.h"
#include "results/percentile_spectrum.h"
#include "results/sample_stats.h"

namespace kbench::results {
namespace {

constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#999933"};

std::vector<std::optional<double>> Optional(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}
std::vector<std::optional<double>> Optional(const std::vector<int64_t>& v) {
  std::vector<std::optional<double>> out;
  for (int64_t x : v) out.push_back(static_cast<double>(x));
  return out;
}

// A time series of run i; the x axis is t_s (both trimmed to the shorter).
ChartSeries TimeSeriesOf(const ReportRun& r, size_t i, std::string key, std::string what,
                         std::vector<std::optional<double>> y, bool dashed) {
  ChartSeries s;
  s.key = std::move(key);
  s.label = fmt::format("#{} {} {}", i + 1, r.Label(), what);
  s.color = RunColor(i);
  s.dash = dashed ? "6 4" : "";
  s.run = static_cast<int>(i);
  s.x = r.result.timeseries.t_s;
  y.resize(std::min(y.size(), s.x.size()));
  s.x.resize(y.size());
  s.y = std::move(y);
  return s;
}

// Faults, unavailability windows and the start of measurement of every run.
void AddFaultTimeline(const std::vector<ReportRun>& runs, LineChart* c) {
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunResult& r = runs[i].result;
    const std::string color = RunColor(i);
    const int run = static_cast<int>(i);
    if (r.timeseries.measure_start_s > 0) {
      c->markers.push_back({r.timeseries.measure_start_s,
                            fmt::format("#{} measurement starts", i + 1), "measure-start", false,
                            color, run});
    }
    for (const FaultRecord& f : r.faults) {
      c->markers.push_back(
          {f.t_s,
           fmt::format("#{} {} broker {}{}", i + 1, f.action, f.broker, f.ok ? "" : " (failed)"),
           "fault", true, color, run});
    }
    for (const UnavailabilityWindow& u : r.unavailability) {
      c->bands.push_back({u.from_s, u.to_s,
                          fmt::format("#{} {} unavailable {}-{} s", i + 1, u.partition,
                                      FormatNumber(u.from_s), FormatNumber(u.to_s)),
                          "unavailability", color, run});
    }
  }
}

LineChart TimeChart(std::string id, std::string title, std::string y_label) {
  LineChart c;
  c.id = "chart-" + id;
  c.kind = std::move(id);
  c.title = std::move(title);
  c.x_label = "time since start (s; warm-up included)";
  c.x_min = 0;
  c.y_label = std::move(y_label);
  return c;
}

bool AnyTimeSeries(const std::vector<ReportRun>& runs) {
  return std::any_of(runs.begin(), runs.end(),
                     [](const ReportRun& r) { return !r.result.timeseries.t_s.empty(); });
}

}  // namespace

std::string ReportRun::Label() const {
  const std::string name = std::filesystem::path(source).filename().string();
  return name.empty() ? source : name;
}

std::string RunColor(size_t index) { return kPalette[index % std::size(kPalette)]; }

Result<std::vector<LineChart>> SpectrumCharts(const std::vector<ReportRun>& runs) {
  std::vector<LineChart> charts;
  for (const char* key : kSpectrumKeys) {
    LineChart c;
    c.id = fmt::format("chart-spectrum-{}", key);
    c.kind = "spectrum";
    c.title = fmt::format("{} percentile spectrum", key);
    c.x_label = "percentile";
    c.y_label = "latency (ms)";
    double x_max = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      auto it = runs[i].result.histograms.find(key);
      if (it == runs[i].result.histograms.end()) continue;
      auto h = it->second.Decode();
      if (!h.ok()) {
        return Status::InvalidArgument(
            fmt::format("{}: histograms.{}: {}", runs[i].source, key, h.status().message()));
      }
      ChartSeries s;
      s.key = key;
      s.label = fmt::format("#{} {} ({} samples)", i + 1, runs[i].Label(), h->TotalCount());
      s.color = RunColor(i);
      s.run = static_cast<int>(i);
      for (const SpectrumPoint& p : PercentileSpectrum(*h)) {
        s.x.push_back(p.x);
        s.y.push_back(p.value_ms);
        x_max = std::max(x_max, p.x);
      }
      c.series.push_back(std::move(s));
    }
    if (c.series.empty()) continue;
    const int decades = std::max(1, static_cast<int>(std::ceil(x_max - 1e-9)));
    for (int d = 0; d <= decades; ++d)
      c.x_ticks.push_back({static_cast<double>(d), DecadeLabel(d)});
    c.x_min = 0;
    c.x_max = decades;
    charts.push_back(std::move(c));
  }
  return charts;
}

std::optional<LineChart> ThroughputChart(const std::vector<ReportRun>& runs) {
  if (!AnyTimeSeries(runs)) return std::nullopt;
  LineChart c = TimeChart("throughput", "throughput over time", "msgs/s");
  for (size_t i = 0; i < runs.size(); ++i) {
    const TimeSeries& t = runs[i].result.timeseries;
    if (t.t_s.empty()) continue;
    c.series.push_back(TimeSeriesOf(runs[i], i, "produced_msgs_per_sec", "produced",
                                    Optional(t.produced_msgs_per_sec), false));
    c.series.push_back(TimeSeriesOf(runs[i], i, "consumed_msgs_per_sec", "consumed",
                                    Optional(t.consumed_msgs_per_sec), true));
  }
  AddFaultTimeline(runs, &c);
  return c;
}

std::optional<LineChart> LatencyTimeChart(const std::vector<ReportRun>& runs) {
  if (!AnyTimeSeries(runs)) return std::nullopt;
  LineChart c = TimeChart("latency-time", "p99 latency per interval", "latency (ms)");
  for (size_t i = 0; i < runs.size(); ++i) {
    const TimeSeries& t = runs[i].result.timeseries;
    if (t.t_s.empty()) continue;
    c.series.push_back(
        TimeSeriesOf(runs[i], i, "publish_p99_ms", "publish p99", t.publish_p99_ms, false));
    c.series.push_back(
        TimeSeriesOf(runs[i], i, "e2e_p99_ms", "end-to-end p99", t.e2e_p99_ms, true));
  }
  AddFaultTimeline(runs, &c);
  return c;
}

std::optional<LineChart> LagChart(const std::vector<ReportRun>& runs) {
  LineChart c = TimeChart("lag", "consumer lag over time", "lag (messages)");
  for (size_t i = 0; i < runs.size(); ++i) {
    const TimeSeries& t = runs[i].result.timeseries;
    if (t.t_s.empty() || t.lag_messages.empty()) continue;
    c.series.push_back(
        TimeSeriesOf(runs[i], i, "lag_messages", "lag", Optional(t.lag_messages), false));
  }
  if (c.series.empty()) return std::nullopt;
  AddFaultTimeline(runs, &c);
  return c;
}

std::optional<LineChart> MaxRateChart(const std::vector<ReportRun>& runs) {
  LineChart c;
  c.id = "chart-max-rate";
  c.kind = "max-rate";
  c.title = "maximum-rate search: p99 against the achieved rate";
  c.x_label = "achieved msgs/s";
  c.y_label = "p99 (ms)";
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].result.max_rate) continue;
    std::vector<MaxRateStep> steps = runs[i].result.max_rate->steps;
    std::sort(steps.begin(), steps.end(), [](const MaxRateStep& a, const MaxRateStep& b) {
      return a.target_msgs_per_sec < b.target_msgs_per_sec;
    });
    ChartSeries s;
    s.key = "max_rate_p99";
    s.label = fmt::format("#{} {} (found {} msgs/s)", i + 1, runs[i].Label(),
                          FormatNumber(runs[i].result.max_rate->found_msgs_per_sec));
    s.color = RunColor(i);
    s.run = static_cast<int>(i);
    s.markers = true;
    for (const MaxRateStep& st : steps) {
      s.x.push_back(st.achieved_msgs_per_sec);
      s.y.push_back(st.p99_ms);
    }
    c.series.push_back(std::move(s));
  }
  if (c.series.empty()) return std::nullopt;
  return c;
}

const std::vector<TrendGroup>& TrendGroups() {
  static const std::vector<TrendGroup> groups = {
      {"throughput", "throughput", "msgs/s", {"produced.msgs_per_sec", "consumed.msgs_per_sec"}},
      {"publish-latency",
       "publish latency",
       "ms",
       {"publish_latency_ms.p50", "publish_latency_ms.p99", "publish_latency_ms.p999"}},
      {"e2e-latency",
       "end-to-end latency",
       "ms",
       {"e2e_latency_ms.p50", "e2e_latency_ms.p99", "e2e_latency_ms.p999"}},
      {"loss-errors",
       "loss, duplicates and errors",
       "count",
       {"audit.lost", "audit.duplicated", "errors.produce", "errors.consume"}},
  };
  return groups;
}

std::vector<LineChart> TrendCharts(const History& h, const std::string& profile) {
  std::vector<AxisTick> ticks;
  const size_t every = std::max<size_t>(1, h.entries.size() / 8);
  for (size_t e = 0; e < h.entries.size(); e += every)
    ticks.push_back({static_cast<double>(e), h.entries[e].name.substr(0, 15)});
  std::vector<LineChart> charts;
  for (const TrendGroup& g : TrendGroups()) {
    LineChart c;
    c.id = fmt::format("chart-trend-{}-{}", profile, g.key);
    c.kind = "trend";
    c.title = fmt::format("{}: {} (median per night)", profile, g.title);
    c.x_label = "nightly run (history entry)";
    c.y_label = g.unit;
    c.x_ticks = ticks;
    c.x_min = -0.5;
    c.x_max = static_cast<double>(std::max<size_t>(h.entries.size(), 1)) - 0.5;
    for (size_t m = 0; m < g.metric_ids.size(); ++m) {
      const MetricDef* def = FindMetric(g.metric_ids[m]);
      ChartSeries s;
      s.key = g.metric_ids[m];
      s.label = std::string(def->label);
      s.color = RunColor(m);
      s.markers = true;
      for (size_t e = 0; e < h.entries.size(); ++e) {
        auto it = h.entries[e].profiles.find(profile);
        std::vector<double> values;
        if (it != h.entries[e].profiles.end()) {
          for (const SummaryDocument& d : it->second)
            if (auto v = def->get(d.summary)) values.push_back(*v);
        }
        s.x.push_back(static_cast<double>(e));
        s.y.push_back(values.empty() ? std::nullopt : std::optional<double>(Median(values)));
      }
      c.series.push_back(std::move(s));
    }
    charts.push_back(std::move(c));
  }
  return charts;
}

}  // namespace kbench::results
