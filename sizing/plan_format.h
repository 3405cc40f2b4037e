// Rendering a Plan as a terminal table, JSON or markdown, optionally with the arithmetic
// (--explain).
//
// JSON (documented in docs/sizing.md, "Plan JSON"): the top level has exactly `partitions`,
// `brokers`, `disks_per_broker`, `disk_bytes_per_broker`, `memory_bytes_per_broker`,
// `cpu_cores_per_broker`, `nic_bits_per_sec`, `controllers` (each an object with `value`,
// `constraint`, `headroom`, `unit`, `display`, `bounds`, `steps`, `inputs`), then `config` (scope
// -> key -> {value, reason}) and `risks` (array of {key, severity, summary, detail, value, unit}).
//
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "sizing/plan.h"

namespace kbench::sizing {

enum class OutputFormat { kTable, kJson, kMarkdown };
Result<OutputFormat> ParseOutputFormat(std::string_view text);

nlohmann::ordered_json PlanToJson(const Plan& plan);
std::string RenderPlan(const Plan& plan, OutputFormat format, bool explain);

}  // namespace kbench::sizing
