#include "sizing/plan_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace kbench::sizing {
namespace {

using nlohmann::ordered_json;

// Whole numbers as integers ("value": 12, not 12.0); non-finite as null.
ordered_json Number(double v) {
  if (!std::isfinite(v)) return nullptr;
  if (v == std::floor(v) && std::fabs(v) < 9e15) return int64_t(v);
  return v;
}

ordered_json DecisionJson(const Decision& d) {
  ordered_json bounds = ordered_json::array();
  for (const Bound& b : d.bounds) {
    bounds.push_back(
        {{"constraint", b.constraint}, {"value", Number(b.value)}, {"arithmetic", b.arithmetic}});
  }
  ordered_json inputs = ordered_json::array();
  for (const InputUsed& i : d.inputs)
    inputs.push_back({{"name", i.name}, {"value", i.value}, {"source", i.source}});
  return ordered_json{{"value", Number(d.value)}, {"constraint", d.constraint},
                      {"headroom", d.headroom},   {"unit", d.unit},
                      {"display", d.display},     {"bounds", bounds},
                      {"steps", d.steps},         {"inputs", inputs}};
}

std::vector<std::string> Scopes(const Plan& plan) {
  std::vector<std::string> scopes;
  for (const ConfigItem& c : plan.config) {
    if (std::find(scopes.begin(), scopes.end(), c.scope) == scopes.end()) scopes.push_back(c.scope);
  }
  return scopes;
}

// Every input used by any decision, once, in first-seen order.
std::vector<InputUsed> AllInputs(const Plan& plan) {
  std::vector<InputUsed> out;
  std::set<std::string> seen;
  for (const Decision* d : plan.Decisions()) {
    for (const InputUsed& i : d->inputs) {
      if (seen.insert(i.name + "\x1f" + i.value).second) out.push_back(i);
    }
  }
  return out;
}

std::string Headline(const Plan& plan) {
  return fmt::format(
      "{} partitions on {} brokers ({} disk{} of {}, {} memory, {} cores, {} NIC each), {} "
      "controllers",
      plan.partitions.display, plan.brokers.display, plan.disks_per_broker.display,
      plan.disks_per_broker.value == 1 ? "" : "s",
      FormatBytes(plan.disk_bytes_per_broker.value / std::max(1.0, plan.disks_per_broker.value)),
      plan.memory_bytes_per_broker.display, plan.cpu_cores_per_broker.display,
      plan.nic_bits_per_sec.display, plan.controllers.display);
}

// ---- table
// ------------------------------------------------------------------------------------------

void TableExplain(const Decision& d, std::string* out) {
  const Bound* binding = d.bounds.empty() ? nullptr : &Binding(d.bounds);
  for (const Bound& b : d.bounds) {
    *out +=
        fmt::format("        {} {}: {}\n", &b == binding ? "*" : "-", b.constraint, b.arithmetic);
  }
  for (const std::string& s : d.steps) *out += fmt::format("        then {}\n", s);
  for (const InputUsed& i : d.inputs)
    *out += fmt::format("        input {} = {} ({})\n", i.name, i.value, i.source);
}

std::string RenderTable(const Plan& plan, bool explain) {
  std::string out = "kbench size: " + Headline(plan) + "\n";
  if (plan.Impossible()) out += "NOT ACHIEVABLE as stated: see the impossible risks below.\n";
  out += "\n";
  for (const Decision* d : plan.Decisions()) {
    out += fmt::format("  {:<26} {}\n", d->label, d->display);
    out += fmt::format("      set by    {}\n", d->constraint);
    if (!d->headroom.empty()) out += fmt::format("      headroom  {}\n", d->headroom);
    if (explain) TableExplain(*d, &out);
  }
  out += "\nSettings\n";
  for (const std::string& scope : Scopes(plan)) {
    for (const ConfigItem& c : plan.config) {
      if (c.scope != scope) continue;
      out += fmt::format("  {:<10} {} = {}\n", c.scope, c.key, c.value);
      if (explain) out += fmt::format("             why: {}\n", c.reason);
    }
  }
  out += "\nRisks\n";
  for (Severity sev : {Severity::kImpossible, Severity::kWarning, Severity::kInfo}) {
    for (const Risk& r : plan.risks) {
      if (r.severity != sev) continue;
      out += fmt::format("  [{}] {}\n", SeverityName(r.severity), r.summary);
      if (!r.detail.empty() && (explain || sev != Severity::kInfo))
        out += fmt::format("      {}\n", r.detail);
    }
  }
  out += "\nInputs (where each number came from)\n";
  for (const InputUsed& i : AllInputs(plan))
    out += fmt::format("  {:<44} {:<14} {}\n", i.name, i.value, i.source);
  return out;
}

// ---- markdown
// ---------------------------------------------------------------------------------------

std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string RenderMarkdown(const Plan& plan, bool explain) {
  std::string out = "# kbench size\n\n" + Headline(plan) + "\n\n";
  if (plan.Impossible()) out += "**Not achievable as stated**: see the impossible risks below.\n\n";
  out += "| | value | set by | headroom |\n|---|---|---|---|\n";
  for (const Decision* d : plan.Decisions()) {
    out += fmt::format("| {} | {} | {} | {} |\n", Cell(d->label), Cell(d->display),
                       Cell(d->constraint), Cell(d->headroom));
  }
  if (explain) {
    out += "\n## Arithmetic\n";
    for (const Decision* d : plan.Decisions()) {
      out += fmt::format("\n### {} = {}\n\n", d->label, d->display);
      const Bound* binding = d->bounds.empty() ? nullptr : &Binding(d->bounds);
      for (const Bound& b : d->bounds) {
        out += fmt::format("- {}{}: {}{}\n", &b == binding ? "**" : "", b.constraint, b.arithmetic,
                           &b == binding ? "**" : "");
      }
      for (const std::string& s : d->steps) out += fmt::format("- then {}\n", s);
    }
  }
  out += "\n## Settings\n\n| scope | setting | value | why |\n|---|---|---|---|\n";
  for (const std::string& scope : Scopes(plan)) {
    for (const ConfigItem& c : plan.config) {
      if (c.scope == scope)
        out += fmt::format("| {} | `{}` | `{}` | {} |\n", c.scope, Cell(c.key), Cell(c.value),
                           Cell(c.reason));
    }
  }
  out += "\n## Risks\n\n";
  for (Severity sev : {Severity::kImpossible, Severity::kWarning, Severity::kInfo}) {
    for (const Risk& r : plan.risks) {
      if (r.severity != sev) continue;
      out += fmt::format("- **{}**: {}{}\n", SeverityName(r.severity), r.summary,
                         r.detail.empty() ? "" : ". " + r.detail);
    }
  }
  out += "\n## Inputs\n\n| input | value | source |\n|---|---|---|\n";
  for (const InputUsed& i : AllInputs(plan))
    out += fmt::format("| {} | {} | {} |\n", Cell(i.name), Cell(i.value), Cell(i.source));
  return out;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "markdown" || text == "md") return OutputFormat::kMarkdown;
  return Status::InvalidArgument(
      fmt::format("--format: \"{}\" is not table, json or markdown", std::string(text)));
}

ordered_json PlanToJson(const Plan& plan) {
  ordered_json j;
  for (const Decision* d : plan.Decisions()) j[d->key] = DecisionJson(*d);
  ordered_json config = ordered_json::object();
  for (const ConfigItem& c : plan.config)
    config[c.scope][c.key] = {{"value", c.value}, {"reason", c.reason}};
  j["config"] = config;
  ordered_json risks = ordered_json::array();
  for (const Risk& r : plan.risks) {
    risks.push_back(
        {{"key", r.key},
         {"severity", SeverityName(r.severity)},
         {"summary", r.summary},
         {"detail", r.detail},
         {"value", std::isfinite(r.value) ? ordered_json(r.value) : ordered_json(nullptr)},
         {"unit", r.unit}});
  }
  j["risks"] = risks;
  return j;
}

std::string RenderPlan(const Plan& plan, OutputFormat format, bool explain) {
  switch (format) {
    case OutputFormat::kJson:
      return PlanToJson(plan).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    case OutputFormat::kMarkdown:
      return RenderMarkdown(plan, explain);
    case OutputFormat::kTable:
      break;
  }
  return RenderTable(plan, explain);
}

}  // namespace kbench::sizing
