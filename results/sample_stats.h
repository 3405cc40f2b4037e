// Robust statistics of a few repeated runs of one metric: median, median absolute deviation (MAD),
// min and max. Benchmarks on shared machines have outliers (a preempted run), so the centre is the
// median and the spread the MAD, neither of which one bad run can drag far.
//
// Pure functions; any thread.
#pragma once

#include <span>
#include <vector>

namespace kbench::results {

struct SampleStats {
  std::vector<double> values;  // as given
  double median = 0;
  double mad = 0;  // median of |x - median|; 0 for one value
  double min = 0, max = 0;
  size_t n() const { return values.size(); }
};

double Median(std::vector<double> values);  // 0 for none; mean of the middle two for an even count
// values must not be empty.
SampleStats Summarize(std::span<const double> values);

}  // namespace kbench::results
