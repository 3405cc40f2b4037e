// Test helpers: build requirements from key/value pairs (the same path flags and YAML take) and
// plan them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

#include "sizing/capacity.h"
#include "sizing/plan.h"
#include "sizing/requirements.h"

namespace kbench::sizing::testing {

inline Requirements MakeRequirements(
    std::initializer_list<std::pair<std::string, std::string>> kv) {
  Requirements r;
  for (const auto& [k, v] : kv) {
    Status s = SetRequirement(&r, k, v, "--" + k, "--" + k);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return r;
}

inline Plan PlanOf(const Requirements& req, const CapacityInputs& inputs = {}) {
  Result<ResolvedRequirements> r = Resolve(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::optional<LatencySlo> slo;
  if (r->latency_slo) slo = r->latency_slo->value;
  return BuildPlan(*r, BuildCapacity(inputs, slo));
}

inline const ConfigItem* FindConfig(const Plan& p, const std::string& scope,
                                    const std::string& key) {
  auto it = std::find_if(p.config.begin(), p.config.end(),
                         [&](const ConfigItem& c) { return c.scope == scope && c.key == key; });
  return it == p.config.end() ? nullptr : &*it;
}

inline const Risk* FindRisk(const Plan& p, const std::string& key) {
  auto it =
      std::find_if(p.risks.begin(), p.risks.end(), [&](const Risk& r) { return r.key == key; });
  return it == p.risks.end() ? nullptr : &*it;
}

inline std::string BindingName(const Decision& d) { return Binding(d.bounds).constraint; }

}  // namespace kbench::sizing::testing
