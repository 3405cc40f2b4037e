#include "results/sample_stats.h"

#include <algorithm>
#include <cmath>

namespace kbench::results {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

SampleStats Summarize(std::span<const double> values) {
  SampleStats s;
  s.values.assign(values.begin(), values.end());
  s.median = Median(s.values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::fabs(v - s.median));
  s.mad = Median(std::move(deviations));
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  return s;
}

}  // namespace kbench::results
