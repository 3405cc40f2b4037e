// Capacity sources: defaults, a probe's hardware profile, and measured runs (results JSON).
#include "sizing/capacity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sizing/defaults.h"
#include "sizing/hardware_profile.h"
#include "sizing/measured_capacity.h"
#include "tests/unit/sizing/plan_test_util.h"

namespace kbench::sizing {
namespace {

// A results file as docs/results.md specifies it: every required field, plus the optional ones
// sizing reads.
std::string ResultsJson(
    const std::string& max_rate,
    const std::string& slo = R"({"percentile": "p99", "target_ms": 50.0, "met": true})",
    int partitions = 6) {
  return fmt::format(R"({{
  "schema_version": 1,
  "kbench": {{"version": "0.1.0", "revision": "abc"}},
  "workload": {{"name": "max-rate", "producerRate": 0}},
  "environment": {{"host": "h", "cores": 8}},
  "summary": {{
    "produced": {{"messages": 600000, "bytes": 600000000, "msgs_per_sec": 10000.0, "mb_per_sec": 10.0}},
    "consumed": {{"messages": 600000, "bytes": 600000000, "msgs_per_sec": 10000.0, "mb_per_sec": 10.0}},
    "publish_latency_ms": {{"p50": 1.2, "p75": 1.5, "p95": 2.0, "p99": 3.1, "p999": 7.9, "p9999": 12.0, "max": 15.3}},
    "publish_delay_ms": {{"p50": 0.1, "p75": 0.1, "p95": 0.2, "p99": 0.3, "p999": 0.5, "p9999": 0.9, "max": 1.0}},
    "e2e_latency_ms": {{"p50": 2.2, "p75": 2.5, "p95": 3.0, "p99": 4.1, "p999": 8.9, "p9999": 13.0, "max": 16.3}},
    "audit": {{"acked": 600000, "consumed": 600000, "lost": 0, "duplicated": 0, "out_of_order": 0}},
    "slo": {slo},
    "topics": 1, "partitions": {partitions}, "brokers": 3, "replication_factor": 3
  }},
  {max_rate}
  "cluster": {{"leader_elections": 6, "election_ms": {{"p50": 12.0, "max": 40.0}}}}
}})",
                     fmt::arg("slo", slo), fmt::arg("partitions", partitions),
                     fmt::arg("max_rate", max_rate));
}

const char* kMaxRate =
    R"("max_rate": {"slo_percentile": "p99", "slo_ms": 50.0, "found_msgs_per_sec": 60000, "found_mb_per_sec": 60.0,
  "steps": [{"target_msgs_per_sec": 40000, "achieved_msgs_per_sec": 40000, "p99_ms": 4.0, "backlog_growth_msgs": 0, "held": true},
            {"target_msgs_per_sec": 80000, "achieved_msgs_per_sec": 70000, "p99_ms": 95.0, "backlog_growth_msgs": 900, "held": false},
            {"target_msgs_per_sec": 60000, "achieved_msgs_per_sec": 60000, "p99_ms": 30.0, "backlog_growth_msgs": 0, "held": true}]},)";

TEST(MeasuredCapacityTest, ReadsTheFieldsSizingNeeds) {
  MeasuredRun run = *ParseResultsJson(ResultsJson(kMaxRate), "r.json");
  EXPECT_EQ(run.partitions, 6);
  EXPECT_EQ(run.brokers, 3);
  EXPECT_EQ(run.replication_factor, 3);
  EXPECT_DOUBLE_EQ(run.produced_bytes_per_sec, 10e6);
  EXPECT_DOUBLE_EQ(run.avg_msg_bytes, 1000);
  ASSERT_TRUE(run.max_rate);
  EXPECT_EQ(run.max_rate->steps.size(), 3u);
  EXPECT_DOUBLE_EQ(*run.election_ms_p50, 12);
}

TEST(MeasuredCapacityTest, MaxRateGivesTheFastestHeldStepWithinTheSlo) {
  MeasuredRun run = *ParseResultsJson(ResultsJson(kMaxRate), "r.json");
  RunCapacity at50 = CapacityAtSlo(run, LatencySlo{"p99", 50});
  ASSERT_TRUE(at50.usable);
  EXPECT_DOUBLE_EQ(at50.held_msgs_per_sec, 60000);
  EXPECT_DOUBLE_EQ(at50.partition_msgs_per_sec, 10000);
  EXPECT_DOUBLE_EQ(at50.partition_bytes_per_sec, 10e6);
  EXPECT_DOUBLE_EQ(at50.broker_write_bytes_per_sec, 60e6 * 3 / 3);
  RunCapacity at10 = CapacityAtSlo(run, LatencySlo{"p99", 10});
  ASSERT_TRUE(at10.usable);
  EXPECT_DOUBLE_EQ(at10.held_msgs_per_sec, 40000);
}

TEST(MeasuredCapacityTest, NoHeldStepMeansTheSloIsOutOfReach) {
  MeasuredRun run = *ParseResultsJson(
      ResultsJson(kMaxRate, R"({"percentile": "p99", "target_ms": 50.0, "met": false})", 1),
      "one.json");
  RunCapacity at2 = CapacityAtSlo(run, LatencySlo{"p99", 2});
  EXPECT_FALSE(at2.usable);
  ASSERT_TRUE(at2.best_latency_ms);
  EXPECT_DOUBLE_EQ(*at2.best_latency_ms, 4.0);
  EXPECT_DOUBLE_EQ(at2.best_latency_at_msgs_per_sec, 40000);
}

TEST(MeasuredCapacityTest, SummaryPercentileJudgesRunsWithoutMaxRate) {
  MeasuredRun run = *ParseResultsJson(ResultsJson(""), "r.json");
  EXPECT_TRUE(CapacityAtSlo(run, LatencySlo{"p99", 5}).usable);   // p99 3.1 ms
  EXPECT_FALSE(CapacityAtSlo(run, LatencySlo{"p99", 2}).usable);  // below the rate, not impossible
  EXPECT_FALSE(CapacityAtSlo(run, LatencySlo{"p99", 2}).best_latency_ms);
  EXPECT_TRUE(CapacityAtSlo(run, LatencySlo{"p99.9", 10}).usable);  // p999 7.9 ms
  EXPECT_TRUE(CapacityAtSlo(run, std::nullopt).usable);
}

TEST(MeasuredCapacityTest, BadFilesNameTheFileAndField) {
  Result<MeasuredRun> newer = ParseResultsJson(R"({"schema_version": 2})", "new.json");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("new.json"), std::string_view::npos);
  EXPECT_NE(newer.status().message().find("schema_version 2"), std::string_view::npos);
  Result<MeasuredRun> missing = ParseResultsJson(
      R"({"schema_version": 1, "workload": {"name": "w"}, "summary": {"produced": {"msgs_per_sec": 1, "mb_per_sec": 1}}})",
      "m.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("m.json"), std::string_view::npos);
  EXPECT_NE(missing.status().message().find("environment: missing"), std::string_view::npos);
  // Complete but unusable for sizing: no partitions to divide the throughput by.
  Result<MeasuredRun> no_partitions = ParseResultsJson(ResultsJson("", R"(null)", 0), "p.json");
  ASSERT_FALSE(no_partitions.ok());
  EXPECT_NE(no_partitions.status().message().find("summary.partitions"), std::string_view::npos);
  EXPECT_FALSE(ParseResultsJson("not json", "x.json").ok());
  EXPECT_FALSE(ReadResultsFile("/nonexistent/results.json").ok());
}

TEST(CapacityTest, DefaultsSayTheyAreDefaults) {
  Capacity c = DefaultCapacity();
  EXPECT_DOUBLE_EQ(c.partition_bytes_per_sec.value, defaults::kPartitionBytesPerSec.value);
  EXPECT_EQ(c.partition_bytes_per_sec.source.rfind("default", 0), 0u);
  EXPECT_DOUBLE_EQ(c.nic_bits_per_sec.value, 10e9);
  EXPECT_DOUBLE_EQ(c.election_ms.value, 5);
}

TEST(CapacityTest, MeasuredRunsOverrideDefaultsAndNameTheFile) {
  MeasuredRun run = *ParseResultsJson(ResultsJson(kMaxRate), "results/a.json");
  Capacity c = BuildCapacity(CapacityInputs{std::nullopt, "", {run}}, LatencySlo{"p99", 50});
  EXPECT_DOUBLE_EQ(c.partition_bytes_per_sec.value, 10e6);
  EXPECT_NE(c.partition_bytes_per_sec.source.find("results/a.json"), std::string::npos);
  ASSERT_TRUE(c.broker_write_bytes_per_sec);
  EXPECT_DOUBLE_EQ(c.broker_write_bytes_per_sec->value, 60e6);
  EXPECT_DOUBLE_EQ(c.election_ms.value, 12);
}

TEST(CapacityTest, SeveralRunsTakeTheMostConservative) {
  MeasuredRun fast = *ParseResultsJson(ResultsJson(kMaxRate), "fast.json");
  MeasuredRun slow = *ParseResultsJson(
      ResultsJson(kMaxRate, R"({"percentile": "p99", "target_ms": 50.0, "met": true})", 12),
      "slow.json");
  Capacity c = BuildCapacity(CapacityInputs{std::nullopt, "", {fast, slow}}, LatencySlo{"p99", 50});
  EXPECT_DOUBLE_EQ(c.partition_bytes_per_sec.value, 5e6);
  EXPECT_NE(c.partition_bytes_per_sec.source.find("slow.json"), std::string::npos);
}

TEST(CapacityTest, UnreachableSloBecomesAnImpossibleGoal) {
  MeasuredRun one = *ParseResultsJson(
      ResultsJson(kMaxRate, R"({"percentile": "p99", "target_ms": 50.0, "met": true})", 1),
      "one.json");
  Plan p = testing::PlanOf(
      testing::MakeRequirements({{"ingress", "10MB/s"}, {"latency_slo", "p99=2ms"}}),
      CapacityInputs{std::nullopt, "", {one}});
  EXPECT_TRUE(p.Impossible());
  const Risk* r = testing::FindRisk(p, "slo");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->summary.find("one partition cannot meet it even alone"), std::string::npos);
}

HardwareProfile SampleProfile() {
  HardwareProfile p;
  p.host = "h";
  p.probed_at = "2026-01-01T00:00:00Z";
  p.cores = 16;
  p.cores_source = "sched_getaffinity";
  p.memory_bytes = 64.0 * 1073741824.0;
  p.dir = "/data";
  p.fs_type = "ext4";
  p.buffered_burst_bytes_per_sec = 2e9;
  p.buffered_sustained_bytes_per_sec = 200e6;
  p.passed_dirty_limit = true;
  p.direct_write_bytes_per_sec = 250e6;
  p.fsync = {{4096, {0.5, 2.0, 3.0, 100}}, {1048576, {2.0, 8.0, 9.0, 50}}};
  p.page_cache_read_bytes_per_sec = 5e9;
  p.cold_read_bytes_per_sec = 300e6;
  p.network_mode = "peer";
  p.peer = "10.0.0.2:7000";
  p.tcp_bytes_per_sec = 1.1e9;
  p.rtt_ms = LatencySummaryMs{0.2, 0.4, 1.0, 1000};
  p.crc32c_impl = "sse4.2";
  p.crc32c_bytes_per_sec = 8e9;
  p.codecs["lz4"] = {0, 600e6, 3e9, 2.1};
  p.codecs["zstd"] = {3, 300e6, 900e6, 3.0};
  p.notes = {"a note"};
  return p;
}

TEST(HardwareProfileTest, JsonRoundTrips) {
  HardwareProfile p = SampleProfile();
  HardwareProfile back = *HardwareProfileFromJson(HardwareProfileToJson(p), "hw.json");
  EXPECT_EQ(back.cores, 16);
  EXPECT_DOUBLE_EQ(*back.buffered_sustained_bytes_per_sec, 200e6);
  EXPECT_TRUE(back.passed_dirty_limit);
  ASSERT_EQ(back.fsync.size(), 2u);
  EXPECT_DOUBLE_EQ(back.fsync[1].latency.p99, 8.0);
  EXPECT_DOUBLE_EQ(back.rtt_ms->p50, 0.2);
  EXPECT_DOUBLE_EQ(back.codecs["zstd"].decompress_bytes_per_sec, 900e6);
  EXPECT_EQ(back.notes, p.notes);
}

TEST(HardwareProfileTest, MissingFieldsAreNamed) {
  Result<HardwareProfile> r = HardwareProfileFromJson(
      R"({"schema": "kbench-hardware", "schema_version": 1, "cpu": {}})", "hw.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("hw.json"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("cpu.cores"), std::string_view::npos);
  Result<HardwareProfile> wrong =
      HardwareProfileFromJson(R"({"schema_version": 1})", "results.json");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("kbench probe"), std::string_view::npos);
}

TEST(HardwareProfileTest, ProfileBecomesCapacityWithSources) {
  Capacity c = BuildCapacity(CapacityInputs{SampleProfile(), "hw.json", {}}, std::nullopt);
  EXPECT_DOUBLE_EQ(c.disk_write_bytes_per_sec.value, 200e6);
  EXPECT_NE(c.disk_write_bytes_per_sec.source.find("hw.json"), std::string::npos);
  EXPECT_DOUBLE_EQ(c.nic_bits_per_sec.value, 8.8e9);
  EXPECT_DOUBLE_EQ(c.rtt_ms.value, 0.2);
  EXPECT_DOUBLE_EQ(c.crc_bytes_per_sec_per_core.value, 8e9);
  EXPECT_DOUBLE_EQ(c.decompress_bytes_per_sec_per_core.at(Codec::kLz4).value, 3e9);
  EXPECT_DOUBLE_EQ(c.host_cores->value, 16);
  EXPECT_DOUBLE_EQ(c.fsync_p99_ms->value, 8.0);
}

TEST(HardwareProfileTest, WithoutPassingTheDirtyLimitDirectWriteIsUsed) {
  HardwareProfile p = SampleProfile();
  p.passed_dirty_limit = false;
  p.network_mode = "loopback";
  Capacity c = BuildCapacity(CapacityInputs{p, "hw.json", {}}, std::nullopt);
  EXPECT_DOUBLE_EQ(c.disk_write_bytes_per_sec.value, 250e6);
  EXPECT_DOUBLE_EQ(c.nic_bits_per_sec.value, 10e9);  // loopback is not a NIC
  EXPECT_FALSE(c.notes.empty());
}

TEST(HardwareProfileTest, ProbedHostFixesCoresAndMemoryInThePlan) {
  Plan p = testing::PlanOf(testing::MakeRequirements({{"ingress", "100MB/s"}}),
                           CapacityInputs{SampleProfile(), "hw.json", {}});
  EXPECT_EQ(p.cpu_cores_per_broker.value, 16);
  EXPECT_DOUBLE_EQ(p.memory_bytes_per_broker.value, 64.0 * 1073741824.0);
  EXPECT_NE(p.memory_bytes_per_broker.constraint.find("hw.json"), std::string::npos);
}

}  // namespace
}  // namespace kbench::sizing
