// --what-if: how a plan changes when some requirements change. A what-if is a list of key=value
// settings using the requirement field names (YAML or flag spelling: "rf=2", "--ingress=600MB/s"),
// applied together on top of the base requirements.
//
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "sizing/plan.h"
#include "sizing/plan_format.h"
#include "sizing/requirements.h"

namespace kbench::sizing {

struct WhatIf {
  std::vector<std::pair<std::string, std::string>> settings;  // key, value as typed
};

// Parses "key=value"; errors name the --what-if argument.
Result<std::pair<std::string, std::string>> ParseWhatIf(std::string_view text);
// Applies the settings to a copy of `base`.
Result<Requirements> ApplyWhatIf(const Requirements& base, const WhatIf& what_if);

struct DecisionChange {
  std::string key;
  std::string label;
  std::string before;
  std::string after;
  std::string constraint_before;
  std::string constraint_after;
};

struct RiskChange {
  Risk before;
  Risk after;
};

struct PlanDiff {
  std::vector<DecisionChange> changes;    // decisions whose value or binding constraint changed
  std::vector<Risk> risks_added;          // keys only in the changed plan
  std::vector<Risk> risks_removed;        // keys only in the base plan
  std::vector<RiskChange> risks_changed;  // same key, different summary or severity
};

PlanDiff DiffPlans(const Plan& before, const Plan& after);
std::string RenderDiff(const WhatIf& what_if, const Plan& before, const Plan& after,
                       const PlanDiff& diff, OutputFormat format);

}  // namespace kbench::sizing
