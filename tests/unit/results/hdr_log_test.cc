#include "results/hdr_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "results/hdr_encoding.h"

namespace kbench::results {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kbench-hlog-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

constexpr int64_t kStartMs = 1'700'000'000'000;

// Three one-second intervals with different shapes, tagged as the harness tags them.
std::vector<std::pair<std::string, HdrHistogram>> SampleIntervals() {
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::string, HdrHistogram>> out;
  std::lognormal_distribution<double> lognormal(std::log(3e6), 1.0);
  std::uniform_int_distribution<int64_t> uniform(1, 2'000'000'000);
  HdrHistogram a, b, c;
  for (int i = 0; i < 50'000; ++i) a.Record(static_cast<int64_t>(lognormal(rng)));
  for (int i = 0; i < 20'000; ++i) b.Record(uniform(rng));
  c.Record(1);
  c.RecordN(1'000'000'000'000, 7);  // 1,000 s stalls
  out.emplace_back("publish_latency", std::move(a));
  out.emplace_back("e2e_latency", std::move(b));
  out.emplace_back("publish_delay", std::move(c));
  return out;
}

Status WriteSample(const std::string& path) {
  KB_ASSIGN_OR_RETURN(HdrLogWriter w,
                      HdrLogWriter::Create(path, kStartMs, kStartMs, {"kbench test"}));
  int64_t t = kStartMs;
  for (auto& [tag, h] : SampleIntervals()) {
    KB_RETURN_IF_ERROR(w.WriteInterval(h, t, 1000, tag));
    t += 1000;
  }
  return w.Close();
}

TEST(HdrLog, WriterOutputParsesBackWithTagsTimesAndCounts) {
  TempDir dir;
  ASSERT_TRUE(WriteSample(dir / "a.hlog").ok());
  auto log = ReadHdrLogFile(dir / "a.hlog");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto expected = SampleIntervals();
  ASSERT_EQ(log->intervals.size(), expected.size());
  EXPECT_DOUBLE_EQ(log->start_time_s, kStartMs / 1000.0);
  for (size_t i = 0; i < expected.size(); ++i) {
    const HdrLogInterval& got = log->intervals[i];
    EXPECT_EQ(got.tag, expected[i].first);
    EXPECT_NEAR(got.start_s, kStartMs / 1000.0 + static_cast<double>(i), 1e-6);
    EXPECT_DOUBLE_EQ(got.length_s, 1.0);
    EXPECT_EQ(got.histogram.TotalCount(), expected[i].second.TotalCount());
    EXPECT_EQ(got.histogram.ValueAtPercentile(99), expected[i].second.ValueAtPercentile(99));
  }
}

TEST(HdrLog, ParserNamesTheBadLine) {
  auto log = ParseHdrLog("#[BaseTime: 0.000 (seconds since epoch)]\n0.0,1.0,2.0,AAAA\n", "x.hlog");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("x.hlog:2"), std::string_view::npos)
      << log.status().ToString();
  EXPECT_FALSE(ParseHdrLog("0.0,abc,2.0,AAAA\n").ok());
  EXPECT_FALSE(ParseHdrLog("0.0,1.0\n").ok());
}

TEST(HdrLog, WriterRefusesTagsHdrHistogramCannotRead) {
  TempDir dir;
  auto w = HdrLogWriter::Create(dir / "t.hlog", kStartMs, kStartMs);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->WriteInterval(HdrHistogram(), kStartMs, 1000, "a,b").ok());
  EXPECT_FALSE(w->WriteInterval(HdrHistogram(), kStartMs, 1000, "a b").ok());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool HaveJavaToolchain() {
  return std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") == 0;
}

std::string HdrJar() {
  for (const char* p : {"/usr/share/java/HdrHistogram.jar", "/usr/share/java/hdrhistogram.jar"}) {
    if (fs::exists(p)) return p;
  }
  return {};
}

// The proof that the .hlog files are HdrHistogram's format: HdrHistogram's own Java reader
// (Debian's libhdrhistogram-java) decodes them to the same counts and percentiles, and what its
// writer produces decodes here to the same counts.
TEST(HdrLogJava, HdrHistogramJavaReadsOurLogAndWeReadItsLog) {
  if (!HaveJavaToolchain())
    GTEST_SKIP() << "javac/java not installed (scripts/install-deps installs them)";
  const std::string jar = HdrJar();
  ASSERT_FALSE(jar.empty()) << "libhdrhistogram-java is not installed (scripts/install-deps)";
  const char* src = std::getenv("KBENCH_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  TempDir dir;
  ASSERT_TRUE(WriteSample(dir / "ours.hlog").ok());
  const std::string java_src = std::string(src) + "/tests/unit/results/HlogDump.java";
  const std::string compile = "javac -nowarn -cp " + jar + " -d " + (dir / "") + " " + java_src;
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
  const std::string run = "java -cp " + (dir / "") + ":" + jar + " HlogDump " +
                          (dir / "ours.hlog") + " " + (dir / "theirs.hlog") + " > " +
                          (dir / "dump.txt");
  ASSERT_EQ(std::system(run.c_str()), 0) << run;

  std::istringstream dump(Slurp(dir / "dump.txt"));
  auto expected = SampleIntervals();
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string tag;
    int64_t start_ms, count, max, p50, p90, p99, p999, p100;
    double mean;
    ASSERT_TRUE(dump >> tag >> start_ms >> count >> max >> p50 >> p90 >> p99 >> p999 >> p100 >>
                mean)
        << "interval " << i << " missing in Java's output:\n"
        << Slurp(dir / "dump.txt");
    const HdrHistogram& h = expected[i].second;
    EXPECT_EQ(tag, expected[i].first);
    EXPECT_EQ(start_ms, kStartMs + static_cast<int64_t>(i) * 1000);
    EXPECT_EQ(count, h.TotalCount());
    EXPECT_EQ(max, h.HighestEquivalent(h.Max()));
    EXPECT_EQ(p50, h.ValueAtPercentile(50));
    EXPECT_EQ(p90, h.ValueAtPercentile(90));
    EXPECT_EQ(p99, h.ValueAtPercentile(99));
    EXPECT_EQ(p999, h.ValueAtPercentile(99.9));
    EXPECT_EQ(p100, h.ValueAtPercentile(100));
    EXPECT_NEAR(mean, h.Mean(), 1e-6 * h.Mean() + 1e-3);
  }

  auto theirs = ReadHdrLogFile(dir / "theirs.hlog");
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  ASSERT_EQ(theirs->intervals.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const HdrHistogram& got = theirs->intervals[i].histogram;
    EXPECT_EQ(theirs->intervals[i].tag, expected[i].first);
    EXPECT_NEAR(theirs->intervals[i].start_s, kStartMs / 1000.0 + static_cast<double>(i), 1e-3);
    ASSERT_EQ(got.TotalCount(), expected[i].second.TotalCount());
    for (int32_t k = 0; k < got.counts_length(); ++k) {
      ASSERT_EQ(got.CountAtIndex(k), expected[i].second.CountAtIndex(k))
          << "interval " << i << " index " << k;
    }
  }
}

}  // namespace
}  // namespace kbench::results
