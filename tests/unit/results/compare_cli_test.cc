// `kbench compare` as CI runs it: exit 0 without a regression, 1 with one, 2 for bad input (an
// unreadable or invalid file named in the message, different workloads, bad flags); "BASE... --
// NEW..." with options anywhere; the three output formats.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/unit/results/run_command.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench::results {
namespace {

using testing::MakeRun;
using testing::RunCommand;
using testing::RunSpec;

class CompareCli : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const RunSpec& s) {
    const std::string path = dir_.File(name);
    EXPECT_TRUE(WriteRunResultFile(MakeRun(s), path).ok());
    return path;
  }
  testing::CommandResult Compare(const std::string& args) {
    return RunCommand(testing::KbenchBinary() + " compare " + args + " 2>&1");
  }
  // Three base and three new runs; `next` sets the new side.
  std::string Sides(const RunSpec& next) {
    std::string base, fresh;
    for (uint32_t i = 1; i <= 3; ++i) {
      RunSpec b;
      b.seed = i;
      RunSpec n = next;
      n.seed = i + 10;
      base += Write("base-" + std::to_string(i) + ".json", b) + " ";
      fresh += Write("new-" + std::to_string(i) + ".json", n) + " ";
    }
    return base + "-- " + fresh;
  }
  testing::TempDir dir_;
};

TEST_F(CompareCli, NoRegressionExitsZero) {
  const auto r = Compare(Sides(RunSpec{}));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("base: 3 runs, new: 3 runs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no regression"), std::string::npos);
}

TEST_F(CompareCli, ARegressionExitsOneAndOptionsMayComeAnywhere) {
  RunSpec slow;
  slow.rate = 3000;
  const auto r = Compare("--format json " + Sides(slow) + " --spread-factor 3");
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["verdict"], "regressed");
  EXPECT_EQ(j["new"].size(), 3u);
  const auto md = Compare("--format markdown " + Sides(slow));
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_NE(md.output.find("| produced msgs/s (msgs/s) | 5000 | 3000 | -40.0% | **regressed** |"),
            std::string::npos)
      << md.output;
}

TEST_F(CompareCli, TwoFilesWithoutASeparatorAreBaseAndNew) {
  RunSpec lossy;
  lossy.lost = 2;
  const auto r = Compare(Write("a.json", RunSpec{}) + " " + Write("b.json", lossy));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("2 messages lost in 1 of 1 new runs"), std::string::npos) << r.output;
  const auto out = Compare(Write("c.json", RunSpec{}) + " " + Write("d.json", RunSpec{}) + " -o " +
                           dir_.File("cmp.md") + " --format markdown");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  std::ifstream md(dir_.File("cmp.md"));
  std::string first;
  std::getline(md, first);
  EXPECT_EQ(
      first,
      "### kbench compare: `quickstart`: no regression: 0 regressed, 0 improved, 20 same, 0 n/a");
}

TEST_F(CompareCli, AnUnreadableFileExitsTwoNamingIt) {
  const std::string a = Write("a.json", RunSpec{});
  auto r = Compare(a + " " + dir_.File("missing.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cannot open " + dir_.File("missing.json")), std::string::npos)
      << r.output;
  std::ofstream(dir_.File("garbage.json")) << "not json";
  r = Compare(dir_.File("garbage.json") + " -- " + a);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("garbage.json") + ": not valid JSON at byte"),
            std::string::npos)
      << r.output;
  std::ofstream(dir_.File("other.json")) << R"({"schema_version": 1, "workload": {"name": "x"}})";
  r = Compare(a + " " + dir_.File("other.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("other.json") + ": summary: missing (required)"),
            std::string::npos)
      << r.output;
}

TEST_F(CompareCli, DifferentWorkloadsExitTwoUnlessAllowed) {
  RunSpec other;
  other.name = "e2e-latency";
  const std::string files = Write("a.json", RunSpec{}) + " " + Write("b.json", other);
  auto r = Compare(files);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cannot compare runs of different workloads"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--allow-different-workloads"), std::string::npos);
  r = Compare("--allow-different-workloads " + files);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("compared anyway: workload.name"), std::string::npos) << r.output;
}

TEST_F(CompareCli, BadFlagsAndMissingSidesExitTwo) {
  const std::string a = Write("a.json", RunSpec{});
  EXPECT_EQ(Compare(a).exit_code, 2);
  EXPECT_EQ(Compare(a + " " + a + " " + a).exit_code, 2);  // three files need a "--"
  auto r = Compare("--threshold latency_p98=0.1 " + a + " " + a);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("latency_p98"), std::string::npos) << r.output;
  EXPECT_EQ(Compare("--format yaml " + a + " " + a).exit_code, 2);
  std::ofstream(dir_.File("t.json")) << R"({"kinds": {"throughput": {"relative": "x"}}})";
  r = Compare("--thresholds " + dir_.File("t.json") + " " + a + " " + a);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(dir_.File("t.json") + ": kinds.throughput.relative"), std::string::npos)
      << r.output;
}

TEST_F(CompareCli, ListMetricsShowsTheDefaults) {
  const auto r = Compare("--list-metrics");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("publish_latency_ms.p99"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("latency_p99"), std::string::npos);
}

}  // namespace
}  // namespace kbench::results
