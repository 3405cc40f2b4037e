#include "harness/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kbench::harness {
namespace {

ProgressSample Sample(double t) {
  ProgressSample s;
  s.phase = "measure";
  s.elapsed_s = t;
  s.total_s = 130;
  s.produced_msgs_per_sec = 49'998;
  s.produced_mb_per_sec = 48.83;
  s.consumed_msgs_per_sec = 1'234'567;
  s.publish_p99_ms = 3.125;
  s.lag_messages = 12;
  return s;
}

std::string Capture(bool tty) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  ProgressLine line(f, tty);
  line.Update(Sample(1));
  line.Update(Sample(2));
  line.Finish();
  line.Finish();
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

TEST(ProgressLine, FormatShowsElapsedRatesP99AndLag) {
  const std::string s = ProgressLine::Format(Sample(42));
  EXPECT_NE(s.find("[measure]"), std::string::npos);
  EXPECT_NE(s.find("42/130 s"), std::string::npos);
  EXPECT_NE(s.find("produced 49,998 msg/s 48.8 MB/s"), std::string::npos);
  EXPECT_NE(s.find("consumed 1,234,567 msg/s"), std::string::npos);
  EXPECT_NE(s.find("p99 3.12 ms"), std::string::npos) << s;
  EXPECT_NE(s.find("e2e p99 -"), std::string::npos);
  EXPECT_NE(s.find("lag 12"), std::string::npos);
  EXPECT_EQ(s.find("errors"), std::string::npos);
}

TEST(ProgressLine, TerminalRewritesOneLineInPlace) {
  const std::string out = Capture(true);
  EXPECT_EQ(out.rfind("\r\x1b[K", 0), 0u);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 2);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // only Finish ends the line
  EXPECT_EQ(out.back(), '\n');
}

TEST(ProgressLine, PipeGetsPlainLines) {
  const std::string out = Capture(false);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

}  // namespace
}  // namespace kbench::harness
