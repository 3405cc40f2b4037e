// How large a change `kbench compare` calls a change: per metric kind (and optionally per metric) a
// relative threshold and an absolute floor, plus one spread factor for the noise gate. Defaults and
// their reasoning: docs/compare.md.
//
// A shift of a metric's median counts only when it passes all three gates:
//   |shift| > relative * |base median|   (the threshold for this kind of metric)
//   |shift| > absolute                    (below it: timer and scheduler jitter, not the code)
//   |shift| > spread_factor * MAD base, and the new median lies outside the base runs' range
//                                         (the run-to-run spread the base runs showed)
// Why the base's spread and not the new runs': docs/compare.md.
//
// Precedence: defaults < thresholds file < command-line flags; a per-metric setting overrides its
// kind's field by field.
//
// Thresholds file (JSON; unknown keys, kinds and metrics are errors naming the file and key):
//   {"spread_factor": 3,
//    "kinds":   {"latency_p99": {"relative": 0.3, "absolute": 0.05}},
//    "metrics": {"publish_delay_ms.max": {"ignore": true}, "e2e_latency_ms.p99": {"relative":
//    0.5}}}
//
// Plain values; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "results/metric_catalog.h"

namespace kbench::results {

struct Threshold {
  double relative = 0;  // fraction of the base median (0.1 = 10 %)
  double absolute = 0;  // in the metric's unit
  bool ignore = false;  // not judged (still shown)
};

struct ThresholdOverride {
  std::optional<double> relative, absolute;
  std::optional<bool> ignore;
  void ApplyTo(Threshold* t) const;
};

class CompareThresholds {
 public:
  // The documented defaults.
  CompareThresholds();

  Threshold For(const MetricDef& metric) const;
  double spread_factor() const { return spread_factor_; }
  void set_spread_factor(double k) { spread_factor_ = k; }

  // Reads a thresholds file (format above) on top of what is set.
  Status ApplyFile(const std::string& path);
  Status ApplyJson(const nlohmann::json& j, std::string_view source);
  // Command-line forms: "NAME=VALUE" where NAME is a kind ("latency_p99") or a metric id
  // ("e2e_latency_ms.p99"). `what` picks the field: relative threshold or absolute floor.
  enum class Field { kRelative, kAbsolute };
  Status ApplyFlag(std::string_view name_equals_value, Field what);
  // "NAME": a kind or metric id not to judge.
  Status Ignore(std::string_view name);

 private:
  ThresholdOverride* Target(std::string_view name, std::string* error);

  double spread_factor_ = 3.0;
  std::map<MetricKind, Threshold> kinds_;
  std::map<MetricKind, ThresholdOverride> kind_overrides_;
  std::map<std::string, ThresholdOverride, std::less<>> metric_overrides_;
};

}  // namespace kbench::results
