// The live progress line on stderr, once per interval:
//   [measure]  42/130 s  produced 49,998 msg/s 48.8 MB/s  consumed 50,012 msg/s  p99 3.12 ms  e2e
//   p99 4.80 ms  lag 12
// On a terminal the line rewrites itself in place ("\r" + erase to end of line); otherwise (CI
// logs, a pipe) each update is its own line, so logs stay readable.
//
// Threads: one caller (the collector thread). The FILE is not owned.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace kbench::harness {

struct ProgressSample {
  std::string phase;  // "warmup", "measure", "drain", "max-rate 400000/s", ...
  double elapsed_s = 0;
  double total_s = 0;
  double produced_msgs_per_sec = 0;
  double produced_mb_per_sec = 0;
  double consumed_msgs_per_sec = 0;
  std::optional<double> publish_p99_ms;
  std::optional<double> e2e_p99_ms;
  int64_t lag_messages = 0;
  int64_t errors = 0;
};

class ProgressLine {
 public:
  // `tty`: rewrite in place. Use IsTerminal(out) for the real decision.
  ProgressLine(std::FILE* out, bool tty) : out_(out), tty_(tty) {}
  static bool IsTerminal(std::FILE* f);
  static std::string Format(const ProgressSample& s);

  void Update(const ProgressSample& s);
  // Ends an in-place line with a newline so later output starts on a fresh line. Idempotent.
  void Finish();

 private:
  std::FILE* out_;  // not owned
  bool tty_;
  bool open_line_ = false;
};

}  // namespace kbench::harness
