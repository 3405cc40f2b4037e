// The latency percentile spectrum of a histogram, as HdrHistogram's plots draw it: value against
// percentile on a log axis of 1/(1 - percentile), so 90 %, 99 %, 99.9 %, ... are evenly spaced and
// the tail gets the room it deserves.
//
// Points: x = log10(1 / (1 - p)) at steps of 1/points_per_decade from 0 (p = 0 %) while
// x < log10(count) (beyond that percentile the histogram has fewer than one sample to say
// anything), then a last point at x = log10(count) with the exact maximum. So a histogram of N > 1
// samples gives ceil(log10(N) * points_per_decade) + 1 points, one of 1 sample gives one point,
// an empty one none. Values in milliseconds (the histogram holds nanoseconds), capped at the max.
//
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "results/hdr_histogram.h"

namespace kbench::results {

struct SpectrumPoint {
  double x = 0;           // log10(1 / (1 - percentile/100))
  double percentile = 0;  // 0..100
  double value_ms = 0;
};

std::vector<SpectrumPoint> PercentileSpectrum(const HdrHistogram& h, int points_per_decade = 10);

// x of a percentile, and the axis label of decade d: 0 -> "0%", 1 -> "90%", 2 -> "99%",
// 3 -> "99.9%", 4 -> "99.99%".
double PercentileToX(double percentile);
std::string DecadeLabel(int decade);

}  // namespace kbench::results
