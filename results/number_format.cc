#include "results/number_format.h"

#include <fmt/format.h>

#include <cmath>

namespace kbench::results {

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return fmt::format("{}", v);
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 100 || (v == std::floor(v) && a < 1e15)) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

}  // namespace kbench::results
