// kbench compare BASE... -- NEW...  (or BASE NEW): regression verdicts between two sets of runs of
// one workload (results/compare.h). Exit 0 no regression, 1 a regression, 2 bad input (unreadable
// file, not a results document, different workloads, bad flags).
//
// Parsing: CLI11 swallows a bare "--" and cannot tell where one list of positionals ends, so the
// subcommand is a prefix command: options before the first file are parsed by CLI11 as usual, and
// everything from the first file on is split here at the first "--" and each half parsed by a
// private CLI11 app carrying the same options (so options may come anywhere).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "results/compare.h"
#include "results/compare_format.h"
#include "results/number_format.h"

namespace kbench::cli {
namespace {

struct CompareFlags {
  std::string format = "table";
  std::string output;
  std::string thresholds_file;
  std::vector<std::string> relative, absolute, ignore;
  double spread_factor = -1;
  bool allow_different_workloads = false;
  bool list_metrics = false;
};

void AddFlags(CLI::App* app, CompareFlags* f) {
  app->add_option("--format", f->format, "table (default), markdown or json")
      ->check(CLI::IsMember({"table", "markdown", "json"}));
  app->add_option("-o,--output", f->output, "write the comparison here instead of stdout");
  app->add_option("--thresholds", f->thresholds_file,
                  "JSON file of thresholds per kind / metric (docs/compare.md)");
  auto append = [](std::vector<std::string>* to) {
    return [to](const std::vector<std::string>& v) { to->insert(to->end(), v.begin(), v.end()); };
  };
  app->add_option_function<std::vector<std::string>>(
         "--threshold", append(&f->relative),
         "NAME=FRACTION: relative threshold of a metric kind or id (latency_p99=0.3); repeatable")
      ->allow_extra_args(false);
  app->add_option_function<std::vector<std::string>>(
         "--absolute", append(&f->absolute),
         "NAME=VALUE: absolute floor in the metric's unit (latency_p50=0.02); repeatable")
      ->allow_extra_args(false);
  app->add_option_function<std::vector<std::string>>("--ignore", append(&f->ignore),
                                                     "NAME: a metric kind or id not to judge")
      ->allow_extra_args(false);
  app->add_option("--spread-factor", f->spread_factor,
                  "a shift must exceed this many MADs of the base runs (default 3)");
  app->add_flag("--allow-different-workloads", f->allow_different_workloads,
                "compare runs even when their workloads differ in shape");
  app->add_flag("--list-metrics", f->list_metrics,
                "list the metrics with their kinds and default thresholds");
}

// Parses one half of the file list (options may be mixed in) and returns its files.
std::vector<std::string> ParseHalf(const std::vector<std::string>& tokens, CompareFlags* f) {
  CLI::App app{"kbench compare"};
  AddFlags(&app, f);
  std::vector<std::string> files;
  app.add_option("files", files);
  std::vector<std::string> reversed(tokens.rbegin(), tokens.rend());  // CLI11 wants them reversed
  app.parse(reversed);
  return files;
}

std::string ListMetrics() {
  const results::CompareThresholds defaults;
  std::string out = fmt::format("  {:<26} {:<13} {:<8} {:>9} {:>9}\n", "metric", "kind", "better",
                                "relative", "absolute");
  for (const results::MetricDef& m : results::CompareMetrics()) {
    const results::Threshold t = defaults.For(m);
    out +=
        fmt::format("  {:<26} {:<13} {:<8} {:>8}% {:>9}\n", m.id, MetricKindName(m.kind),
                    m.direction == results::Direction::kHigherIsBetter  ? "higher"
                    : m.direction == results::Direction::kLowerIsBetter ? "lower"
                                                                        : "-",
                    results::FormatNumber(t.relative * 100),
                    t.ignore ? "-" : results::FormatNumber(t.absolute) + " " + std::string(m.unit));
  }
  return out + fmt::format("  noise gate: beyond {} x the base runs' MAD and outside their range\n",
                           defaults.spread_factor());
}

Status BuildOptions(const CompareFlags& f, results::CompareOptions* o) {
  using Field = results::CompareThresholds::Field;
  if (!f.thresholds_file.empty()) KB_RETURN_IF_ERROR(o->thresholds.ApplyFile(f.thresholds_file));
  for (const std::string& s : f.relative)
    KB_RETURN_IF_ERROR(o->thresholds.ApplyFlag(s, Field::kRelative));
  for (const std::string& s : f.absolute)
    KB_RETURN_IF_ERROR(o->thresholds.ApplyFlag(s, Field::kAbsolute));
  for (const std::string& s : f.ignore) KB_RETURN_IF_ERROR(o->thresholds.Ignore(s));
  if (f.spread_factor >= 0) o->thresholds.set_spread_factor(f.spread_factor);
  o->allow_different_workloads = f.allow_different_workloads;
  return Status::Ok();
}

Result<std::vector<results::SummaryDocument>> ReadAll(const std::vector<std::string>& paths) {
  std::vector<results::SummaryDocument> docs;
  for (const std::string& p : paths) {
    KB_ASSIGN_OR_RETURN(results::SummaryDocument d, results::ReadSummaryDocument(p));
    docs.push_back(std::move(d));
  }
  return docs;
}

std::string Render(const results::Comparison& c, const std::string& format) {
  if (format == "markdown") return results::ComparisonMarkdown(c);
  if (format == "json") return results::ComparisonJson(c).dump(2) + "\n";
  return results::ComparisonTable(c);
}

int Emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    fmt::print("{}", text);
    return kExitOk;
  }
  std::ofstream out(output, std::ios::trunc);
  out << text;
  out.flush();
  if (!out) {
    fmt::print(stderr, "kbench compare: cannot write {}\n", output);
    return kExitError;
  }
  return kExitOk;
}

// The two file lists: split at the first "--", or two files without one. Returns an exit status
// when the command ends here (help, a parse error, --list-metrics, a missing side).
std::optional<int> ParseFiles(const std::vector<std::string>& tokens, CLI::App* cmd,
                              CompareFlags* f, std::vector<std::string>* base,
                              std::vector<std::string>* next) {
  const auto sep = std::find(tokens.begin(), tokens.end(), "--");
  try {
    *base = ParseHalf({tokens.begin(), sep}, f);
    if (sep != tokens.end()) *next = ParseHalf({sep + 1, tokens.end()}, f);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", cmd->help());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "kbench compare: {}\n", e.what());
    return kExitBadInput;
  }
  if (f->list_metrics) {
    fmt::print("{}", ListMetrics());
    return kExitOk;
  }
  if (sep == tokens.end() && base->size() == 2) next->push_back(base->back()), base->pop_back();
  if (base->empty() || next->empty()) {
    fmt::print(
        stderr,
        "kbench compare: give two results files, or BASE... -- NEW... (got {} base, {} new)\n",
        base->size(), next->size());
    return kExitBadInput;
  }
  return std::nullopt;
}

int Run(CompareFlags& f, const std::vector<std::string>& tokens, CLI::App* cmd) {
  std::vector<std::string> base, next;
  if (auto rc = ParseFiles(tokens, cmd, &f, &base, &next)) return *rc;
  results::CompareOptions options;
  if (Status s = BuildOptions(f, &options); !s.ok()) {
    fmt::print(stderr, "kbench compare: {}\n", s.message());
    return kExitBadInput;
  }
  auto base_docs = ReadAll(base);
  auto next_docs = base_docs.ok() ? ReadAll(next) : base_docs;
  if (!next_docs.ok()) {
    fmt::print(stderr, "kbench compare: {}\n", next_docs.status().message());
    return kExitBadInput;
  }
  auto c = results::Compare(*base_docs, *next_docs, options);
  if (!c.ok()) {
    fmt::print(stderr, "kbench compare: {}\n", c.status().message());
    return kExitBadInput;
  }
  if (const int rc = Emit(Render(*c, f.format), f.output); rc != kExitOk) return rc;
  return c->regressed() ? kExitFinding : kExitOk;
}

}  // namespace

Subcommand AddCompareCommand(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "regression verdicts: kbench compare BASE.json NEW.json, or BASE... -- NEW... (repeated "
      "runs: medians and spread); exit 0 no regression, 1 regression, 2 bad input");
  AddFlags(cmd, flags.get());
  cmd->prefix_command();  // the file lists are split at "--" in Run
  cmd->footer(
      "Metrics, kinds and default thresholds: kbench compare --list-metrics; "
      "reasoning in docs/compare.md.");
  return Subcommand{cmd, [flags, cmd] { return Run(*flags, cmd->remaining(), cmd); }};
}

}  // namespace kbench::cli
