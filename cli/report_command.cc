// kbench report RESULTS... -o report.html [--format html|csv] [--trend HISTORY_DIR]: one
// self-contained HTML page (results/report_html.h) or CSV files (results/report_csv.h) for one or
// several runs, optionally with the nightly trend of a history directory (results/history.h).
// Exit 0 written, 2 bad input (unreadable or invalid file, nothing to report), 3 cannot write.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "results/history.h"
#include "results/report_csv.h"
#include "results/report_html.h"

namespace kbench::cli {
namespace {

struct ReportFlags {
  std::vector<std::string> files;
  std::string output;
  std::string format = "html";
  std::string trend_dir;
  std::string title = "kbench report";
};

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Status::FromErrno("cannot create " + path, errno);
  out << text;
  out.flush();
  if (!out) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

// "<dir>/<stem>.<suffix>.csv" beside the main CSV.
std::string SiblingCsv(const std::string& output, std::string_view suffix) {
  std::filesystem::path p(output);
  return (p.parent_path() / fmt::format("{}.{}.csv", p.stem().string(), suffix)).string();
}

Result<std::vector<results::ReportRun>> ReadRuns(const std::vector<std::string>& files) {
  std::vector<results::ReportRun> runs;
  for (const std::string& f : files) {
    try {  // nlohmann throws on a few malformed optional fields; name the file
      KB_ASSIGN_OR_RETURN(results::RunResult r, results::ReadRunResultFile(f));
      runs.push_back({f, std::move(r)});
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(fmt::format("{}: {}", f, e.what()));
    }
  }
  return runs;
}

int WriteCsv(const ReportFlags& f, const std::vector<results::ReportRun>& runs,
             const results::History* history) {
  std::vector<std::pair<std::string, std::string>> outputs;
  if (!runs.empty()) {
    outputs.emplace_back(f.output, results::SummaryCsv(runs));
    outputs.emplace_back(SiblingCsv(f.output, "timeseries"), results::TimeSeriesCsv(runs));
  }
  if (history != nullptr)
    outputs.emplace_back(runs.empty() ? f.output : SiblingCsv(f.output, "trend"),
                         results::TrendCsv(*history));
  for (const auto& [path, text] : outputs) {
    if (Status s = WriteFile(path, text); !s.ok()) {
      fmt::print(stderr, "kbench report: {}\n", s.message());
      return kExitError;
    }
    fmt::print("wrote {}\n", path);
  }
  return kExitOk;
}

int Run(ReportFlags& f) {
  if (f.files.empty() && f.trend_dir.empty()) {
    fmt::print(stderr, "kbench report: give results files and/or --trend HISTORY_DIR\n");
    return kExitBadInput;
  }
  if (f.output.empty()) f.output = f.format == "csv" ? "report.csv" : "report.html";
  auto runs = ReadRuns(f.files);
  if (!runs.ok()) {
    fmt::print(stderr, "kbench report: {}\n", runs.status().message());
    return kExitBadInput;
  }
  std::optional<results::History> history;
  if (!f.trend_dir.empty()) {
    auto h = results::LoadHistory(f.trend_dir);
    if (!h.ok()) {
      fmt::print(stderr, "kbench report: --trend {}\n", h.status().message());
      return kExitBadInput;
    }
    for (const std::string& p : h->problems) fmt::print(stderr, "kbench report: skipped {}\n", p);
    history = std::move(*h);
  }
  if (f.format == "csv") return WriteCsv(f, *runs, history ? &*history : nullptr);
  results::ReportOptions o;
  o.title = f.title;
  o.generated_at = fmt::format(
      "{:%Y-%m-%d %H:%M:%S} UTC",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
  o.history = history ? &*history : nullptr;
  auto html = results::RenderHtmlReport(*runs, o);
  if (!html.ok()) {
    fmt::print(stderr, "kbench report: {}\n", html.status().message());
    return kExitBadInput;
  }
  if (Status s = WriteFile(f.output, *html); !s.ok()) {
    fmt::print(stderr, "kbench report: {}\n", s.message());
    return kExitError;
  }
  fmt::print("wrote {}\n", f.output);
  return kExitOk;
}

}  // namespace

Subcommand AddReportCommand(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report", "self-contained HTML report (inline SVG charts) or CSV of one or several runs");
  cmd->add_option("results", flags->files, "results JSON files (kbench run -o), side by side");
  cmd->add_option("-o,--output", flags->output,
                  "output file (default report.html, or report.csv with --format csv; CSV also "
                  "writes <stem>.timeseries.csv and <stem>.trend.csv beside it)");
  cmd->add_option("--format", flags->format, "html (default) or csv")
      ->check(CLI::IsMember({"html", "csv"}));
  cmd->add_option("--trend", flags->trend_dir,
                  "nightly history directory (<dir>/<entry>/<profile>/*.json): adds trend lines "
                  "per metric across its entries");
  cmd->add_option("--title", flags->title, "page title");
  return Subcommand{cmd, [flags] { return Run(*flags); }};
}

}  // namespace kbench::cli
