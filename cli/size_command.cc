// kbench size: requirements (flags and/or a YAML file) + capacity (--hardware, --from, defaults) ->
// plan. Parsing and printing only; the model is in sizing/.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "sizing/capacity.h"
#include "sizing/hardware_profile.h"
#include "sizing/measured_capacity.h"
#include "sizing/plan.h"
#include "sizing/plan_diff.h"
#include "sizing/plan_format.h"
#include "sizing/requirements.h"

namespace kbench::cli {
namespace {

using namespace kbench::sizing;

struct SizeOptions {
  std::map<std::string, std::string> values;  // requirement key -> text, from flags
  bool keyed = false;
  std::string requirements_file;
  std::string hardware_file;
  std::vector<std::string> from_files;
  std::string format = "table";
  bool explain = false;
  std::vector<std::string> what_if;
};

int BadInput(const Status& s) {
  fmt::print(stderr, "kbench size: {}\n", s.message());
  return kExitBadInput;
}

Result<Requirements> GatherRequirements(const SizeOptions& o) {
  Requirements req;
  if (!o.requirements_file.empty())
    KB_RETURN_IF_ERROR(LoadRequirementsYaml(o.requirements_file, &req));
  for (const RequirementField& f : RequirementFields()) {
    auto it = o.values.find(f.key);
    if (it != o.values.end() && !it->second.empty()) {
      KB_RETURN_IF_ERROR(SetRequirement(&req, f.key, it->second, f.flag, f.flag));
    }
  }
  if (o.keyed) KB_RETURN_IF_ERROR(SetRequirement(&req, "keyed", "true", "--keyed", "--keyed"));
  return req;
}

Result<CapacityInputs> GatherCapacityInputs(const SizeOptions& o) {
  CapacityInputs in;
  if (!o.hardware_file.empty()) {
    KB_ASSIGN_OR_RETURN(in.hardware, ReadHardwareProfile(o.hardware_file));
    in.hardware_path = o.hardware_file;
  }
  for (const std::string& path : o.from_files) {
    KB_ASSIGN_OR_RETURN(MeasuredRun run, ReadResultsFile(path));
    in.runs.push_back(std::move(run));
  }
  return in;
}

Result<Plan> PlanFor(const Requirements& req, const CapacityInputs& inputs) {
  KB_ASSIGN_OR_RETURN(ResolvedRequirements resolved, Resolve(req));
  std::optional<LatencySlo> slo;
  if (resolved.latency_slo) slo = resolved.latency_slo->value;
  return BuildPlan(resolved, BuildCapacity(inputs, slo));
}

int Run(const SizeOptions& o) {
  Result<OutputFormat> format = ParseOutputFormat(o.format);
  if (!format.ok()) return BadInput(format.status());
  Result<Requirements> req = GatherRequirements(o);
  if (!req.ok()) return BadInput(req.status());
  Result<CapacityInputs> inputs = GatherCapacityInputs(o);
  if (!inputs.ok()) return BadInput(inputs.status());
  Result<Plan> plan = PlanFor(*req, *inputs);
  if (!plan.ok()) return BadInput(plan.status());
  if (o.what_if.empty()) {
    std::cout << RenderPlan(*plan, *format, o.explain);
    return plan->Impossible() ? kExitFinding : kExitOk;
  }
  WhatIf what_if;
  for (const std::string& w : o.what_if) {
    auto kv = ParseWhatIf(w);
    if (!kv.ok()) return BadInput(kv.status());
    what_if.settings.push_back(*kv);
  }
  Result<Requirements> changed = ApplyWhatIf(*req, what_if);
  if (!changed.ok()) return BadInput(changed.status());
  Result<Plan> variant = PlanFor(*changed, *inputs);
  if (!variant.ok()) return BadInput(variant.status());
  PlanDiff diff = DiffPlans(*plan, *variant);
  if (*format != OutputFormat::kJson) std::cout << RenderPlan(*plan, *format, o.explain) << "\n";
  std::cout << RenderDiff(what_if, *plan, *variant, diff, *format);
  return plan->Impossible() || variant->Impossible() ? kExitFinding : kExitOk;
}

}  // namespace

Subcommand AddSizeCommand(CLI::App& app) {
  auto opts = std::make_shared<SizeOptions>();
  CLI::App* cmd = app.add_subcommand("size",
                                     "partitions, brokers, disks, NIC, memory and CPU for a "
                                     "workload, naming the constraint behind each");
  cmd->footer(
      "Sizes and rates take units: KB/KiB/MB/MiB/GB/TB, /s (or /min, /h, /d), k/M/G for counts, "
      "s/m/h/d for "
      "time, Gbps for links. Exit status: 0 plan, 1 a goal is impossible (stated in the risks), 2 "
      "bad input.");
  for (const RequirementField& f : RequirementFields()) {
    std::string help = f.is_switch ? f.help : fmt::format("{} (e.g. {})", f.help, f.example);
    if (f.is_switch) {
      cmd->add_flag(f.flag, opts->keyed, help);
    } else {
      cmd->add_option(f.flag, opts->values[f.key], help)->group("Requirements");
    }
  }
  cmd->add_option("--requirements", opts->requirements_file,
                  "requirements YAML (flags override its values)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--hardware", opts->hardware_file, "hardware profile written by kbench probe")
      ->check(CLI::ExistingFile);
  cmd->add_option("--from", opts->from_files,
                  "results JSON files of kbench run (capacity measured at the SLO)")
      ->check(CLI::ExistingFile)
      ->expected(1, -1);
  cmd->add_option("--format", opts->format, "table, json or markdown")->default_str("table");
  cmd->add_flag("--explain", opts->explain, "print the arithmetic behind every number");
  cmd->add_option("--what-if", opts->what_if, "key=value: show how the plan changes (repeatable)");
  return Subcommand{cmd, [opts] { return Run(*opts); }};
}

}  // namespace kbench::cli
