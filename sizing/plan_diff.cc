#include "sizing/plan_diff.h"

#include <fmt/format.h>

#include <algorithm>

namespace kbench::sizing {
namespace {

using nlohmann::ordered_json;

// The constraint's name only ("network"), without its arithmetic, for comparing what binds.
std::string ConstraintName(const Decision& d) {
  return d.bounds.empty() ? d.constraint : Binding(d.bounds).constraint;
}

const Risk* FindByKey(const std::vector<Risk>& risks, const std::string& key) {
  for (const Risk& r : risks) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

std::vector<Risk> KeysMissing(const std::vector<Risk>& from, const std::vector<Risk>& in) {
  std::vector<Risk> out;
  for (const Risk& r : from) {
    if (FindByKey(in, r.key) == nullptr) out.push_back(r);
  }
  return out;
}

std::string SettingsText(const WhatIf& w) {
  std::string s;
  for (const auto& [k, v] : w.settings) s += (s.empty() ? "" : ", ") + k + "=" + v;
  return s;
}

std::string RenderDiffText(const WhatIf& w, const Plan& after, const PlanDiff& diff,
                           bool markdown) {
  std::string out = markdown ? fmt::format("# what if {}\n\n", SettingsText(w))
                             : fmt::format("kbench size: what if {}\n\n", SettingsText(w));
  if (diff.changes.empty()) out += "No number in the plan changes.\n";
  if (markdown && !diff.changes.empty())
    out += "| | before | after | set by (after) |\n|---|---|---|---|\n";
  for (const DecisionChange& c : diff.changes) {
    std::string by = c.constraint_after + (c.constraint_before != c.constraint_after
                                               ? fmt::format(" (was {})", c.constraint_before)
                                               : std::string());
    out += markdown ? fmt::format("| {} | {} | {} | {} |\n", c.label, c.before, c.after, by)
                    : fmt::format("  {:<26} {:>12} -> {:<12} set by {}\n", c.label, c.before,
                                  c.after, by);
  }
  out += markdown ? "\n" : "\n";
  for (const Risk& r : diff.risks_added) {
    out +=
        fmt::format("{}+ [{}] {}\n", markdown ? "- " : "  ", SeverityName(r.severity), r.summary);
  }
  for (const Risk& r : diff.risks_removed) {
    out +=
        fmt::format("{}- [{}] {}\n", markdown ? "- " : "  ", SeverityName(r.severity), r.summary);
  }
  for (const RiskChange& c : diff.risks_changed) {
    out += fmt::format("{}~ [{}] {} (was: {})\n", markdown ? "- " : "  ",
                       SeverityName(c.after.severity), c.after.summary, c.before.summary);
  }
  if (after.Impossible())
    out += "\nThe changed plan is NOT ACHIEVABLE as stated (see + [impossible] above).\n";
  return out;
}

}  // namespace

Result<std::pair<std::string, std::string>> ParseWhatIf(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    return Status::InvalidArgument(
        fmt::format("--what-if: \"{}\" is not key=value (for example rf=2 or ingress=600MB/s)",
                    std::string(text)));
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

Result<Requirements> ApplyWhatIf(const Requirements& base, const WhatIf& what_if) {
  Requirements r = base;
  for (const auto& [key, value] : what_if.settings) {
    KB_RETURN_IF_ERROR(
        SetRequirement(&r, key, value, fmt::format("--what-if {}={}", key, value), "what-if"));
  }
  return r;
}

PlanDiff DiffPlans(const Plan& before, const Plan& after) {
  PlanDiff diff;
  std::vector<const Decision*> a = before.Decisions();
  std::vector<const Decision*> b = after.Decisions();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i]->value == b[i]->value && ConstraintName(*a[i]) == ConstraintName(*b[i])) continue;
    diff.changes.push_back(DecisionChange{a[i]->key, a[i]->label, a[i]->display, b[i]->display,
                                          ConstraintName(*a[i]), ConstraintName(*b[i])});
  }
  diff.risks_added = KeysMissing(after.risks, before.risks);
  diff.risks_removed = KeysMissing(before.risks, after.risks);
  for (const Risk& b : before.risks) {
    const Risk* a = FindByKey(after.risks, b.key);
    if (a != nullptr && (a->summary != b.summary || a->severity != b.severity)) {
      diff.risks_changed.push_back(RiskChange{b, *a});
    }
  }
  return diff;
}

std::string RenderDiff(const WhatIf& what_if, const Plan& before, const Plan& after,
                       const PlanDiff& diff, OutputFormat format) {
  if (format != OutputFormat::kJson)
    return RenderDiffText(what_if, after, diff, format == OutputFormat::kMarkdown);
  ordered_json settings = ordered_json::object();
  for (const auto& [k, v] : what_if.settings) settings[k] = v;
  ordered_json changes = ordered_json::array();
  for (const DecisionChange& c : diff.changes) {
    changes.push_back({{"key", c.key},
                       {"before", c.before},
                       {"after", c.after},
                       {"constraint_before", c.constraint_before},
                       {"constraint_after", c.constraint_after}});
  }
  auto risk_list = [](const std::vector<Risk>& risks) {
    ordered_json out = ordered_json::array();
    for (const Risk& r : risks)
      out.push_back(
          {{"key", r.key}, {"severity", SeverityName(r.severity)}, {"summary", r.summary}});
    return out;
  };
  ordered_json changed = ordered_json::array();
  for (const RiskChange& c : diff.risks_changed) {
    changed.push_back({{"key", c.after.key},
                       {"severity", SeverityName(c.after.severity)},
                       {"summary", c.after.summary},
                       {"was", c.before.summary}});
  }
  ordered_json j{{"base", PlanToJson(before)},
                 {"what_if", {{"set", settings}, {"plan", PlanToJson(after)}}},
                 {"diff",
                  {{"changes", changes},
                   {"risks_added", risk_list(diff.risks_added)},
                   {"risks_removed", risk_list(diff.risks_removed)},
                   {"risks_changed", changed}}}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace kbench::sizing
