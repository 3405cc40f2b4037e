// scripts/nightly and scripts/update-baseline end to end on the tiny direct-driver profile set
// (tests/integration/nightly/tiny.txt), with the kbench binary of this build, in a temp directory:
// a first night without a baseline passes and says so; its runs are promoted; a clean second night
// compares "same" and exits 0; a third night with an fsync per append injected through --set
// regresses and exits 1; the report of the last night carries a trend point per night.
//
// tiny.thresholds.json loosens the latency thresholds: ctest shares two cores with other builds,
// and the tails of a 3-second run are mostly scheduling noise there. The injected regression is
// orders of magnitude beyond them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/unit/results/run_command.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench {
namespace {

using results::testing::CommandResult;
using results::testing::RunCommand;

std::string SourceDir() {
  const char* dir = std::getenv("KBENCH_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

class Nightly : public ::testing::Test {
 protected:
  // Runs a script from the temp directory (the direct driver's data goes to the current directory).
  CommandResult Script(const std::string& script, const std::string& args) {
    return RunCommand("cd " + dir_.path() + " && KBENCH=" + results::testing::KbenchBinary() + " " +
                      SourceDir() + "/scripts/" + script + " " + args + " 2>&1");
  }
  CommandResult Night(const std::string& entry, const std::string& extra = "",
                      const std::string& list = "tests/integration/nightly/tiny.txt") {
    return Script("nightly", "--profiles " + SourceDir() + "/" + list + " --history " +
                                 dir_.File("history") + " --baseline " + dir_.File("baselines") +
                                 " --entry " + entry + " " + extra);
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_.File(rel));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::string WriteList(const std::string& text) {
    const std::string path = dir_.File("list.txt");
    std::ofstream(path) << text;
    return path;
  }
  results::testing::TempDir dir_;
};

TEST_F(Nightly, CleanNightsPassAnInjectedRegressionFails) {
  const CommandResult first = Night("night-1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("| tiny-direct | 3 | no baseline |"), std::string::npos)
      << first.output;
  for (int n = 1; n <= 3; ++n)
    EXPECT_TRUE(std::filesystem::exists(
        dir_.File("history/night-1/tiny-direct/run-" + std::to_string(n) + ".json")));

  const CommandResult promote =
      Script("update-baseline",
             "--history " + dir_.File("history") + " --baseline " + dir_.File("baselines"));
  ASSERT_EQ(promote.exit_code, 0) << promote.output;
  EXPECT_NE(promote.output.find("tiny-direct <- night-1 (3 runs)"), std::string::npos)
      << promote.output;

  const CommandResult clean = Night("night-2");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_NE(clean.output.find("| tiny-direct | 3 | ok |"), std::string::npos) << clean.output;

  const CommandResult injected = Night("night-3", "--set topicConfig.flush.messages=1");
  EXPECT_EQ(injected.exit_code, 1) << injected.output;
  EXPECT_NE(injected.output.find("| tiny-direct | 3 | **REGRESSED** |"), std::string::npos)
      << injected.output;
  const auto cmp = nlohmann::json::parse(Read("history/night-3/tiny-direct.compare.json"));
  EXPECT_EQ(cmp["verdict"], "regressed");
  EXPECT_EQ(cmp["notes"][0].get<std::string>().rfind(
                "workload.topicConfig.flush.messages: (absent) vs \"1\"", 0),
            0u)
      << cmp["notes"];
  for (const auto& m : cmp["metrics"]) {
    if (m["metric"] == "publish_latency_ms.p50") {
      EXPECT_EQ(m["verdict"], "regressed") << m;
    }
  }

  // The last night's report: a trend point per night, tonight's run, the side-by-side report.
  const std::string report = Read("history/night-3/report.html");
  const size_t chart = report.find("id=\"chart-trend-tiny-direct-throughput\"");
  ASSERT_NE(chart, std::string::npos);
  const size_t points = report.find("data-points=\"", chart);
  ASSERT_NE(points, std::string::npos);
  EXPECT_EQ(report.substr(points, 15), "data-points=\"3\"");
  EXPECT_NE(report.find("<tr class=\"run\""), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("history/night-3/tiny-direct.report.html")));
}

TEST_F(Nightly, ABadListIsRefusedBeforeAnythingRuns) {
  const std::string list =
      WriteList("ok workloads/quickstart.yaml 1 --driver direct\nbad x.yaml many\n");
  const CommandResult r =
      Script("nightly", "--profiles " + list + " --history " + dir_.File("history") + " --entry n");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(list + ":2: RUNS \"many\": expected a positive integer"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("history/n/ok")));
  const CommandResult unknown = Script("nightly", "--frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown argument: --frobnicate"), std::string::npos);
}

TEST_F(Nightly, AFailedRunExitsThreeAndAMissingVariableSkipsTheProfile) {
  const std::string list = WriteList("broken " + SourceDir() +
                                     "/tests/integration/nightly/tiny.yaml 1 --driver nonsense\n"
                                     "elsewhere " +
                                     SourceDir() +
                                     "/tests/integration/nightly/tiny.yaml 1 "
                                     "--bootstrap ${KBENCH_TEST_NO_SUCH_CLUSTER}\n");
  const CommandResult r =
      Script("nightly", "--profiles " + list + " --history " + dir_.File("history") +
                            " --baseline " + dir_.File("baselines") + " --entry n");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("| broken | 1 | run failed | run 1 exited 2: "), std::string::npos)
      << r.output;
  EXPECT_NE(
      r.output.find("| elsewhere | 0 | skipped | ${KBENCH_TEST_NO_SUCH_CLUSTER} is not set |"),
      std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir_.File("history/n/report.html")));
}

TEST_F(Nightly, UpdateBaselineRefusesRunsThatLostMessages) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_.File("history/n1/p"));
  results::testing::RunSpec lossy;
  lossy.lost = 5;
  ASSERT_TRUE(results::WriteRunResultFile(results::testing::MakeRun(lossy),
                                          dir_.File("history/n1/p/run-1.json"))
                  .ok());
  const CommandResult r = Script("update-baseline", "--history " + dir_.File("history") +
                                                        " --baseline " + dir_.File("baselines"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("run-1.json: not promoted"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_.File("baselines/p")));
}

}  // namespace
}  // namespace kbench
