// The pieces of kbench report without a browser: percentile spectrum points, SVG paths and their
// data attributes, the HTML page's sections and self-containment, CSV content, and the nightly
// history with its trend charts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "results/history.h"
#include "results/percentile_spectrum.h"
#include "results/report_charts.h"
#include "results/report_csv.h"
#include "results/report_html.h"
#include "results/svg_chart.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench::results {
namespace {

using testing::MakeRun;
using testing::RunSpec;

int CountCommands(const std::string& d) {
  return static_cast<int>(
      std::count_if(d.begin(), d.end(), [](char c) { return c == 'M' || c == 'L'; }));
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(PercentileSpectrum, OnePointPerTenthOfADecadeUpToTheSampleCountThenTheMax) {
  HdrHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(i * 1000);  // 1 us .. 1 ms
  const std::vector<SpectrumPoint> s = PercentileSpectrum(h);
  ASSERT_EQ(s.size(), 31u);  // x = 0.0 .. 2.9, then x = log10(1000) = 3 at the max
  EXPECT_EQ(s[0].x, 0);
  EXPECT_NEAR(s[10].percentile, 90, 1e-9);
  EXPECT_NEAR(s[20].percentile, 99, 1e-9);
  EXPECT_NEAR(s[20].value_ms, 0.990, 0.001);
  EXPECT_NEAR(s.back().x, 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.back().value_ms, 1.0);
  for (size_t i = 1; i < s.size(); ++i) {
    EXPECT_GT(s[i].x, s[i - 1].x);
    EXPECT_GE(s[i].value_ms, s[i - 1].value_ms);
  }
  HdrHistogram one;
  one.Record(5'000'000);
  ASSERT_EQ(PercentileSpectrum(one).size(), 1u);
  EXPECT_EQ(PercentileSpectrum(one)[0].value_ms, 5.0);
  EXPECT_TRUE(PercentileSpectrum(HdrHistogram()).empty());
  EXPECT_NEAR(PercentileToX(99.9), 3.0, 1e-9);
  EXPECT_EQ(DecadeLabel(0), "0%");
  EXPECT_EQ(DecadeLabel(1), "90%");
  EXPECT_EQ(DecadeLabel(4), "99.99%");
}

TEST(SvgChart, PathsCarryTheirPointCountAndBreakAtNulls) {
  LineChart c;
  c.id = "chart-x";
  c.kind = "test";
  c.title = "a <title> & more";
  ChartSeries s;
  s.key = "k";
  s.label = "series";
  s.color = "#000";
  s.run = 3;
  s.x = {1, 2, 3, 4, 5};
  s.y = {1.0, 2.0, std::nullopt, 4.0, 5.0};
  c.series.push_back(s);
  c.markers.push_back({2.5, "crash broker 1", "fault", true, "#f00", 3});
  c.bands.push_back({3, 3.5, "t-0", "unavailability", "#f00", 3});
  const std::string svg = RenderSvg(c);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("data-points=\"(\\d+)\" d=\"([^\"]*)\"")));
  EXPECT_EQ(m[1], "4");
  EXPECT_EQ(CountCommands(m[2]), 4);
  EXPECT_EQ(Count(m[2], "M"), 2);  // the null starts a new segment
  EXPECT_NE(svg.find("data-series-count=\"1\" data-marker-count=\"1\" data-band-count=\"1\""),
            std::string::npos);
  EXPECT_NE(svg.find("class=\"marker fault\" data-run=\"3\" data-x=\"2.5\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"band unavailability\" data-run=\"3\""), std::string::npos);
  EXPECT_NE(svg.find("a &lt;title&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<title>"), svg.find("<title>"));  // sanity: escaped text above, tags intact
}

TEST(SvgChart, NiceTicksAreRoundAndCoverTheRange) {
  EXPECT_EQ(NiceTicks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(NiceTicks(0, 1, 4), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(NiceTicks(3, 3, 5), (std::vector<double>{3}));
}

std::vector<ReportRun> TwoRuns() {
  RunSpec a;
  a.with_faults = true;
  a.gaps_in_p99 = true;
  RunSpec b;
  b.publish_p50_ms = 3;
  b.samples = 500;
  b.intervals = 9;
  b.seed = 7;
  return {{"dir/a.json", MakeRun(a)}, {"b.json", MakeRun(b)}};
}

TEST(ReportHtml, HasEverySectionAndChartAndNeedsNothingFromOutside) {
  const std::vector<ReportRun> runs = TwoRuns();
  auto html = RenderHtmlReport(runs, {});
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  for (const char* id : {"id=\"runs\"", "id=\"summary\"", "id=\"chart-spectrum-publish_latency\"",
                         "id=\"chart-spectrum-e2e_latency\"", "id=\"chart-spectrum-publish_delay\"",
                         "id=\"chart-throughput\"", "id=\"chart-latency-time\"", "id=\"chart-lag\"",
                         "id=\"faults\"", "id=\"unavailability\"", "id=\"environment\""}) {
    EXPECT_NE(html->find(id), std::string::npos) << id;
  }
  EXPECT_EQ(html->find("chart-max-rate"), std::string::npos);  // no run searched
  EXPECT_EQ(Count(*html, "<tr class=\"run\""), 2);
  EXPECT_NE(html->find("dir/a.json"), std::string::npos);
  EXPECT_NE(html->find("test-host"), std::string::npos);
  // Self-contained: no script, no links or sources, no imports.
  for (const char* outside : {"<script", "src=", "@import", "url(http", "<link", "<iframe"})
    EXPECT_EQ(html->find(outside), std::string::npos) << outside;
  for (size_t p = html->find("href="); p != std::string::npos; p = html->find("href=", p + 1))
    EXPECT_EQ(html->substr(p, 7), "href=\"#") << "only links within the page";
}

TEST(ReportHtml, AHistogramThatDoesNotDecodeIsAnErrorNamingFileAndKey) {
  std::vector<ReportRun> runs = TwoRuns();
  runs[1].result.histograms["e2e_latency"].data = "HISTFAAAAbroken";
  auto html = RenderHtmlReport(runs, {});
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.status().message().find("b.json: histograms.e2e_latency:"), std::string::npos)
      << html.status().message();
}

TEST(ReportCharts, SeriesFollowTheRunsData) {
  const std::vector<ReportRun> runs = TwoRuns();
  auto spectra = SpectrumCharts(runs);
  ASSERT_TRUE(spectra.ok());
  ASSERT_EQ(spectra->size(), 3u);
  const LineChart& pub = (*spectra)[0];
  ASSERT_EQ(pub.series.size(), 2u);
  EXPECT_EQ(pub.series[0].x.size(), 45u);  // 20000: ceil(4.301 x 10) + 1 (x = 0.0 .. 4.3, max)
  EXPECT_EQ(pub.series[1].x.size(), 28u);  // 500: ceil(2.699 x 10) + 1
  EXPECT_EQ(pub.x_ticks.back().label, "99.999%");  // 5 decades cover 4.3
  const LineChart t = *ThroughputChart(runs);
  ASSERT_EQ(t.series.size(), 4u);  // produced + consumed per run
  EXPECT_EQ(t.series[0].x.size(), 12u);
  EXPECT_EQ(t.series[2].x.size(), 9u);
  EXPECT_EQ(t.series[1].dash, "6 4");
  EXPECT_EQ(t.series[2].color, RunColor(1));
  // Faults of run 0 plus each run's start of measurement; run 0's window.
  EXPECT_EQ(std::count_if(t.markers.begin(), t.markers.end(),
                          [](const ChartMarker& m) { return m.cls == "fault"; }),
            2);
  EXPECT_EQ(t.bands.size(), 1u);
  const LineChart lat = *LatencyTimeChart(runs);
  EXPECT_FALSE(lat.series[0].y[5].has_value());  // the gap stays a gap
  EXPECT_FALSE(MaxRateChart(runs).has_value());
}

TEST(ReportCsv, SummaryAndTimeSeriesRows) {
  const std::vector<ReportRun> runs = TwoRuns();
  const std::string csv = SummaryCsv(runs);
  std::vector<std::string> lines;
  std::stringstream ss(csv);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(
      lines[0].starts_with("file,workload,variant,run_id,started_at,status,revision,target,"
                           "produced_messages,produced_bytes,produced_msgs_per_sec"))
      << lines[0];
  EXPECT_NE(lines[0].find(",publish_latency_p99_ms,"), std::string::npos);
  EXPECT_NE(lines[0].find(",audit_lost,"), std::string::npos);
  EXPECT_TRUE(
      lines[1].starts_with("dir/a.json,quickstart,,run-1,2026-11-21T00:00:00Z,completed,"
                           "synthetic,direct,50000,51200000,5000,"))
      << lines[1];
  const size_t columns = static_cast<size_t>(std::count(lines[0].begin(), lines[0].end(), ','));
  EXPECT_EQ(static_cast<size_t>(std::count(lines[1].begin(), lines[1].end(), ',')), columns);
  const std::string ts = TimeSeriesCsv(runs);
  EXPECT_EQ(Count(ts, "\n"), 1 + 12 + 9);
  EXPECT_NE(ts.find("dir/a.json,6,true,"), std::string::npos);
  // Run 0's publish p99 gap at interval 6 is an empty cell.
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(ts, m, std::regex("\ndir/a.json,6,true,[^,]*,[^,]*,[^,]*,[^,]*,([^,]*),")));
  EXPECT_EQ(m[1], "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("plain"), "plain");
}

TEST(History, LoadsEntriesInOrderSkipsBadFilesAndTrendsTheMedians) {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  auto write = [&](const std::string& rel, double rate) {
    fs::create_directories(fs::path(dir.File(rel)).parent_path());
    RunSpec s;
    s.rate = rate;
    ASSERT_TRUE(WriteRunResultFile(MakeRun(s), dir.File(rel)).ok());
  };
  write("20260102T000000Z-bbb/quick/run-1.json", 4000);
  write("20260102T000000Z-bbb/quick/run-2.json", 4200);
  write("20260102T000000Z-bbb/quick/run-3.json", 9000);
  write("20260101T000000Z-aaa/quick/run-1.json", 5000);
  write("20260101T000000Z-aaa/other/run-1.json", 5000);
  std::ofstream(dir.File("20260102T000000Z-bbb/quick/broken.json")) << "{";
  std::ofstream(dir.File("20260102T000000Z-bbb/quick.compare.md")) << "ignored";
  auto h = LoadHistory(dir.path());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->entries.size(), 2u);
  EXPECT_EQ(h->entries[0].name, "20260101T000000Z-aaa");
  EXPECT_EQ(h->profiles, (std::vector<std::string>{"other", "quick"}));
  ASSERT_EQ(h->problems.size(), 1u);
  EXPECT_NE(h->problems[0].find("broken.json: not valid JSON"), std::string::npos);
  const std::vector<LineChart> quick = TrendCharts(*h, "quick");
  ASSERT_EQ(quick.size(), TrendGroups().size());
  EXPECT_EQ(quick[0].id, "chart-trend-quick-throughput");
  ASSERT_EQ(quick[0].series[0].y.size(), 2u);
  EXPECT_EQ(*quick[0].series[0].y[0], 5000);
  EXPECT_EQ(*quick[0].series[0].y[1], 4200);  // median of 4000, 4200, 9000
  const std::vector<LineChart> other = TrendCharts(*h, "other");
  EXPECT_FALSE(other[0].series[0].y[1].has_value());  // not run on the second night
  const std::string csv = TrendCsv(*h);
  EXPECT_NE(csv.find("20260102T000000Z-bbb,quick,produced.msgs_per_sec,4200,3\n"),
            std::string::npos)
      << csv;
  ReportOptions o;
  o.history = &*h;
  auto html = RenderHtmlReport({}, o);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("id=\"chart-trend-other-e2e-latency\""), std::string::npos);
  EXPECT_NE(html->find("skipped: "), std::string::npos);
  EXPECT_FALSE(LoadHistory(dir.File("nope")).ok());
}

}  // namespace
}  // namespace kbench::results
