#include "results/percentile_spectrum.h"

#include <algorithm>
#include <cmath>

namespace kbench::results {

double PercentileToX(double percentile) {
  const double tail = 1.0 - percentile / 100.0;
  return tail <= 0 ? INFINITY : std::log10(1.0 / tail);
}

std::string DecadeLabel(int decade) {
  if (decade <= 0) return "0%";
  if (decade == 1) return "90%";
  return "99." + std::string(static_cast<size_t>(decade - 2), '9') + "%";
}

std::vector<SpectrumPoint> PercentileSpectrum(const HdrHistogram& h, int points_per_decade) {
  std::vector<SpectrumPoint> out;
  const int64_t n = h.TotalCount();
  if (n == 0 || points_per_decade < 1) return out;
  const double max_ms = static_cast<double>(h.Max()) / 1e6;
  const double x_end = std::log10(static_cast<double>(n));
  for (int k = 0;; ++k) {
    const double x = static_cast<double>(k) / points_per_decade;
    if (x >= x_end - 1e-12) break;
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    const double v = static_cast<double>(h.ValueAtPercentile(p)) / 1e6;
    out.push_back({x, p, std::min(v, max_ms)});
  }
  out.push_back({x_end, 100.0 * (1.0 - 1.0 / static_cast<double>(n)), max_ms});
  return out;
}

}  // namespace kbench::results
