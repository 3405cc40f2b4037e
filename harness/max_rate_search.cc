#include "harness/max_rate_search.h"

#include <algorithm>
#include <cmath>

namespace kbench::harness {

MaxRateSearcher::MaxRateSearcher(const MaxRateSearch& config, const LatencySlo& slo, int max_steps)
    : config_(config), slo_(slo), max_steps_(max_steps) {}

bool MaxRateSearcher::Holds(const MaxRateStepResult& s) const {
  const int64_t bound = config_.max_backlog_messages > 0
                            ? config_.max_backlog_messages
                            : static_cast<int64_t>(std::ceil(s.target_rate));
  return s.percentile_ms.has_value() && *s.percentile_ms <= slo_.ms &&
         s.achieved_rate >= 0.95 * s.target_rate && s.backlog_growth <= bound;
}

std::optional<double> MaxRateSearcher::NextRate() const {
  if (static_cast<int>(steps_.size()) >= max_steps_) return std::nullopt;
  if (steps_.empty()) return config_.min_rate;
  if (best_held_ == 0) return std::nullopt;  // even the minimum failed
  if (bracketing_) {
    if (best_held_ >= config_.max_rate) return std::nullopt;  // held at the ceiling
    return std::min(best_held_ * 2, config_.max_rate);
  }
  const double hi = *lowest_failed_;
  if ((hi - best_held_) <= config_.precision * best_held_) return std::nullopt;
  return std::floor((best_held_ + hi) / 2);
}

void MaxRateSearcher::Report(MaxRateStepResult step) {
  step.held = Holds(step);
  if (step.held) {
    best_held_ = std::max(best_held_, step.target_rate);
  } else {
    lowest_failed_ =
        lowest_failed_ ? std::min(*lowest_failed_, step.target_rate) : step.target_rate;
    bracketing_ = false;
  }
  steps_.push_back(step);
}

}  // namespace kbench::harness
