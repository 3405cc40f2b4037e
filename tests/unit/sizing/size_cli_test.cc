// kbench size as a user runs it: exit status, error messages naming the field, output formats.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

struct Output {
  int status = -1;
  std::string out;
  std::string err;
};

class SizeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("KBENCH_BINARY_DIR");
    ASSERT_NE(bin, nullptr) << "KBENCH_BINARY_DIR is set by ctest";
    kbench_ = std::string(bin) + "/kbench";
    char tmpl[] = "/tmp/kbench_size_cli_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Output Run(const std::string& args) {
    std::string out = dir_ + "/out", err = dir_ + "/err";
    int rc = std::system((kbench_ + " size " + args + " >" + out + " 2>" + err).c_str());
    return Output{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Read(out), Read(err)};
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string kbench_;
  std::string dir_;
};

TEST_F(SizeCliTest, PlansAndExitsZero) {
  Output o = Run("--ingress-msgs 1000/s --msg-size 1KB --consumer-rate 100/s");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("partitions per topic"), std::string::npos);
  EXPECT_NE(o.out.find("consumer rate"), std::string::npos);
}

TEST_F(SizeCliTest, UnitlessSizeExitsTwoNamingTheField) {
  Output o = Run("--ingress 300MB/s --msg-size 300");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--msg-size"), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty());
}

TEST_F(SizeCliTest, UnknownRateUnitExitsTwo) {
  Output o = Run("--ingress 300MB/q");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--ingress"), std::string::npos);
}

TEST_F(SizeCliTest, MinIsrAboveRfExitsTwo) {
  Output o = Run("--ingress 10MB/s --rf 2 --min-isr 3");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--min-isr"), std::string::npos);
}

TEST_F(SizeCliTest, MissingIngressExitsTwo) {
  Output o = Run("--rf 3");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("--ingress"), std::string::npos);
}

TEST_F(SizeCliTest, ImpossibleGoalExitsOneAndSaysWhy) {
  Output o = Run("--ingress 300MB/s --keyed --hot-key-share 0.5");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("NOT ACHIEVABLE"), std::string::npos);
  EXPECT_NE(o.out.find("even alone"), std::string::npos);
}

TEST_F(SizeCliTest, JsonFormatParses) {
  Output o = Run("--ingress 300MB/s --format json");
  ASSERT_EQ(o.status, 0) << o.err;
  nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j.size(), 10u);
  EXPECT_TRUE(j["brokers"]["value"].is_number_integer());
}

TEST_F(SizeCliTest, RequirementsFileAndFlagsCombineWithFlagsWinning) {
  std::string yaml = Write("req.yaml", "ingress: 300MB/s\nretention: 1d\nrf: 3\n");
  Output o = Run("--requirements " + yaml + " --retention 2d --format json");
  ASSERT_EQ(o.status, 0) << o.err;
  nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["config"]["topic"]["retention.ms"]["value"], "172800000");
  std::string bad = Write("bad.yaml", "ingress: 300MB/s\nmsg_size: 300\n");
  Output b = Run("--requirements " + bad);
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("msg_size"), std::string::npos);
}

TEST_F(SizeCliTest, WhatIfPrintsTheDiff) {
  Output o = Run("--ingress 300MB/s --what-if ingress=3GB/s --what-if nic=25Gbps");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("what if ingress=3GB/s, nic=25Gbps"), std::string::npos) << o.out;
  Output bad = Run("--ingress 300MB/s --what-if rf");
  EXPECT_EQ(bad.status, 2);
}

TEST_F(SizeCliTest, BadHardwareAndResultsFilesExitTwo) {
  std::string hw = Write("hw.json", "{\"schema\": \"kbench-hardware\", \"schema_version\": 1}");
  Output o = Run("--ingress 1MB/s --hardware " + hw);
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("hw.json"), std::string::npos);
  std::string res = Write("r.json", "{\"schema_version\": 1}");
  Output r = Run("--ingress 1MB/s --from " + res);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("r.json"), std::string::npos);
}

// A results file as docs/results.md specifies it: 6 partitions, 3 brokers, RF 3, a max-rate search.
constexpr char kResults[] = R"({
  "schema_version": 1,
  "kbench": {"version": "0.1.0", "revision": "abc"},
  "workload": {"name": "max-rate-1k"},
  "environment": {"host": "h", "cores": 8, "memory_bytes": 34359738368},
  "summary": {
    "produced": {"messages": 600000, "bytes": 600000000, "msgs_per_sec": 60000.0, "mb_per_sec": 60.0},
    "consumed": {"messages": 600000, "bytes": 600000000, "msgs_per_sec": 60000.0, "mb_per_sec": 60.0},
    "publish_latency_ms": {"p50": 1.2, "p75": 1.5, "p95": 2.0, "p99": 3.1, "p999": 7.9, "p9999": 12.0, "max": 15.3},
    "publish_delay_ms": {"p50": 0.1, "p75": 0.1, "p95": 0.2, "p99": 0.3, "p999": 0.5, "p9999": 0.9, "max": 1.0},
    "e2e_latency_ms": {"p50": 2.2, "p75": 2.5, "p95": 3.0, "p99": 4.1, "p999": 8.9, "p9999": 13.0, "max": 16.3},
    "audit": {"acked": 600000, "consumed": 600000, "lost": 0, "duplicated": 0, "out_of_order": 0},
    "slo": {"percentile": "p99", "target_ms": 50.0, "met": true},
    "topics": 1, "partitions": 6, "brokers": 3, "replication_factor": 3
  },
  "max_rate": {"slo_percentile": "p99", "slo_ms": 50.0, "found_msgs_per_sec": 120000, "found_mb_per_sec": 120.0,
    "steps": [{"target_msgs_per_sec": 60000, "achieved_msgs_per_sec": 60000, "p99_ms": 3.0, "held": true},
              {"target_msgs_per_sec": 120000, "achieved_msgs_per_sec": 120000, "p99_ms": 40.0, "held": true},
              {"target_msgs_per_sec": 240000, "achieved_msgs_per_sec": 150000, "p99_ms": 900.0, "held": false}]}
})";

TEST_F(SizeCliTest, FromResultsUsesMeasuredCapacityAtTheSlo) {
  std::string results = Write("run.json", kResults);
  Output o = Run("--ingress 600MB/s --latency-slo p99=50ms --from " + results + " --format json");
  ASSERT_EQ(o.status, 0) << o.err;
  nlohmann::json j = nlohmann::json::parse(o.out);
  // 120 MB/s over 6 partitions = 20 MB/s per partition at p99 <= 50 ms: 600 MB/s needs 30.
  EXPECT_EQ(j["partitions"]["bounds"][0]["value"], 30);
  bool named = false;
  for (const auto& in : j["partitions"]["inputs"]) {
    if (in["source"].get<std::string>().find("run.json") != std::string::npos) named = true;
  }
  EXPECT_TRUE(named) << j["partitions"]["inputs"].dump();
  // A tighter SLO picks the slower step: 60 MB/s / 6 = 10 MB/s per partition.
  Output tight =
      Run("--ingress 600MB/s --latency-slo p99=10ms --from " + results + " --format json");
  ASSERT_EQ(tight.status, 0) << tight.err;
  EXPECT_EQ(nlohmann::json::parse(tight.out)["partitions"]["bounds"][0]["value"], 60);
}

TEST_F(SizeCliTest, UnreachableSloFromResultsExitsOne) {
  std::string results = Write("run.json", kResults);
  Output o = Run("--ingress 60MB/s --latency-slo p99=1ms --from " + results);
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("out of reach"), std::string::npos) << o.out;
}

}  // namespace
