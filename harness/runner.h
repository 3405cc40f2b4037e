// Runs one resolved workload through a driver (driver.h: the kafka driver against a
// Kafka-protocol cluster, or the direct driver in-process) and returns its RunResult
// (docs/results.md):
//
//   topics (created, or checked when they exist) -> consumers join -> producers send open-loop
//   -> [backlog: consumers paused until consumerBacklogSizeGB is written and acknowledged, its
//   segments evicted from the page cache when asked, consumers resumed] -> warm-up (discarded)
//   -> measure -> producers stop, flush -> drain (consumers catch up, bounded)
//   -> audit reconciled against the logs' ranges, lag judged (Burrow), environment captured,
//   results assembled (+ .hlog files) -> the driver is closed (the direct driver removes the
//   run's data unless kept)
//
// The collector (the calling thread) closes an interval every second: time series, .hlog lines,
// progress. Both drivers share all of it; only the clients differ.
//
// Targets: the direct driver (in-process storage), the kafka driver against --bootstrap (any
// Kafka cluster; a fault schedule is refused as bad input: kbench cannot break those brokers), or,
// with neither, the embedded cluster built from the profile (embedded_driver.h), which also runs
// the fault schedule.
//
// Threads: RunWorkload blocks the caller; it starts and joins one thread per producer and per
// consumer.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "harness/driver.h"
#include "harness/workload_spec.h"
#include "results/run_result.h"

namespace kbench::harness {

enum class DriverKind { kKafka, kDirect };

struct RunnerOptions {
  DriverKind driver = DriverKind::kKafka;
  std::string bootstrap;      // kafka: the cluster ("" = the embedded cluster)
  std::string output_json;    // "" = do not write; else the results file, .hlog files beside it
  std::string topic_prefix;   // "" = kbench-<name>[-<variant>]-<random>; topics are <prefix>-<t>
  bool create_topics = true;  // kafka: false = the topics exist already (partition counts checked)
  // The disk under test. external: whose disk the environment describes ("" = current
  // directory). direct: the run's logs go to <data_dir>/<run id> ("" = the current directory).
  // embedded: the brokers' log dirs under <data_dir>/<run id>/ (kept); "" = a temporary directory,
  // removed after the run.
  std::string data_dir;
  bool keep_data = false;  // direct, embedded without data_dir: keep the run's log dirs
  int64_t interval_ms = 1000;
  std::FILE* progress = stderr;  // nullptr = no progress line (and no notes)
  bool progress_tty = false;     // rewrite the line in place
};

// Makes the driver `options` ask for and runs the workload with it.
Result<results::RunResult> RunWorkload(const Workload& w, const RunnerOptions& options);

// Runs the workload with a driver the caller made (an embedded cluster's kafka driver, tests);
// the driver is closed at the end. options.driver and options.bootstrap are not used.
Result<results::RunResult> RunWorkloadWith(const Workload& w, const RunnerOptions& options,
                                           std::unique_ptr<Driver> driver);

// <output stem>.<variant>.json for a variant of a multi-variant profile; the path itself otherwise.
std::string VariantOutputPath(const std::string& output_json, const std::string& variant);

}  // namespace kbench::harness
