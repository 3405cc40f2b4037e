// Runs one resolved workload against a Kafka-protocol cluster through the kafka driver and returns
// its RunResult (docs/results.md):
//
//   topics (created, or checked when they exist) -> consumers join -> producers send open-loop
//   -> warm-up (discarded) -> measure -> producers stop, flush -> drain (consumers catch up,
//   bounded)
//   -> audit reconciled, lag judged (Burrow), environment captured, results assembled (+ .hlog
//   files)
//
// The collector (the calling thread) closes an interval every second: time series, .hlog lines,
// progress.
//
// Not here yet, refused with a clear error rather than run wrongly: the embedded cluster and fault
// schedules (they need the bundled broker), producerRate 0 (max-rate search),
// consumerBacklogSizeGB.
//
// Threads: RunWorkload blocks the caller; it starts and joins one thread per producer and per
// consumer.
#pragma once

#include <cstdio>
#include <string>

#include "core/base/result.h"
#include "harness/workload_spec.h"
#include "results/run_result.h"

namespace kbench::harness {

struct RunnerOptions {
  std::string bootstrap;      // the cluster (required)
  std::string output_json;    // "" = do not write; else the results file, .hlog files beside it
  std::string topic_prefix;   // "" = kbench-<name>[-<variant>]-<random>; topics are <prefix>-<t>
  bool create_topics = true;  // false: the topics exist already (partition counts are checked)
  std::string data_dir;       // whose disk the environment describes ("" = current directory)
  int64_t interval_ms = 1000;
  std::FILE* progress = stderr;  // nullptr = no progress line
  bool progress_tty = false;     // rewrite the line in place
};

Result<results::RunResult> RunWorkload(const Workload& w, const RunnerOptions& options);

// <output stem>.<variant>.json for a variant of a multi-variant profile; the path itself otherwise.
std::string VariantOutputPath(const std::string& output_json, const std::string& variant);

}  // namespace kbench::harness
