#include "results/compare_format.h"

#include <fmt/format.h>

#include <cmath>

#include "results/number_format.h"

namespace kbench::results {
namespace {

using nlohmann::json;

std::string OverallLine(const Comparison& c) {
  return fmt::format("{}: {} regressed, {} improved, {} same, {} n/a",
                     c.regressed() ? "REGRESSED" : "no regression", c.Count(Verdict::kRegressed),
                     c.Count(Verdict::kImproved), c.Count(Verdict::kSame),
                     c.Count(Verdict::kNotAvailable));
}

std::string VerdictCell(Verdict v) {
  switch (v) {
    case Verdict::kRegressed:
      return "REGRESSED";
    case Verdict::kImproved:
      return "improved";
    default:
      return std::string(VerdictName(v));
  }
}

json SideJson(const std::optional<SampleStats>& s) {
  if (!s) return nullptr;
  return {{"n", s->n()},   {"median", s->median}, {"mad", s->mad},
          {"min", s->min}, {"max", s->max},       {"values", s->values}};
}

}  // namespace

std::string FormatSide(const std::optional<SampleStats>& s) {
  if (!s) return "-";
  if (s->n() < 2 || s->mad == 0) return FormatNumber(s->median);
  if (s->median == 0) return fmt::format("{} ±{}", FormatNumber(s->median), FormatNumber(s->mad));
  return fmt::format("{} ±{:.1f}%", FormatNumber(s->median), 100 * s->mad / std::fabs(s->median));
}

std::string FormatChange(const MetricComparison& m) {
  if (!m.base || !m.next) return "-";
  if (m.shift == 0) return "0";
  if (m.relative && *m.relative >= 9) return FormatNumber(1 + *m.relative) + "x";  // 10x and up
  if (m.relative) return fmt::format("{:+.1f}%", *m.relative * 100);
  return fmt::format("+{}", FormatNumber(m.shift));
}

std::string ComparisonTable(const Comparison& c) {
  std::string out = fmt::format(
      "kbench compare: {} (base: {} run{}, new: {} run{}; medians ±MAD, noise gate {} x base "
      "MAD)\n\n",
      c.workload, c.base_sources.size(), c.base_sources.size() == 1 ? "" : "s",
      c.new_sources.size(), c.new_sources.size() == 1 ? "" : "s", FormatNumber(c.spread_factor));
  out += fmt::format("  {:<20} {:<9} {:>18} {:>18} {:>9}  {:<10} {}\n", "metric", "unit", "base",
                     "new", "change", "verdict", "why");
  for (const MetricComparison& m : c.metrics) {
    out += fmt::format("  {:<20} {:<9} {:>18} {:>18} {:>9}  {:<10} {}\n", m.metric->label,
                       m.metric->unit, FormatSide(m.base), FormatSide(m.next), FormatChange(m),
                       VerdictCell(m.verdict), m.reason);
  }
  if (!c.notes.empty()) {
    out += "\nnotes (base vs new):\n";
    for (const std::string& n : c.notes) out += fmt::format("  {}\n", n);
  }
  out += fmt::format("\n{}\n", OverallLine(c));
  return out;
}

std::string ComparisonMarkdown(const Comparison& c) {
  std::string out = fmt::format("### kbench compare: `{}`: {}\n\n", c.workload, OverallLine(c));
  out += fmt::format(
      "Base: {} run(s), new: {} run(s); medians ±MAD; a change counts when it "
      "passes the metric's threshold, {} x the base runs' MAD and their range.\n\n",
      c.base_sources.size(), c.new_sources.size(), FormatNumber(c.spread_factor));
  out += "| metric | base | new | change | verdict | why |\n|---|---:|---:|---:|---|---|\n";
  for (const MetricComparison& m : c.metrics) {
    const std::string verdict = m.verdict == Verdict::kRegressed ? "**regressed**"
                                : m.verdict == Verdict::kImproved
                                    ? "_improved_"
                                    : std::string(VerdictName(m.verdict));
    out += fmt::format("| {} ({}) | {} | {} | {} | {} | {} |\n", m.metric->label, m.metric->unit,
                       FormatSide(m.base), FormatSide(m.next), FormatChange(m), verdict, m.reason);
  }
  if (!c.notes.empty()) {
    out += "\nNotes (base vs new):\n\n";
    for (const std::string& n : c.notes) out += fmt::format("- `{}`\n", n);
  }
  return out;
}

nlohmann::json ComparisonJson(const Comparison& c) {
  json metrics = json::array();
  for (const MetricComparison& m : c.metrics) {
    metrics.push_back({{"metric", m.metric->id},
                       {"label", m.metric->label},
                       {"unit", m.metric->unit},
                       {"kind", MetricKindName(m.metric->kind)},
                       {"direction", m.metric->direction == Direction::kHigherIsBetter  ? "higher"
                                     : m.metric->direction == Direction::kLowerIsBetter ? "lower"
                                                                                        : "none"},
                       {"base", SideJson(m.base)},
                       {"new", SideJson(m.next)},
                       {"shift", m.shift},
                       {"relative", m.relative ? json(*m.relative) : json(nullptr)},
                       {"threshold",
                        {{"relative", m.threshold.relative},
                         {"absolute", m.threshold.absolute},
                         {"noise", m.noise}}},
                       {"verdict", VerdictName(m.verdict)},
                       {"reason", m.reason}});
  }
  return {{"workload", c.workload},
          {"verdict", c.regressed() ? "regressed" : "ok"},
          {"regressed", c.Count(Verdict::kRegressed)},
          {"improved", c.Count(Verdict::kImproved)},
          {"same", c.Count(Verdict::kSame)},
          {"spread_factor", c.spread_factor},
          {"base", c.base_sources},
          {"new", c.new_sources},
          {"notes", c.notes},
          {"metrics", metrics}};
}

}  // namespace kbench::results
