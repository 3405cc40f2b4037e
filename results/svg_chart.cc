#include "results/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "results/number_format.h"

namespace kbench::results {
namespace {

constexpr double kLeft = 72, kRight = 20, kTop = 34, kBottom = 48;
constexpr double kLegendRow = 18;

struct Range {
  double lo = 0, hi = 0;
  bool empty = true;
  void Add(double v) {
    if (!std::isfinite(v)) return;
    lo = empty ? v : std::min(lo, v);
    hi = empty ? v : std::max(hi, v);
    empty = false;
  }
};

// Maps data to pixels inside the plot area.
struct Frame {
  double x0, x1, y0, y1;            // data ranges
  double left, right, top, bottom;  // pixels
  double X(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double Y(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

// A tick value with as many decimals as the step between ticks needs ("2.5", "10", "0.25").
std::string TickLabel(double v, double step) {
  const int decimals =
      step > 0 ? std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9) : 3;
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

Range XRange(const LineChart& c) {
  Range r;
  for (const ChartSeries& s : c.series) {
    for (size_t i = 0; i < s.x.size(); ++i)
      if (i < s.y.size() && s.y[i]) r.Add(s.x[i]);
  }
  for (const ChartMarker& m : c.markers) r.Add(m.x);
  for (const ChartBand& b : c.bands) r.Add(b.from), r.Add(b.to);
  for (const AxisTick& t : c.x_ticks) r.Add(t.value);
  if (c.x_min) r.lo = *c.x_min, r.empty = false;
  if (c.x_max) r.hi = *c.x_max, r.empty = false;
  if (r.empty) r = {0, 1, false};
  if (r.hi <= r.lo) r.hi = r.lo + 1;
  return r;
}

std::vector<double> YTicks(const LineChart& c, Range* r) {
  for (const ChartSeries& s : c.series) {
    for (const auto& y : s.y)
      if (y) r->Add(*y);
  }
  if (r->empty) *r = {0, 1, false};
  if (c.y_from_zero) r->lo = std::min(0.0, r->lo);
  if (r->hi <= r->lo) r->hi = r->lo + (r->lo == 0 ? 1 : std::fabs(r->lo) * 0.1);
  std::vector<double> ticks = NiceTicks(r->lo, r->hi, 5);
  if (ticks.size() >= 2) {
    const double step = ticks[1] - ticks[0];
    while (ticks.back() < r->hi - 1e-9 * step) ticks.push_back(ticks.back() + step);
    if (ticks.front() > r->lo + 1e-9 * step) ticks.insert(ticks.begin(), ticks.front() - step);
    r->lo = ticks.front();
    r->hi = ticks.back();
  }
  return ticks;
}

std::string Axes(const LineChart& c, const Frame& f, const std::vector<double>& yticks) {
  std::string out = "<g class=\"axes\">";
  const double ystep = yticks.size() > 1 ? yticks[1] - yticks[0] : 0;
  for (double t : yticks) {
    const double y = f.Y(t);
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
        f.left, y, f.right, y, f.left - 6, y + 4, XmlEscape(TickLabel(t, ystep)));
  }
  std::vector<AxisTick> xticks = c.x_ticks;
  if (xticks.empty()) {
    const std::vector<double> ticks = NiceTicks(f.x0, f.x1, 8);
    const double xstep = ticks.size() > 1 ? ticks[1] - ticks[0] : 0;
    for (double t : ticks) xticks.push_back({t, TickLabel(t, xstep)});
  }
  for (const AxisTick& t : xticks) {
    if (t.value < f.x0 - 1e-9 || t.value > f.x1 + 1e-9) continue;
    const double x = f.X(t.value);
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
        x, f.top, x, f.bottom, x, f.bottom + 16, XmlEscape(t.label));
  }
  out += fmt::format(
      "<rect class=\"frame\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>",
      f.left, f.top, f.right - f.left, f.bottom - f.top);
  out += fmt::format(
      "<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" "
      "text-anchor=\"middle\">{}</text>",
      (f.left + f.right) / 2, f.bottom + 36, XmlEscape(c.x_label));
  out += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(16 {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>",
      (f.top + f.bottom) / 2, XmlEscape(c.y_label));
  return out + "</g>";
}

std::string Bands(const LineChart& c, const Frame& f) {
  std::string out;
  for (const ChartBand& b : c.bands) {
    const double x0 = std::clamp(f.X(b.from), f.left, f.right);
    const double x1 = std::clamp(f.X(std::max(b.to, b.from)), f.left, f.right);
    out += fmt::format(
        "<rect class=\"band {}\" data-run=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>",
        XmlEscape(b.cls), b.run, x0, f.top, std::max(x1 - x0, 1.0), f.bottom - f.top,
        XmlEscape(b.color), XmlEscape(b.label));
  }
  return out;
}

std::string Markers(const LineChart& c, const Frame& f) {
  std::string out;
  for (const ChartMarker& m : c.markers) {
    const double x = f.X(m.x);
    out += fmt::format(
        "<g class=\"marker-group\"><line class=\"marker {}\" data-run=\"{}\" data-x=\"{}\" "
        "x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"><title>{}</title>"
        "</line>",
        XmlEscape(m.cls), m.run, m.x, x, f.top, x, f.bottom, XmlEscape(m.color),
        XmlEscape(m.label));
    if (m.show_label) {
      out += fmt::format(
          "<text class=\"marker-label\" transform=\"translate({:.1f} {:.1f}) rotate(-90)\" "
          "text-anchor=\"end\" fill=\"{}\">{}</text>",
          x - 3, f.top + 4, XmlEscape(m.color), XmlEscape(m.label));
    }
    out += "</g>";
  }
  return out;
}

std::string SeriesPath(const ChartSeries& s, const Frame& f, const std::string& clip) {
  std::string d, points;
  int drawn = 0;
  bool pen_down = false;
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    if (!s.y[i] || !std::isfinite(*s.y[i])) {
      pen_down = false;
      continue;
    }
    const double x = f.X(s.x[i]), y = f.Y(*s.y[i]);
    d += fmt::format("{}{:.1f} {:.1f} ", pen_down ? 'L' : 'M', x, y);
    pen_down = true;
    ++drawn;
    if (s.markers) {
      points += fmt::format(
          "<circle class=\"point\" data-run=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" "
          "fill=\"{}\"><title>{}: {}</title></circle>",
          s.run, x, y, XmlEscape(s.color), XmlEscape(s.label), XmlEscape(FormatNumber(*s.y[i])));
    }
  }
  if (!d.empty()) d.pop_back();
  return fmt::format(
      "<path class=\"series\" data-series=\"{}\" data-run=\"{}\" data-points=\"{}\" d=\"{}\" "
      "stroke=\"{}\"{} clip-path=\"url(#{})\"><title>{}</title></path>{}",
      XmlEscape(s.key), s.run, drawn, d, XmlEscape(s.color),
      s.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", XmlEscape(s.dash)), clip,
      XmlEscape(s.label), points);
}

// Legend items flow left to right under the axes, wrapping at the chart's width.
std::string Legend(const LineChart& c, double y0, double* height) {
  std::string out = "<g class=\"legend\">";
  double x = kLeft, y = y0;
  for (const ChartSeries& s : c.series) {
    const double w = 34 + 6.6 * static_cast<double>(s.label.size());
    if (x + w > c.width - kRight && x > kLeft) x = kLeft, y += kLegendRow;
    out += fmt::format(
        "<g class=\"legend-item\" data-series=\"{}\" data-run=\"{}\"><line x1=\"{:.1f}\" "
        "y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"{}/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>",
        XmlEscape(s.key), s.run, x, y - 4, x + 24, y - 4, XmlEscape(s.color),
        s.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", XmlEscape(s.dash)), x + 28, y,
        XmlEscape(s.label));
    x += w;
  }
  *height = c.series.empty() ? 0 : y - y0 + kLegendRow;
  return out + "</g>";
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo) || target < 1 || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

std::string RenderSvg(const LineChart& c) {
  const Range xr = XRange(c);
  Range yr;
  const std::vector<double> yticks = YTicks(c, &yr);
  const Frame f{xr.lo, xr.hi, yr.lo, yr.hi, kLeft, c.width - kRight, kTop, c.height - kBottom};
  double legend_h = 0;
  const std::string legend = Legend(c, c.height + 6, &legend_h);
  const int total_h = c.height + static_cast<int>(legend_h) + 6;
  const std::string clip = "clip-" + c.id;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{}\" data-chart=\"{}\" "
      "data-series-count=\"{}\" data-marker-count=\"{}\" data-band-count=\"{}\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
      XmlEscape(c.id), XmlEscape(c.kind), c.series.size(), c.markers.size(), c.bands.size(),
      c.width, total_h, c.width, total_h, XmlEscape(c.title));
  out += fmt::format(
      "<defs><clipPath id=\"{}\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
      "height=\"{:.1f}\"/></clipPath></defs>",
      clip, f.left, f.top - 2, f.right - f.left, f.bottom - f.top + 4);
  out += fmt::format("<text class=\"chart-title\" x=\"{:.1f}\" y=\"20\">{}</text>", kLeft,
                     XmlEscape(c.title));
  out += Bands(c, f) + Axes(c, f, yticks) + Markers(c, f);
  out += "<g class=\"plot\">";
  for (const ChartSeries& s : c.series) out += SeriesPath(s, f, clip);
  out += "</g>" + legend + "</svg>";
  return out;
}

}  // namespace kbench::results
