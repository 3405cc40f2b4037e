#include "results/compare_thresholds.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace kbench::results {
namespace {

using nlohmann::json;

// One number from a flag value; refuses trailing junk, negatives and non-finite values.
std::optional<double> ParseNonNegative(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

Status ReadOverride(const json& o, const std::string& where, ThresholdOverride* out) {
  if (!o.is_object()) return Status::InvalidArgument(where + ": expected an object");
  for (auto it = o.begin(); it != o.end(); ++it) {
    const std::string field = where + "." + it.key();
    if (it.key() == "ignore") {
      if (!it->is_boolean()) return Status::InvalidArgument(field + ": expected true or false");
      out->ignore = it->get<bool>();
      continue;
    }
    if (it.key() != "relative" && it.key() != "absolute") {
      return Status::InvalidArgument(field +
                                     ": unknown key (expected relative, absolute or ignore)");
    }
    if (!it->is_number() || it->get<double>() < 0)
      return Status::InvalidArgument(field + ": expected a non-negative number");
    (it.key() == "relative" ? out->relative : out->absolute) = it->get<double>();
  }
  return Status::Ok();
}

}  // namespace

void ThresholdOverride::ApplyTo(Threshold* t) const {
  if (relative) t->relative = *relative;
  if (absolute) t->absolute = *absolute;
  if (ignore) t->ignore = *ignore;
}

CompareThresholds::CompareThresholds() {
  using K = MetricKind;
  kinds_[K::kThroughput] = {.relative = 0.05, .absolute = 0};
  kinds_[K::kLatencyP50] = {.relative = 0.10, .absolute = 0.01};
  kinds_[K::kLatencyP99] = {.relative = 0.20, .absolute = 0.05};
  kinds_[K::kLatencyP999] = {.relative = 0.30, .absolute = 0.1};
  kinds_[K::kLatencyMax] = {.relative = 1.0, .absolute = 1.0};
  kinds_[K::kDelay] = {.relative = 0.5, .absolute = 1.0};
  kinds_[K::kErrors] = {.relative = 0.10, .absolute = 0};
  kinds_[K::kAudit] = {.relative = 0, .absolute = 0};
  kinds_[K::kLoss] = {.relative = 0, .absolute = 0};
  kinds_[K::kSlo] = {.relative = 0, .absolute = 0.5};
  kinds_[K::kInfo] = {.relative = 0, .absolute = 0, .ignore = true};
}

Threshold CompareThresholds::For(const MetricDef& metric) const {
  Threshold t = kinds_.at(metric.kind);
  if (auto k = kind_overrides_.find(metric.kind); k != kind_overrides_.end()) k->second.ApplyTo(&t);
  if (auto m = metric_overrides_.find(metric.id); m != metric_overrides_.end())
    m->second.ApplyTo(&t);
  return t;
}

Status CompareThresholds::ApplyFile(const std::string& path) {
  KB_ASSIGN_OR_RETURN(json j, ReadJsonFile(path));
  return ApplyJson(j, path);
}

Status CompareThresholds::ApplyJson(const nlohmann::json& j, std::string_view source) {
  if (!j.is_object())
    return Status::InvalidArgument(fmt::format("{}: expected a JSON object at the top", source));
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string where = fmt::format("{}: {}", source, it.key());
    if (it.key() == "spread_factor") {
      if (!it->is_number() || it->get<double>() < 0)
        return Status::InvalidArgument(where + ": expected a non-negative number");
      spread_factor_ = it->get<double>();
    } else if (it.key() == "kinds" || it.key() == "metrics") {
      if (!it->is_object()) return Status::InvalidArgument(where + ": expected an object");
      for (auto e = it->begin(); e != it->end(); ++e) {
        std::string error;
        ThresholdOverride* target = Target(e.key(), &error);
        const bool is_kind = ParseMetricKind(e.key()).has_value();
        if (target == nullptr || is_kind != (it.key() == "kinds")) {
          return Status::InvalidArgument(fmt::format("{}.{}: {}", where, e.key(),
                                                     target == nullptr ? error
                                                     : is_kind ? "a kind, listed under metrics"
                                                               : "a metric, listed under kinds"));
        }
        KB_RETURN_IF_ERROR(ReadOverride(*e, where + "." + e.key(), target));
      }
    } else {
      return Status::InvalidArgument(where +
                                     ": unknown key (expected spread_factor, kinds or metrics)");
    }
  }
  return Status::Ok();
}

Status CompareThresholds::ApplyFlag(std::string_view name_equals_value, Field what) {
  const size_t eq = name_equals_value.find('=');
  const char* flag = what == Field::kRelative ? "--threshold" : "--absolute";
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("{} {}: expected NAME=VALUE", flag, name_equals_value));
  }
  std::string error;
  ThresholdOverride* target = Target(name_equals_value.substr(0, eq), &error);
  if (target == nullptr)
    return Status::InvalidArgument(fmt::format("{} {}: {}", flag, name_equals_value, error));
  auto v = ParseNonNegative(name_equals_value.substr(eq + 1));
  if (!v) {
    return Status::InvalidArgument(
        fmt::format("{} {}: expected a non-negative number after '='", flag, name_equals_value));
  }
  (what == Field::kRelative ? target->relative : target->absolute) = *v;
  return Status::Ok();
}

Status CompareThresholds::Ignore(std::string_view name) {
  std::string error;
  ThresholdOverride* target = Target(name, &error);
  if (target == nullptr)
    return Status::InvalidArgument(fmt::format("--ignore {}: {}", name, error));
  target->ignore = true;
  return Status::Ok();
}

ThresholdOverride* CompareThresholds::Target(std::string_view name, std::string* error) {
  if (auto kind = ParseMetricKind(name)) return &kind_overrides_[*kind];
  if (FindMetric(name) != nullptr) {
    auto it = metric_overrides_.find(name);
    if (it == metric_overrides_.end())
      it = metric_overrides_.emplace(name, ThresholdOverride{}).first;
    return &it->second;
  }
  std::string kinds;
  for (MetricKind k : AllMetricKinds())
    kinds += (kinds.empty() ? "" : ", ") + std::string(MetricKindName(k));
  *error = fmt::format(
      "\"{}\" is neither a metric kind ({}) nor a metric id (kbench compare --list-metrics)", name,
      kinds);
  return nullptr;
}

}  // namespace kbench::results
