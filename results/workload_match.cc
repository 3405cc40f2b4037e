#include "results/workload_match.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace kbench::results {
namespace {

using nlohmann::json;

// Objects become dotted paths (an empty one adds nothing); arrays and scalars are leaves (an array
// of faults or rate steps is one value: any difference in it is one difference).
void Flatten(const json& j, const std::string& prefix, std::map<std::string, json>* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      Flatten(*it, prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  (*out)[prefix] = j;
}

bool IsTuning(std::string_view path) {
  const std::string_view top = path.substr(0, path.find('.'));
  return std::find(kTuningKeys.begin(), kTuningKeys.end(), top) != kTuningKeys.end();
}

// Numbers compare by value (6 and 6.0 are the same workload).
bool SameValue(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

std::string Shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

WorkloadDiff DiffWorkloads(const nlohmann::json& a, const nlohmann::json& b) {
  std::map<std::string, json> fa, fb;
  Flatten(a, "", &fa);
  Flatten(b, "", &fb);
  WorkloadDiff d;
  for (const auto& [path, va] : fa) {
    auto it = fb.find(path);
    if (it == fb.end()) {
      d.notes.push_back(fmt::format("{}: {} vs (absent)", path, Shown(va)));
    } else if (!SameValue(va, it->second)) {
      (IsTuning(path) ? d.notes : d.mismatches)
          .push_back(fmt::format("{}: {} vs {}", path, Shown(va), Shown(it->second)));
    }
  }
  for (const auto& [path, vb] : fb) {
    if (!fa.contains(path)) d.notes.push_back(fmt::format("{}: (absent) vs {}", path, Shown(vb)));
  }
  return d;
}

}  // namespace kbench::results
