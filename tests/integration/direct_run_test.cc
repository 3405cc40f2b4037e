// `kbench run --driver direct` end to end, through the binary as scripts/nightly and users run it:
// a short profile's results JSON adds up (produced, consumed, acknowledged, nothing lost, latency
// percentiles), its logs are on the data dir, its .hlog files decode; flush.messages=1 makes the
// storage engine fsync every append; bad data dirs, fault schedules and --bootstrap are refused
// with the documented exit status.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "results/hdr_log.h"

namespace kbench {
namespace {

namespace fs = std::filesystem;

constexpr char kProfile[] = R"(name: direct-it
description: a short direct-driver run for ctest
topics: 1
partitionsPerTopic: 4
replicationFactor: 3
messageSize: 200
keyDistributor: KEY_ROUND_ROBIN
keyCount: 100
producersPerTopic: 2
subscriptionsPerTopic: 2
consumerPerSubscription: 2
producerRate: 10000
testDurationSeconds: 2
warmupDurationSeconds: 1
drainTimeoutSeconds: 20
producerConfig: {acks: all, linger.ms: 2, compression.type: lz4}
topicConfig: {min.insync.replicas: 2, segment.bytes: 200000}
latencySlo: {percentile: p99, ms: 60000, metric: e2e}
)";

struct Outcome {
  int exit_status = -1;
  std::string out, err;
};

class DirectRunTest : public ::testing::Test {
 protected:
  DirectRunTest() {
    char tmpl[] = "/tmp/kbench-direct-run-XXXXXX";
    dir_ = mkdtemp(tmpl);
    // ctest sets KBENCH_BINARY_DIR; run by hand, the binary is <build>/kbench beside <build>/tests.
    const char* bin = std::getenv("KBENCH_BINARY_DIR");
    kbench_ =
        bin != nullptr
            ? std::string(bin) + "/kbench"
            : (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "kbench").string();
  }
  ~DirectRunTest() override { fs::remove_all(dir_); }

  std::string WriteProfile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // Runs kbench with `args` (in `cwd` when given); stdout and stderr go to files in the temp dir.
  Outcome Kbench(const std::string& args, const std::string& cwd = "") {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const std::string cmd =
        (cwd.empty() ? "" : "cd " + cwd + " && ") + kbench_ + " " + args + " >" + out + " 2>" + err;
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

  static int64_t HlogCount(const std::string& path) {
    auto log = results::ReadHdrLogFile(path);
    EXPECT_TRUE(log.ok()) << path << ": " << log.status().ToString();
    int64_t total = 0;
    if (log.ok()) {
      for (const auto& i : log->intervals) total += i.histogram.TotalCount();
    }
    return total;
  }

  std::string dir_;
  std::string kbench_;
};

void ExpectPercentiles(const nlohmann::json& latency, const char* name) {
  SCOPED_TRACE(name);
  for (const char* p : {"p50", "p75", "p95", "p99", "p999", "p9999", "max"}) {
    ASSERT_TRUE(latency.contains(p)) << p;
    ASSERT_TRUE(latency[p].is_number()) << p << ": " << latency[p];
    EXPECT_GE(latency[p].get<double>(), 0) << p;
  }
  EXPECT_GT(latency["count"].get<int64_t>(), 0);
  EXPECT_LE(latency["p50"].get<double>(), latency["max"].get<double>());
}

TEST_F(DirectRunTest, ShortProfileRunsEndToEndAndItsResultsAddUp) {
  const std::string profile = WriteProfile("short.yaml", kProfile);
  const std::string data = dir_ + "/data", out = dir_ + "/out.json";
  const Outcome o =
      Kbench("run " + profile + " --driver direct --keep-data --data-dir " + data + " -o " + out);
  ASSERT_EQ(o.exit_status, 0) << o.err;
  EXPECT_NE(o.err.find("note: replicationFactor 3"), std::string::npos) << o.err;
  EXPECT_NE(o.out.find("records sent"), std::string::npos) << o.out;  // the perf-test line

  std::ifstream in(out);
  const nlohmann::json r = nlohmann::json::parse(in);
  EXPECT_EQ(r["schema_version"], 1);
  EXPECT_EQ(r["workload"]["name"], "direct-it");
  EXPECT_EQ(r["target"]["kind"], "direct");
  const nlohmann::json& s = r["summary"];
  // 3 s of schedule at 10,000 msg/s: every message acknowledged once and read by both groups.
  const nlohmann::json& a = s["audit"];
  EXPECT_EQ(a["acked"], 30'000);
  EXPECT_EQ(a["consumed"], 2 * 30'000);
  EXPECT_EQ(a["lost"], 0);
  EXPECT_EQ(a["duplicated"], 0);
  EXPECT_EQ(a["out_of_order"], 0);
  EXPECT_EQ(a["unacked_delivered"], 0);
  EXPECT_EQ(a["loss_allowed"], false);
  // The measurement phase (2 s of 3): produced and consumed (per group) agree up to what was in
  // flight at its edges (generous bounds: the machine may be busy).
  const int64_t produced = s["produced"]["messages"], consumed = s["consumed"]["messages"];
  EXPECT_NEAR(static_cast<double>(produced), 20'000, 3'000);
  EXPECT_NEAR(static_cast<double>(consumed) / 2, static_cast<double>(produced), 3'000);
  EXPECT_EQ(s["produced"]["bytes"], produced * 200);
  EXPECT_GT(s["produced"]["msgs_per_sec"].get<double>(), 0);
  ExpectPercentiles(s["publish_latency_ms"], "publish_latency_ms");
  ExpectPercentiles(s["publish_delay_ms"], "publish_delay_ms");
  ExpectPercentiles(s["e2e_latency_ms"], "e2e_latency_ms");
  EXPECT_EQ(s["errors"]["produce"], 0);
  EXPECT_EQ(s["errors"]["consume"], 0);
  EXPECT_EQ(s["replication_factor"], 1);
  EXPECT_EQ(s["brokers"], 1);
  EXPECT_EQ(s["consumers"], 4);
  EXPECT_EQ(s["slo"]["met"], true);
  EXPECT_EQ(r["lag_status"].size(), 2u);  // one Burrow evaluation per group
  EXPECT_FALSE(r["timeseries"]["t_s"].empty());
  EXPECT_EQ(r["timeseries"]["lag_by_partition"].size(), 4u);

  // The storage engine's side: what was written, under the data dir, as Kafka lays it out.
  const nlohmann::json& c = r["cluster"];
  EXPECT_EQ(c["records_appended"], 30'000);
  EXPECT_GT(c["bytes_written"].get<int64_t>(), 0);
  EXPECT_GT(c["segments_rolled"].get<int64_t>(), 0);  // 200 KB segments
  const std::string log_dir = c["log_dir"];
  EXPECT_EQ(fs::path(log_dir).parent_path(), fs::path(data));
  int logs = 0;
  int64_t log_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(log_dir)) {
    if (e.path().extension() == ".log") {
      ++logs;
      log_bytes += static_cast<int64_t>(e.file_size());
    }
  }
  EXPECT_GT(logs, 4);
  EXPECT_EQ(log_bytes, c["bytes_written"].get<int64_t>());
  EXPECT_NE(
      Slurp(fs::path(log_dir) / (r["run"]["id"].get<std::string>() + "-0-0") / "log.properties")
          .find("segment.bytes=200000"),
      std::string::npos);

  // The .hlog files decode; together their intervals hold every latency of the run.
  EXPECT_EQ(HlogCount(dir_ + "/out.publish_latency.hlog"), 30'000);
  EXPECT_EQ(HlogCount(dir_ + "/out.publish_delay.hlog"), 30'000);
  EXPECT_EQ(HlogCount(dir_ + "/out.e2e_latency.hlog"), 60'000);
}

TEST_F(DirectRunTest, FlushMessagesOneFsyncsEveryAppend) {
  const std::string profile = WriteProfile("short.yaml", kProfile);
  const std::string common = "run " + profile + " --driver direct --data-dir " + dir_ +
                             "/data --set testDurationSeconds=1 --set warmupDurationSeconds=0";
  ASSERT_EQ(
      Kbench(common + " -o " + dir_ + "/flush.json --set topicConfig.flush.messages=1").exit_status,
      0);
  ASSERT_EQ(Kbench(common + " -o " + dir_ + "/default.json").exit_status, 0);
  std::ifstream f(dir_ + "/flush.json"), d(dir_ + "/default.json");
  const nlohmann::json flush = nlohmann::json::parse(f)["cluster"];
  const nlohmann::json def = nlohmann::json::parse(d)["cluster"];
  // Every append is flushed before it is acknowledged; two producers share each partition, so one
  // fsync may cover the other's append that landed just before it.
  EXPECT_GE(flush["fsyncs"].get<int64_t>(), flush["batches_appended"].get<int64_t>() / 2);
  EXPECT_GT(flush["fsyncs"].get<int64_t>(), 3 * def["fsyncs"].get<int64_t>());
  EXPECT_LT(def["fsyncs"].get<int64_t>(), def["batches_appended"].get<int64_t>() / 4);
  // Without --keep-data the run's logs are gone, the data dir stays.
  EXPECT_TRUE(fs::is_empty(dir_ + "/data"));
}

TEST_F(DirectRunTest, BadDataDirsAreRefusedWithTheirExitStatus) {
  const std::string profile = WriteProfile("short.yaml", kProfile);
  const std::string file = dir_ + "/not-a-dir";
  std::ofstream(file) << "x";
  const Outcome is_file = Kbench("run " + profile + " --driver direct --data-dir " + file);
  EXPECT_EQ(is_file.exit_status, 2) << is_file.err;
  EXPECT_NE(is_file.err.find("not a directory"), std::string::npos) << is_file.err;
  const Outcome below_file =
      Kbench("run " + profile + " --driver direct --data-dir " + file + "/logs");
  EXPECT_EQ(below_file.exit_status, 2) << below_file.err;
  if (::mkdir("/sys/kbench-direct-probe", 0755) == 0) {
    ::rmdir("/sys/kbench-direct-probe");
    GTEST_SKIP() << "/sys is writable here";
  }
  // /sys refuses new directories even to root: an environment error, not bad input.
  const Outcome unwritable =
      Kbench("run " + profile + " --driver direct --data-dir /sys/kbench-data");
  EXPECT_EQ(unwritable.exit_status, 3) << unwritable.err;
  EXPECT_NE(unwritable.err.find("/sys/kbench-data"), std::string::npos) << unwritable.err;
}

TEST_F(DirectRunTest, FaultSchedulesAndClusterFlagsAreRefusedAsBadInput) {
  const std::string faulty =
      WriteProfile("faults.yaml",
                   std::string(kProfile) + "faults: [{atSeconds: 1, action: crash, broker: 2}]\n");
  const Outcome faults = Kbench("run " + faulty + " --driver direct --data-dir " + dir_ + "/data");
  EXPECT_EQ(faults.exit_status, 2) << faults.err;
  EXPECT_NE(faults.err.find("fault schedules"), std::string::npos) << faults.err;
  EXPECT_FALSE(fs::exists(dir_ + "/data") && !fs::is_empty(dir_ + "/data"));

  const std::string profile = WriteProfile("short.yaml", kProfile);
  const Outcome bootstrap =
      Kbench("run " + profile + " --driver direct --bootstrap localhost:9092");
  EXPECT_EQ(bootstrap.exit_status, 2) << bootstrap.err;
  const Outcome typo = Kbench(
      "run " + profile + " --driver direct --set topicConfig.segment.byte=1 --data-dir " + dir_);
  EXPECT_EQ(typo.exit_status, 2) << typo.err;
  EXPECT_NE(typo.err.find("topicConfig.segment.byte"), std::string::npos) << typo.err;
}

// Without -o the results go to results/latest/<name>-<UTC time>.json under the current directory,
// and the last line on stdout says so (scripts/nightly and users read it).
TEST_F(DirectRunTest, ResultsGoToResultsLatestByDefaultAndTheLastLineSaysWhere) {
  const std::string profile =
      WriteProfile("variants.yaml", std::string(kProfile) +
                                        "variants:\n  - {name: a, set: {seed: 2}}\n"
                                        "  - {name: b, set: {seed: 3}}\n");
  const Outcome o = Kbench("run " + profile + " --driver direct --data-dir " + dir_ +
                               "/data --set testDurationSeconds=0.5 --set warmupDurationSeconds=0 "
                               "--set producerRate=2000",
                           dir_);
  ASSERT_EQ(o.exit_status, 0) << o.err;
  std::string out = o.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string last = out.substr(out.rfind('\n') + 1);
  ASSERT_EQ(last.rfind("results: results/latest/direct-it-", 0), 0u) << o.out;
  EXPECT_TRUE(last.ends_with("Z.b.json")) << last;
  EXPECT_TRUE(fs::exists(dir_ + "/" + last.substr(9))) << last;
  // Each variant's block ends with its own line; both files are there.
  const std::string first_line = "results: " + last.substr(9, last.size() - 9 - 7) + ".a.json";
  EXPECT_NE(o.out.find(first_line + "\n"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.back(), '\n');
  EXPECT_EQ(o.out.substr(o.out.size() - last.size() - 1), last + "\n") << "no blank line after";
}

TEST_F(DirectRunTest, AnOutputThatCannotBeWrittenIsRefusedBeforeTheRun) {
  const std::string profile = WriteProfile("short.yaml", kProfile);
  const Outcome dir =
      Kbench("run " + profile + " --driver direct --data-dir " + dir_ + " -o " + dir_);
  EXPECT_EQ(dir.exit_status, 2) << dir.err;
  EXPECT_NE(dir.err.find("is a directory"), std::string::npos) << dir.err;
  EXPECT_EQ(dir.out.find("=="), std::string::npos) << "refused before the run started";
  std::ofstream(dir_ + "/file") << "x";
  const Outcome below_file = Kbench("run " + profile + " --driver direct --data-dir " + dir_ +
                                    " -o " + dir_ + "/file/r.json");
  EXPECT_EQ(below_file.exit_status, 2) << below_file.err;
}

}  // namespace
}  // namespace kbench
