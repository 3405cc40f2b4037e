// SummaryDocument: the part of a results document (docs/results.md) that regression tracking reads:
// `summary`, the resolved `workload` (to refuse comparing different workloads), `target.kind` and
// a few labels (run id, start time, kbench revision). Reading only these keeps `kbench compare` and
// the nightly trend working on results written by older kbench versions with the same
// schema_version, whatever else their documents hold or lack.
//
// Contract: the schema_version rule and the required summary fields are RunResultFromJson's, with
// the same messages naming the file and field. `workload` must be an object with a string `name`;
// every other key read here is optional.
//
// Plain values and pure functions (plus one file read); any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "results/run_result.h"

namespace kbench::results {

struct SummaryDocument {
  std::string source;         // the path (or name) it was read from, for messages
  std::string workload_name;  // workload.name
  std::string variant;        // workload.variant, "" when absent
  nlohmann::json workload = nlohmann::json::object();  // the resolved profile
  std::string target_kind;                             // target.kind, "" when absent
  std::string run_id, started_at, revision;            // run.id, run.started_at, kbench.revision
  Summary summary;

  // "quickstart" or "acks-comparison/acks-1".
  std::string WorkloadLabel() const;
};

Result<SummaryDocument> SummaryDocumentFromJson(const nlohmann::json& j, std::string_view source);
Result<SummaryDocument> ReadSummaryDocument(const std::string& path);

}  // namespace kbench::results
