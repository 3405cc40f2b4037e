// kbench run: parse flags, load + validate the profile, hand each variant to the harness's runner,
// print the perf-test line and the summary table, and map the outcome to the exit status: 0
// completed, 1 acknowledged messages lost although the profile promised none, 2 bad input, 3 error.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/base/log.h"
#include "harness/progress.h"
#include "harness/runner.h"
#include "harness/workload_spec.h"
#include "results/summary_format.h"

namespace kbench::cli {
namespace {

struct RunFlags {
  std::string profile;
  std::string bootstrap;
  std::string data_dir;
  std::string driver = "kafka";
  std::vector<std::string> sets;
  std::string variant;
  std::string output;
  std::string topic_prefix;
  bool existing_topics = false;
  bool keep_data = false;
};

// results/latest/<name>-<UTC time>.json, one stamp per invocation (variants add .<variant>).
std::string DefaultOutput(const harness::Workload& w, const std::string& stamp) {
  return fmt::format("results/latest/{}-{}.json", w.name, stamp);
}

std::string UtcStamp() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

// Before anything runs: the results file's directory is created and must be writable, so a long
// run does not end without a place for its results. A directory given as the file is bad input;
// a place the OS refuses is the environment's problem.
int CheckOutput(const std::string& output) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(output, ec)) {
    fmt::print(stderr, "kbench run: -o {}: is a directory; expected a results file (.json)\n",
               output);
    return kExitBadInput;
  }
  const fs::path parent = fs::path(output).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec == std::errc::not_a_directory || ec == std::errc::file_exists) {
    fmt::print(stderr, "kbench run: -o {}: {} is not a directory\n", output, parent.string());
    return kExitBadInput;
  }
  const std::string dir = parent.empty() ? "." : parent.string();
  if (ec || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    fmt::print(stderr, "kbench run: -o {}: cannot write in {}: {}\n", output, dir,
               ec ? ec.message() : std::strerror(errno));
    return kExitError;
  }
  return kExitOk;
}

int ExitFor(const Status& st) {
  switch (st.code()) {
    case StatusCode::kUnsupported:
    case StatusCode::kInvalidArgument:
      return kExitBadInput;
    default:
      return kExitError;
  }
}

int RunOne(const harness::Workload& w, const RunFlags& f, const std::string& output, bool* loss) {
  harness::RunnerOptions o;
  o.driver = f.driver == "direct" ? harness::DriverKind::kDirect : harness::DriverKind::kKafka;
  o.bootstrap = f.bootstrap;
  o.keep_data = f.keep_data;
  o.output_json = output;
  o.topic_prefix = f.topic_prefix;
  o.create_topics = !f.existing_topics;
  o.data_dir = f.data_dir;
  o.progress = stderr;
  o.progress_tty = harness::ProgressLine::IsTerminal(stderr);
  if (const int rc = CheckOutput(output); rc != kExitOk) return rc;
  fmt::print("== {}{}: {}\n", w.name, w.variant.empty() ? "" : " / " + w.variant, w.description);
  std::fflush(stdout);
  auto r = harness::RunWorkload(w, o);
  if (!r.ok()) {
    fmt::print(stderr, "kbench run: {}\n", r.status().message());
    return ExitFor(r.status());
  }
  // The last line on stdout says where the results went (scripts read it).
  fmt::print("{}\n\n{}\nresults: {}\n", results::PerfTestLine(*r), results::SummaryTable(*r),
             output);
  std::fflush(stdout);
  if (results::LossBreaksPromise(r->summary)) *loss = true;
  return kExitOk;
}

int Run(const RunFlags& f) {
  if (f.driver != "kafka" && f.driver != "direct") {
    fmt::print(stderr, "kbench run: --driver {}: expected kafka or direct\n", f.driver);
    return kExitBadInput;
  }
  const bool direct = f.driver == "direct";
  if (direct && !f.bootstrap.empty()) {
    fmt::print(stderr,
               "kbench run: --driver direct drives the storage engine in-process; --bootstrap is "
               "for the kafka driver\n");
    return kExitBadInput;
  }
  if (direct && f.existing_topics) {
    fmt::print(stderr, "kbench run: --existing-topics is for the kafka driver\n");
    return kExitBadInput;
  }
  harness::WorkloadLoadOptions lo;
  lo.overrides = f.sets;
  lo.embedded = f.bootstrap.empty();  // the direct driver's logs are local too
  lo.only_variant = f.variant;
  auto workloads = harness::LoadWorkloadFile(f.profile, lo);
  if (!workloads.ok()) {
    fmt::print(stderr, "{}\n", workloads.status().message());
    return kExitBadInput;
  }
  // The embedded cluster's brokers log their routine (groups, stops) at info; on the run's stderr
  // that would break up the progress line. Warnings (ISR changes, faults) stay.
  if (!direct && f.bootstrap.empty()) {
    if (std::getenv("KBENCH_LOG_LEVEL") == nullptr) log::SetLevel(log::Level::kWarn);
    // As `kbench cluster`: a write to a client or peer that went away (a crashed broker's
    // connections) is an error on that socket, never the end of the run.
    ::signal(SIGPIPE, SIG_IGN);
  }
  bool loss = false;
  const std::string stamp = UtcStamp();
  for (const harness::Workload& w : *workloads) {
    if (&w != &workloads->front()) fmt::print("\n");
    const std::string base = f.output.empty() ? DefaultOutput(w, stamp) : f.output;
    const std::string output =
        workloads->size() > 1 ? harness::VariantOutputPath(base, w.variant) : base;
    if (const int rc = RunOne(w, f, output, &loss); rc != kExitOk) return rc;
  }
  if (loss) {
    fmt::print(
        stderr,
        "kbench run: acknowledged messages were lost although the configuration promised none\n");
    return kExitFinding;
  }
  return kExitOk;
}

}  // namespace

Subcommand AddRunCommand(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand("run", "drive a workload profile and write its results JSON");
  run->add_option("profile", flags->profile, "workload profile (workloads/*.yaml)")->required();
  run->add_option("--bootstrap", flags->bootstrap,
                  "HOST:PORT[,...] of a Kafka cluster (default: embedded cluster)");
  run->add_option(
      "--data-dir", flags->data_dir,
      "the disk under test: log dirs of the embedded cluster (<dir>/<run id>/broker-<i>, "
      "kept; default: a temporary directory, removed) or of the direct driver "
      "(default: the current directory)");
  run->add_option("--driver", flags->driver,
                  "kafka (librdkafka) or direct (the storage engine in-process, no protocol)");
  run->add_flag(
      "--keep-data", flags->keep_data,
      "keep the run's log dirs (direct: under --data-dir; embedded without --data-dir: the "
      "temporary directory); by default they are removed after the run");
  run->add_option("--set", flags->sets, "override a profile field: key=value (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--variant", flags->variant, "run only this variant of the profile");
  run->add_option("-o,--output", flags->output,
                  "results JSON (default results/latest/<name>-<UTC time>.json); .hlog files "
                  "beside it");
  run->add_option("--topic-prefix", flags->topic_prefix,
                  "topic names <prefix>-<n> (default kbench-<name>-<random>)");
  run->add_flag("--existing-topics", flags->existing_topics,
                "use existing topics <prefix>-<n> instead of creating them");
  return Subcommand{run, [flags] { return Run(*flags); }};
}

}  // namespace kbench::cli
