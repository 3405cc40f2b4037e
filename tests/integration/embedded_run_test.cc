// `kbench run` on its default target, the embedded replicated cluster, through the binary as users
// run it: workloads/quickstart.yaml (shortened with --set) completes with exit status 0, ends with
// the `results: <path>` line, and its results JSON holds the documented summary, a clean audit and
// the cluster's counters; the temporary log dirs are removed afterwards. A fault schedule against
// --bootstrap is bad input (exit 2).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace kbench {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_status = -1;
  std::string out, err;
};

class EmbeddedRunTest : public ::testing::Test {
 protected:
  EmbeddedRunTest() {
    char tmpl[] = "/tmp/kbench-embedded-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const char* bin = std::getenv("KBENCH_BINARY_DIR");
    const fs::path build = bin != nullptr
                               ? fs::path(bin)
                               : fs::read_symlink("/proc/self/exe").parent_path().parent_path();
    kbench_ = (build / "kbench").string();
    const char* src = std::getenv("KBENCH_SOURCE_DIR");
    source_ = src != nullptr ? std::string(src) : build.parent_path().string();
  }
  ~EmbeddedRunTest() override { fs::remove_all(dir_); }

  Outcome Kbench(const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    // TMPDIR: the embedded cluster's temporary log dirs go under the test's directory, so the test
    // can see that they are removed.
    const std::string cmd = "cd " + dir_ + " && TMPDIR=" + dir_ + "/tmp " + kbench_ + " " + args +
                            " >" + out + " 2>" + err;
    fs::create_directories(dir_ + "/tmp");
    const int rc = std::system(cmd.c_str());
    Outcome o;
    o.exit_status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    o.out = Slurp(out);
    o.err = Slurp(err);
    return o;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_, kbench_, source_;
};

TEST_F(EmbeddedRunTest, QuickstartRunsOnTheEmbeddedClusterAndItsResultsAddUp) {
  const Outcome o = Kbench("run " + source_ +
                           "/workloads/quickstart.yaml --set testDurationSeconds=6 "
                           "--set warmupDurationSeconds=2");
  ASSERT_EQ(o.exit_status, 0) << o.err << o.out;
  // The last line on stdout names the results file (the default place under the cwd).
  const std::string marker = "results: ";
  const size_t at = o.out.rfind(marker);
  ASSERT_NE(at, std::string::npos) << o.out;
  std::string path = o.out.substr(at + marker.size());
  path = path.substr(0, path.find('\n'));
  EXPECT_EQ(path.rfind("results/latest/quickstart-", 0), 0u) << path;
  EXPECT_NE(o.out.find("records sent"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("cluster: "), std::string::npos) << o.out;

  std::ifstream in(dir_ + "/" + path);
  ASSERT_TRUE(in.good()) << path;
  const nlohmann::json r = nlohmann::json::parse(in);
  EXPECT_EQ(r["schema_version"], 1);
  EXPECT_EQ(r["workload"]["name"], "quickstart");
  EXPECT_EQ(r["target"]["kind"], "embedded");
  EXPECT_EQ(r["target"]["brokers"], 3);
  const nlohmann::json& s = r["summary"];
  for (const char* side : {"produced", "consumed"}) {
    for (const char* f : {"messages", "bytes", "msgs_per_sec", "mb_per_sec"}) {
      ASSERT_TRUE(s[side].contains(f)) << side << "." << f;
    }
  }
  // 6 s measured at 5,000 msg/s (generous bounds: the machine is shared).
  EXPECT_NEAR(s["produced"]["msgs_per_sec"].get<double>(), 5000, 1000);
  EXPECT_GT(s["consumed"]["messages"].get<int64_t>(), 0);
  for (const char* l : {"publish_latency_ms", "publish_delay_ms", "e2e_latency_ms"}) {
    for (const char* p : {"p50", "p75", "p95", "p99", "p999", "p9999", "max"}) {
      ASSERT_TRUE(s[l].contains(p)) << l << "." << p;
      EXPECT_TRUE(s[l][p].is_number()) << l << "." << p;
    }
  }
  const nlohmann::json& a = s["audit"];
  EXPECT_EQ(a["acked"], 8 * 5000);
  EXPECT_EQ(a["consumed"], a["acked"]);
  EXPECT_EQ(a["lost"], 0);
  EXPECT_EQ(a["duplicated"], 0);
  EXPECT_EQ(a["out_of_order"], 0);
  EXPECT_EQ(a["loss_allowed"], false);
  EXPECT_EQ(s["replication_factor"], 3);
  // The cluster's side: replication wrote every byte three times.
  const nlohmann::json& c = r["cluster"];
  EXPECT_GT(c["bytes_written"].get<int64_t>(), 3 * 8 * 5000 * 1024);
  EXPECT_GT(c["follower_bytes_fetched"].get<int64_t>(), 0);
  EXPECT_TRUE(c.contains("leader_elections"));
  EXPECT_TRUE(c["election_ms"].contains("p99"));
  // The temporary log dirs are gone.
  EXPECT_TRUE(fs::is_empty(dir_ + "/tmp")) << fs::directory_iterator(dir_ + "/tmp")->path();
}

TEST_F(EmbeddedRunTest, AFaultScheduleWithBootstrapIsBadInput) {
  const Outcome o =
      Kbench("run " + source_ + "/workloads/leader-failover.yaml --bootstrap 127.0.0.1:1 -o " +
             dir_ + "/x.json");
  EXPECT_EQ(o.exit_status, 2) << o.err;
  EXPECT_NE(o.err.find("fault schedule"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace kbench
