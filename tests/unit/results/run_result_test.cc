#include "results/run_result.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kbench::results {
namespace {

RunResult Sample() {
  RunResult r;
  r.kbench_version = "0.1.0";
  r.kbench_revision = "abc123";
  r.run = {.id = "run-1",
           .started_at = "2026-11-21T00:00:00Z",
           .ended_at = "2026-11-21T00:01:00Z",
           .duration_s = 60,
           .measure_s = 50,
           .warmup_s = 10,
           .status = "completed"};
  r.workload = {{"name", "quickstart"}, {"partitionsPerTopic", 6}};
  r.target = {
      .kind = "embedded", .bootstrap = "127.0.0.1:9092", .brokers = 3, .data_dir = "/tmp/x"};
  r.environment.host = "h";
  r.environment.cores = 2;
  r.environment.disk.rotational = false;
  HdrHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(i * 1000);
  r.summary.produced = {600000, 60000000, 10000.0, 1.0};
  r.summary.consumed = {600000, 60000000, 10000.0, 1.0};
  r.summary.publish_latency_ms = SummarizeLatencyNs(h);
  r.summary.e2e_latency_ms = SummarizeLatencyNs(h);
  r.summary.audit = {.acked = 600000,
                     .consumed = 600000,
                     .lost = 0,
                     .duplicated = 1,
                     .out_of_order = 2,
                     .unacked_delivered = 3,
                     .unconsumed = 5,
                     .loss_allowed = true};
  r.summary.errors.by_code["NOT_ENOUGH_REPLICAS"] = 4;
  r.summary.slo = SloResult{"p99", 50.0, true};
  r.summary.partitions = 6;
  r.timeseries.t_s = {1, 2};
  r.timeseries.publish_p99_ms = {1.5, std::nullopt};
  r.timeseries.lag_by_partition["t-0"] = {0, 5};
  r.histograms["publish_latency"] = EncodedHistogram::From(h);
  r.max_rate = MaxRateResult{"p99", 50, 800000, 80, {{400000, 399800, 3.1, 0, true}}};
  r.backlog = BacklogResult{.target_bytes = 1 << 30,
                            .built_messages = 1'048'576,
                            .built_bytes = 1 << 30,
                            .build_s = 52.4,
                            .page_cache = "evicted",
                            .evicted_files = 24,
                            .evicted_bytes = 1 << 30,
                            .resident_bytes_before = 1 << 30,
                            .resident_bytes_after = 0,
                            .resumed_at_s = 60.1,
                            .catch_up_s = 12.5,
                            .catch_up_mb_per_sec = 85.9};
  r.lag_status["g"] = {"WARNING", {{"t-0", "WARNING"}}};
  r.faults.push_back({30.0, "crash", 2, true, "SIGKILL"});
  r.unavailability.push_back({"t-0", 30.1, 30.4});
  r.cluster = {{"isr_shrinks", 1}};
  return r;
}

TEST(RunResult, JsonRoundTripKeepsEveryField) {
  const RunResult a = Sample();
  auto b = RunResultFromJson(RunResultToJson(a), "mem");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(RunResultToJson(*b), RunResultToJson(a));
  EXPECT_EQ(b->summary.audit.out_of_order, 2);
  EXPECT_EQ(b->summary.audit.unconsumed, 5);
  ASSERT_TRUE(b->backlog.has_value());
  EXPECT_EQ(b->backlog->page_cache, "evicted");
  EXPECT_EQ(b->backlog->catch_up_s, 12.5);
  EXPECT_EQ(b->environment.disk.rotational, false);
  EXPECT_FALSE(b->timeseries.publish_p99_ms[1].has_value());
  auto h = b->histograms.at("publish_latency").Decode();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->TotalCount(), 1000);
}

TEST(RunResult, RequiredFieldsAlwaysWritten) {
  const nlohmann::json j = RunResultToJson(RunResult{});
  for (const char* k : {"schema_version", "workload", "environment", "summary"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"produced", "consumed", "publish_latency_ms", "publish_delay_ms",
                        "e2e_latency_ms", "audit"}) {
    EXPECT_TRUE(j["summary"].contains(k)) << k;
  }
  for (const char* k : {"p50", "p75", "p95", "p99", "p999", "p9999", "max"}) {
    EXPECT_TRUE(j["summary"]["e2e_latency_ms"].contains(k)) << k;
    EXPECT_TRUE(j["summary"]["e2e_latency_ms"][k].is_null()) << "no samples: null";
  }
  EXPECT_EQ(j["schema_version"], 1);
}

TEST(RunResult, ReaderNamesMissingOrMistypedRequiredFields) {
  nlohmann::json j = RunResultToJson(Sample());
  j["summary"]["produced"].erase("messages");
  auto r = RunResultFromJson(j, "a.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "a.json: summary.produced.messages: missing (required)");

  j = RunResultToJson(Sample());
  j["summary"]["audit"]["lost"] = "none";
  r = RunResultFromJson(j, "a.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "a.json: summary.audit.lost: expected an integer, got string");

  j = RunResultToJson(Sample());
  j["workload"].erase("name");
  EXPECT_EQ(RunResultFromJson(j, "a.json").status().message(),
            "a.json: workload.name: missing (required)");

  j = RunResultToJson(Sample());
  j["summary"]["e2e_latency_ms"].erase("p9999");
  EXPECT_NE(RunResultFromJson(j, "a.json")
                .status()
                .message()
                .find("summary.e2e_latency_ms.p9999: missing"),
            std::string_view::npos);
}

// Optional fields of the wrong type are bad input named by their path, never an exception out of
// the JSON library.
TEST(RunResult, MistypedOptionalFieldsAreNamedErrorsNotExceptions) {
  const std::vector<std::pair<std::vector<std::string>, nlohmann::json>> cases = {
      {{"environment", "cores"}, "two"},
      {{"environment", "host"}, 7},
      {{"environment", "clock_offset_ms"}, "0"},
      {{"environment", "disk"}, "sda"},
      {{"environment", "disk", "rotational"}, "yes"},
      {{"run", "duration_s"}, "60"},
      {{"target", "brokers"}, "3"},
      {{"summary", "audit", "unconsumed"}, 1.5},
      {{"summary", "brokers"}, "3"},
      {{"backlog", "catch_up_s"}, "soon"},
  };
  for (const auto& [path, value] : cases) {
    nlohmann::json j = RunResultToJson(Sample());
    nlohmann::json* at = &j;
    std::string dotted;
    for (const std::string& k : path) {
      at = &(*at)[k];
      dotted += (dotted.empty() ? "" : ".") + k;
    }
    *at = value;
    Result<RunResult> r = Status::Internal("not read");
    ASSERT_NO_THROW(r = RunResultFromJson(j, "e.json")) << dotted;
    ASSERT_FALSE(r.ok()) << dotted;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << dotted;
    EXPECT_NE(r.status().message().find("e.json: " + dotted + ": expected"), std::string_view::npos)
        << r.status().message();
  }
  // The lenient reader used outside results documents skips such fields instead of throwing.
  Environment e;
  ASSERT_NO_THROW(e = EnvironmentFromJson({{"cores", "two"}, {"host", 7}, {"disk", {{"fs", 1}}}}));
  EXPECT_EQ(e.cores, 0);
  EXPECT_EQ(e.host, "");
}

TEST(RunResult, SchemaVersionIsChecked) {
  nlohmann::json j = RunResultToJson(Sample());
  j["schema_version"] = 2;
  auto r = RunResultFromJson(j, "new.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find(
                "schema_version 2 is not readable by this kbench, which reads schema_version 1"),
            std::string_view::npos);
  j.erase("schema_version");
  EXPECT_NE(RunResultFromJson(j, "x.json").status().message().find("not a kbench results document"),
            std::string_view::npos);
}

TEST(RunResult, OptionalSectionsMayBeAbsent) {
  nlohmann::json j = RunResultToJson(Sample());
  for (const char* k : {"run", "target", "timeseries", "histograms", "max_rate", "backlog",
                        "lag_status", "faults", "cluster"})
    j.erase(k);
  auto r = RunResultFromJson(j, "old.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->max_rate.has_value());
  EXPECT_TRUE(r->histograms.empty());
}

TEST(RunResult, FileRoundTripAndBadFiles) {
  char tmpl[] = "/tmp/kbench-rr-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ASSERT_TRUE(WriteRunResultFile(Sample(), dir + "/r.json").ok());
  auto r = ReadRunResultFile(dir + "/r.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->workload["name"], "quickstart");
  { std::ofstream(dir + "/bad.json") << "{\"schema_version\": 1,"; }
  auto bad = ReadRunResultFile(dir + "/bad.json");
  EXPECT_NE(bad.status().message().find("not valid JSON at byte"), std::string_view::npos);
  EXPECT_FALSE(ReadRunResultFile(dir + "/missing.json").ok());
  std::filesystem::remove_all(dir);
}

TEST(LatencySummary, PercentilesInMillisecondsCappedAtMax) {
  HdrHistogram h;
  for (int i = 0; i < 99; ++i) h.Record(1'000'000);  // 1 ms
  h.Record(123'456'789);                             // 123.456789 ms
  const LatencySummary s = SummarizeLatencyNs(h);
  EXPECT_EQ(s.count, 100);
  EXPECT_NEAR(*s.p50, 1.0, 0.001);
  EXPECT_NEAR(*s.p99, 1.0, 0.001);
  EXPECT_DOUBLE_EQ(*s.max, 123.456789);
  EXPECT_LE(*s.p9999, *s.max);
  EXPECT_NEAR(*s.p9999, 123.456789, 0.1);
  EXPECT_EQ(s.At("p99"), s.p99);
  EXPECT_FALSE(SummarizeLatencyNs(HdrHistogram()).p99.has_value());
}

}  // namespace
}  // namespace kbench::results
