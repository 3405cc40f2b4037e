// Internal to workload_spec.cc: typed, position-aware reads from a yaml-cpp tree, collecting every
// problem instead of stopping at the first. Each problem names where it came from
// (file:line:column, or the
// --set that put the value there), the field path, what was expected and what was found.
//
// Not thread-safe; one per parse.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kbench::harness {

class WorkloadReader {
 public:
  // origins: field path -> "--set k=v" for values put there by overrides.
  WorkloadReader(std::string file, std::map<std::string, std::string> origins)
      : file_(std::move(file)), origins_(std::move(origins)) {}

  // "<file>:<line>:<col>" for parsed nodes, "--set ..." for overridden ones, "<file>" otherwise.
  std::string Where(const YAML::Node& node, const std::string& path) const;
  void Error(const YAML::Node& node, const std::string& path, const std::string& what);
  const std::vector<std::string>& errors() const { return errors_; }

  // Each returns false (leaving *out alone) when the key is absent or its value is wrong; a wrong
  // value is recorded as an error. `path` is the parent's field path ("" at the top, "cluster",
  // "faults[2]").
  bool Int(const YAML::Node& map, const char* key, const std::string& path, int64_t min,
           int64_t* out);
  bool Int32(const YAML::Node& map, const char* key, const std::string& path, int32_t min,
             int32_t* out);
  bool Double(const YAML::Node& map, const char* key, const std::string& path, double min,
              bool min_exclusive, double* out);
  bool Bool(const YAML::Node& map, const char* key, const std::string& path, bool* out);
  bool String(const YAML::Node& map, const char* key, const std::string& path, std::string* out);
  // One of `choices` (exact spelling); returns the index.
  bool Choice(const YAML::Node& map, const char* key, const std::string& path,
              const std::vector<std::string_view>& choices, int* out);
  bool StringList(const YAML::Node& map, const char* key, const std::string& path,
                  std::vector<std::string>* out);
  // A map of scalar values, kept as strings (Kafka property maps).
  bool StringMap(const YAML::Node& map, const char* key, const std::string& path,
                 std::map<std::string, std::string>* out);

  // Records an error for every key of `map` not in `known`, with a did-you-mean when one is close.
  void CheckKnownKeys(const YAML::Node& map, const std::string& path,
                      const std::vector<std::string_view>& known);
  // True when map is a mapping; records "expected a mapping" otherwise.
  bool ExpectMap(const YAML::Node& node, const std::string& path);

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string Describe(
      const YAML::Node& node);  // "\"abc\"", "a list", "a mapping", "nothing"

 private:
  std::string file_;
  std::map<std::string, std::string> origins_;
  std::vector<std::string> errors_;
};

// Closest candidate within a small edit distance (case-insensitive), or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace kbench::harness
