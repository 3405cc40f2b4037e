#include "harness/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace kbench::harness {
namespace {

// 1234567.8 -> "1,234,568"
std::string Grouped(double v) {
  const std::string digits = fmt::format("{:.0f}", std::max(0.0, v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Ms(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f} ms", *v) : std::string("-");
}

}  // namespace

bool ProgressLine::IsTerminal(std::FILE* f) { return isatty(fileno(f)) == 1; }

std::string ProgressLine::Format(const ProgressSample& s) {
  std::string line = fmt::format(
      "[{}] {:>4.0f}/{:.0f} s  produced {} msg/s {:.1f} MB/s  consumed {} msg/s  p99 {}  e2e p99 "
      "{}  lag {}",
      s.phase, s.elapsed_s, s.total_s, Grouped(s.produced_msgs_per_sec), s.produced_mb_per_sec,
      Grouped(s.consumed_msgs_per_sec), Ms(s.publish_p99_ms), Ms(s.e2e_p99_ms),
      Grouped(static_cast<double>(s.lag_messages)));
  if (s.errors > 0) line += fmt::format("  errors {}", Grouped(static_cast<double>(s.errors)));
  return line;
}

void ProgressLine::Update(const ProgressSample& s) {
  if (tty_) {
    fmt::print(out_, "\r\x1b[K{}", Format(s));
    open_line_ = true;
  } else {
    fmt::print(out_, "{}\n", Format(s));
  }
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (open_line_) {
    fmt::print(out_, "\n");
    std::fflush(out_);
  }
  open_line_ = false;
}

}  // namespace kbench::harness
