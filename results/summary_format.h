// How a run's results read on a terminal at the end of `kbench run`:
//
//   PerfTestLine: kafka-producer-perf-test's final line, which Kafka users know, over the
//   measurement phase:
//     600000 records sent, 10000.000000 records/sec (9.54 MB/sec), 1.30 ms avg latency, 15.30 ms
//     max latency, 1.20 ms 50th, 2.00 ms 95th, 3.10 ms 99th, 7.90 ms 99.9th.
//   Like the perf test, MB/sec here is 2^20 bytes per second (the results JSON's mb_per_sec is
//   10^6), and the latency is publish latency, here measured from the intended send time
//   (coordinated omission corrected). Percentiles keep two decimals instead of the perf test's
//   whole milliseconds.
//
//   SummaryTable: throughput, the three latency distributions, the audit and the SLO, as aligned
//   text.
//
// Pure functions; any thread.
#pragma once

#include <string>

#include "results/run_result.h"

namespace kbench::results {

std::string PerfTestLine(const RunResult& r);
std::string SummaryTable(const RunResult& r);

// True when the audit found acknowledged messages lost although the configuration promised none
// (`kbench run` exits 1 then).
bool LossBreaksPromise(const Summary& s);

}  // namespace kbench::results
