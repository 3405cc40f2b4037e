// Line charts as inline SVG, for the self-contained HTML report (results/report_html.h): axes with
// ticks and grid, one path per series (a null y breaks the line), vertical markers (faults, the
// start of measurement), shaded x ranges (unavailability windows), and a legend. No script, no
// external fonts or files.
//
// Every element a test may check carries data attributes:
//   <svg id=ID data-chart=KIND data-series-count=N data-marker-count=M data-band-count=B>
//   <path class="series" data-series=KEY data-run=R data-points=P d="M..L..">: P = the points drawn
//     (non-null y), which is also the number of M/L commands in d;
//   <circle class="point"> per point when the series asks for markers (trend charts);
//   <line class="marker CLASS" data-run=R data-x=X>, <rect class="band CLASS" data-run=R>.
//
// Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kbench::results {

struct ChartSeries {
  std::string key;    // data-series: what it plots ("produced_msgs_per_sec", "p99")
  std::string label;  // legend text
  std::string color;  // CSS color
  std::string dash;   // stroke-dasharray, "" = solid
  int run = -1;       // data-run: index of the run it belongs to (-1: none)
  bool markers = false;
  std::vector<double> x;
  std::vector<std::optional<double>> y;  // same length as x; nullopt = no value (gap)
};

struct ChartMarker {  // a vertical line at x
  double x = 0;
  std::string label;  // tooltip (SVG <title>); also written beside the line when show_label
  std::string cls;    // "fault", "measure-start"
  bool show_label = true;
  std::string color;
  int run = -1;
};

struct ChartBand {  // a shaded range of x
  double from = 0, to = 0;
  std::string label;
  std::string cls;  // "unavailability"
  std::string color;
  int run = -1;
};

struct AxisTick {
  double value = 0;
  std::string label;
};

struct LineChart {
  std::string id;    // element id
  std::string kind;  // data-chart: "spectrum", "throughput", "latency-time", "lag", "trend", ...
  std::string title, x_label, y_label;
  std::vector<AxisTick> x_ticks;  // empty: evenly spaced round numbers over the data
  std::optional<double> x_min, x_max;
  bool y_from_zero = true;
  std::vector<ChartSeries> series;
  std::vector<ChartMarker> markers;
  std::vector<ChartBand> bands;
  int width = 580, height = 300;
};

std::string RenderSvg(const LineChart& chart);

// About `target` round tick values (1, 2, 5 x 10^k steps) covering [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target);

// Text and attribute values for HTML/SVG: & < > " ' escaped.
std::string XmlEscape(std::string_view text);

}  // namespace kbench::results
