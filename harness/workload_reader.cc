#include "harness/workload_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kbench::harness {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (std::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string WorkloadReader::Where(const YAML::Node& node, const std::string& path) const {
  if (auto it = origins_.find(path); it != origins_.end()) return it->second;
  if (node.IsDefined()) {
    const YAML::Mark m = node.Mark();
    if (m.line >= 0) return fmt::format("{}:{}:{}", file_, m.line + 1, m.column + 1);
  }
  return file_;
}

void WorkloadReader::Error(const YAML::Node& node, const std::string& path,
                           const std::string& what) {
  errors_.push_back(fmt::format("{}: {}: {}", Where(node, path), path, what));
}

std::string WorkloadReader::Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return fmt::format("\"{}\"", node.Scalar());
}

bool WorkloadReader::ExpectMap(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) return true;
  Error(node, path, fmt::format("expected a mapping of fields, got {}", Describe(node)));
  return false;
}

bool WorkloadReader::Int(const YAML::Node& map, const char* key, const std::string& path,
                         int64_t min, int64_t* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  const std::string field = Join(path, key);
  int64_t v = 0;
  double d = 0;
  bool ok = n.IsScalar() && YAML::convert<int64_t>::decode(n, v);
  if (!ok && n.IsScalar() && YAML::convert<double>::decode(n, d) && std::isfinite(d) &&
      d == std::floor(d) && std::fabs(d) < 9e18) {
    v = static_cast<int64_t>(d);  // 1e6 written in scientific notation
    ok = true;
  }
  const std::string expected = min == 0   ? "a non-negative integer"
                               : min == 1 ? "a positive integer"
                                          : fmt::format("an integer >= {}", min);
  if (!ok || v < min) {
    Error(n, field, fmt::format("expected {}, got {}", expected, Describe(n)));
    return false;
  }
  *out = v;
  return true;
}

bool WorkloadReader::Int32(const YAML::Node& map, const char* key, const std::string& path,
                           int32_t min, int32_t* out) {
  int64_t v = 0;
  if (!Int(map, key, path, min, &v)) return false;
  if (v > INT32_MAX) {
    Error(map[key], Join(path, key), fmt::format("expected at most {}, got {}", INT32_MAX, v));
    return false;
  }
  *out = static_cast<int32_t>(v);
  return true;
}

bool WorkloadReader::Double(const YAML::Node& map, const char* key, const std::string& path,
                            double min, bool min_exclusive, double* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  double v = 0;
  const bool ok = n.IsScalar() && YAML::convert<double>::decode(n, v) && std::isfinite(v);
  const bool in_range = min_exclusive ? v > min : v >= min;
  if (!ok || !in_range) {
    const std::string expected =
        min == 0 ? (min_exclusive ? "a positive number" : "a non-negative number")
                 : fmt::format("a number {} {}", min_exclusive ? ">" : ">=", min);
    Error(n, Join(path, key), fmt::format("expected {}, got {}", expected, Describe(n)));
    return false;
  }
  *out = v;
  return true;
}

bool WorkloadReader::Bool(const YAML::Node& map, const char* key, const std::string& path,
                          bool* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    Error(n, Join(path, key), fmt::format("expected true or false, got {}", Describe(n)));
    return false;
  }
  *out = v;
  return true;
}

bool WorkloadReader::String(const YAML::Node& map, const char* key, const std::string& path,
                            std::string* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  if (!n.IsScalar()) {
    Error(n, Join(path, key), fmt::format("expected a string, got {}", Describe(n)));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool WorkloadReader::Choice(const YAML::Node& map, const char* key, const std::string& path,
                            const std::vector<std::string_view>& choices, int* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  std::string list;
  for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  if (n.IsScalar()) {
    auto it = std::find(choices.begin(), choices.end(), n.Scalar());
    if (it != choices.end()) {
      *out = static_cast<int>(it - choices.begin());
      return true;
    }
    const std::string hint = DidYouMean(n.Scalar(), choices);
    Error(n, Join(path, key),
          fmt::format("expected one of {}, got {}{}", list, Describe(n),
                      hint.empty() ? "" : fmt::format(" (did you mean {}?)", hint)));
    return false;
  }
  Error(n, Join(path, key), fmt::format("expected one of {}, got {}", list, Describe(n)));
  return false;
}

bool WorkloadReader::StringList(const YAML::Node& map, const char* key, const std::string& path,
                                std::vector<std::string>* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) return false;
  if (!n.IsSequence()) {
    Error(n, Join(path, key), fmt::format("expected a list of strings, got {}", Describe(n)));
    return false;
  }
  std::vector<std::string> v;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      Error(n[i], fmt::format("{}[{}]", Join(path, key), i),
            "expected a string, got " + Describe(n[i]));
      return false;
    }
    v.push_back(n[i].Scalar());
  }
  *out = std::move(v);
  return true;
}

bool WorkloadReader::StringMap(const YAML::Node& map, const char* key, const std::string& path,
                               std::map<std::string, std::string>* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  const std::string field = Join(path, key);
  if (!ExpectMap(n, field)) return false;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (!it->second.IsScalar()) {
      Error(it->second, Join(field, k),
            fmt::format("expected a scalar property value, got {}", Describe(it->second)));
      ok = false;
      continue;
    }
    (*out)[k] = it->second.Scalar();
  }
  return ok;
}

void WorkloadReader::CheckKnownKeys(const YAML::Node& map, const std::string& path,
                                    const std::vector<std::string_view>& known) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string hint = DidYouMean(key, known);
    errors_.push_back(fmt::format("{}: {}: unknown field{}", Where(it->first, Join(path, key)),
                                  Join(path, key),
                                  hint.empty() ? "" : fmt::format(" (did you mean {}?)", hint)));
  }
}

}  // namespace kbench::harness
