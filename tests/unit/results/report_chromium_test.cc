// kbench report as a browser sees it: the page is written by the kbench binary, loaded from a file
// by headless Chromium (Debian's chromium; the test skips only when it is not installed), which
// takes a screenshot and dumps the DOM. Every chart in the DOM must carry its data: one path per
// series, each with as many points as the run's series has values (time series from the results
// JSON, spectra from its decoded HDR histograms), fault markers and unavailability bands as many
// as the runs recorded, a legend entry per series.
//
// KBENCH_REPORT_SCREENSHOT_DIR=<dir> keeps the screenshots there to look at.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "results/percentile_spectrum.h"
#include "results/run_result.h"
#include "tests/unit/results/run_command.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench::results {
namespace {

using testing::MakeRun;
using testing::RunCommand;
using testing::RunSpec;

struct DomChart {
  std::string id, kind;
  int series_count = 0, marker_count = 0, band_count = 0;
  std::string body;
};

struct DomPath {
  std::string series;
  int run = 0, points = 0, commands = 0;
};

// Attribute values and elements are found with plain searches (std::regex recurses per character
// and long path data would exhaust its stack).
std::string Attr(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

// Every opening tag that starts with `prefix` ("<svg ", "<path ") and contains `marker`.
std::vector<std::pair<size_t, std::string>> Tags(const std::string& text, const std::string& prefix,
                                                 const std::string& marker) {
  std::vector<std::pair<size_t, std::string>> out;
  for (size_t p = text.find(prefix); p != std::string::npos; p = text.find(prefix, p + 1)) {
    const std::string tag = text.substr(p, text.find('>', p) - p + 1);
    if (tag.find(marker) != std::string::npos) out.emplace_back(p, tag);
  }
  return out;
}

std::map<std::string, DomChart> Charts(const std::string& dom) {
  std::map<std::string, DomChart> out;
  for (const auto& [pos, tag] : Tags(dom, "<svg ", "class=\"chart\"")) {
    DomChart c;
    c.id = Attr(tag, "id");
    c.kind = Attr(tag, "data-chart");
    c.series_count = std::stoi(Attr(tag, "data-series-count"));
    c.marker_count = std::stoi(Attr(tag, "data-marker-count"));
    c.band_count = std::stoi(Attr(tag, "data-band-count"));
    const size_t start = pos + tag.size();
    c.body = dom.substr(start, dom.find("</svg>", start) - start);
    out[c.id] = c;
  }
  return out;
}

std::vector<DomPath> Paths(const DomChart& c) {
  std::vector<DomPath> out;
  for (const auto& [pos, tag] : Tags(c.body, "<path ", "class=\"series\"")) {
    const std::string d = Attr(tag, "d");
    out.push_back({Attr(tag, "data-series"), std::stoi(Attr(tag, "data-run")),
                   std::stoi(Attr(tag, "data-points")),
                   static_cast<int>(std::count_if(
                       d.begin(), d.end(), [](char ch) { return ch == 'M' || ch == 'L'; }))});
  }
  return out;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

int NonNull(const std::vector<std::optional<double>>& v) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [](auto& x) { return x.has_value(); }));
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunCommand("command -v chromium >/dev/null 2>&1").exit_code != 0)
      GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  }

  std::string WriteRun(const std::string& name, const RunResult& r) {
    const std::string path = dir_.File(name);
    EXPECT_TRUE(WriteRunResultFile(r, path).ok());
    runs_.push_back(r);
    return path;
  }

  // Writes the report with the kbench binary, loads it in Chromium, returns the DOM.
  std::string Render(const std::vector<std::string>& files, const std::string& name) {
    std::string cmd = testing::KbenchBinary() + " report";
    for (const std::string& f : files) cmd += " " + f;
    const std::string html = dir_.File(name + ".html");
    const auto k = RunCommand(cmd + " -o " + html + " 2>&1");
    EXPECT_EQ(k.exit_code, 0) << k.output;
    const std::string flags =
        "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--hide-scrollbars --user-data-dir=" +
        dir_.File("profile-" + name);
    const std::string png = dir_.File(name + ".png");
    const auto shot = RunCommand(flags + " --window-size=1280,5200 --screenshot=" + png +
                                 " file://" + html + " 2>&1");
    EXPECT_EQ(shot.exit_code, 0) << shot.output;
    std::ifstream in(png, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_GT(bytes.size(), 20000u) << "screenshot too small to show the charts";
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    if (const char* keep = std::getenv("KBENCH_REPORT_SCREENSHOT_DIR"))
      std::filesystem::copy_file(png, std::string(keep) + "/" + name + ".png",
                                 std::filesystem::copy_options::overwrite_existing);
    const auto dom = RunCommand(flags + " --dump-dom file://" + html + " 2>/dev/null");
    EXPECT_EQ(dom.exit_code, 0);
    EXPECT_NE(dom.output.find("</html>"), std::string::npos) << dom.output.substr(0, 500);
    return dom.output;
  }

  // Every chart's paths against the runs' data.
  void CheckCharts(const std::string& dom, size_t nruns) {
    const auto charts = Charts(dom);
    for (const char* id :
         {"chart-spectrum-publish_latency", "chart-spectrum-e2e_latency",
          "chart-spectrum-publish_delay", "chart-throughput", "chart-latency-time", "chart-lag"}) {
      ASSERT_TRUE(charts.contains(id)) << id;
    }
    int faults = 0, windows = 0;
    for (const RunResult& r : runs_) {
      faults += static_cast<int>(r.faults.size());
      windows += static_cast<int>(r.unavailability.size());
    }
    for (const auto& [id, c] : charts) {
      const std::vector<DomPath> paths = Paths(c);
      EXPECT_EQ(static_cast<int>(paths.size()), c.series_count) << id;
      EXPECT_EQ(Count(c.body, "class=\"legend-item\""), c.series_count) << id;
      EXPECT_GT(c.series_count, 0) << id;
      for (const DomPath& p : paths) {
        ASSERT_LT(static_cast<size_t>(p.run), nruns) << id;
        EXPECT_EQ(p.commands, p.points) << id << " " << p.series;
        EXPECT_EQ(p.points, Expected(id, p)) << id << " " << p.series << " run " << p.run;
      }
      if (c.kind == "throughput" || c.kind == "latency-time" || c.kind == "lag") {
        EXPECT_EQ(Count(c.body, "class=\"marker fault\""), faults) << id;
        EXPECT_EQ(Count(c.body, "class=\"band unavailability\""), windows) << id;
        EXPECT_EQ(c.band_count, windows) << id;
      }
    }
    EXPECT_EQ(Count(dom, "<tr class=\"run\""), static_cast<int>(nruns));
  }

  // The length the series must have, from the run's own data.
  int Expected(const std::string& chart, const DomPath& p) {
    const RunResult& r = runs_[static_cast<size_t>(p.run)];
    const TimeSeries& t = r.timeseries;
    if (chart.starts_with("chart-spectrum-")) {
      auto h = r.histograms.at(p.series).Decode();
      EXPECT_TRUE(h.ok());
      return static_cast<int>(PercentileSpectrum(*h).size());
    }
    if (p.series == "produced_msgs_per_sec")
      return static_cast<int>(t.produced_msgs_per_sec.size());
    if (p.series == "consumed_msgs_per_sec")
      return static_cast<int>(t.consumed_msgs_per_sec.size());
    if (p.series == "publish_p99_ms") return NonNull(t.publish_p99_ms);
    if (p.series == "e2e_p99_ms") return NonNull(t.e2e_p99_ms);
    if (p.series == "lag_messages") return static_cast<int>(t.lag_messages.size());
    if (p.series == "max_rate_p99") return static_cast<int>(r.max_rate->steps.size());
    ADD_FAILURE() << "unexpected series " << p.series << " in " << chart;
    return -1;
  }

  testing::TempDir dir_;
  std::vector<RunResult> runs_;
};

TEST_F(ReportInChromium, OneRunHasEveryChartWithItsData) {
  RunSpec s;
  s.with_faults = true;
  s.gaps_in_p99 = true;
  const std::string dom = Render({WriteRun("one.json", MakeRun(s))}, "one");
  CheckCharts(dom, 1);
  EXPECT_NE(dom.find("test-host"), std::string::npos);  // environment table
}

TEST_F(ReportInChromium, SeveralRunsSideBySide) {
  RunSpec a;
  a.with_faults = true;
  RunSpec b;
  b.publish_p50_ms = 3.5;
  b.samples = 3000;
  b.intervals = 8;
  b.seed = 2;
  RunSpec c;
  c.publish_p50_ms = 1.2;
  c.tail_factor = 9;
  c.seed = 3;
  RunResult rc = MakeRun(c);
  rc.max_rate = MaxRateResult{"p99", 10, 4000, 4, {}};
  for (double rate : {1000.0, 2000.0, 4000.0, 8000.0, 6000.0, 5000.0}) {
    rc.max_rate->steps.push_back({rate, rate * 0.99, rate / 1000.0, 0, rate <= 4000});
  }
  const std::string dom = Render(
      {WriteRun("a.json", MakeRun(a)), WriteRun("b.json", MakeRun(b)), WriteRun("c.json", rc)},
      "several");
  CheckCharts(dom, 3);
  const auto charts = Charts(dom);
  ASSERT_TRUE(charts.contains("chart-max-rate"));
  EXPECT_EQ(charts.at("chart-throughput").series_count, 6);  // produced + consumed x 3 runs
  EXPECT_EQ(charts.at("chart-spectrum-publish_latency").series_count, 3);
  // One color per run, the same in every chart.
  const std::vector<std::string> colors = {"#0072B2", "#D55E00", "#009E73"};
  for (const auto& [id, chart] : charts) {
    for (const auto& [pos, tag] : Tags(chart.body, "<path ", "class=\"series\""))
      EXPECT_EQ(Attr(tag, "stroke"), colors.at(std::stoul(Attr(tag, "data-run")))) << id;
  }
}

}  // namespace
}  // namespace kbench::results
