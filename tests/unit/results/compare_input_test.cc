// What kbench compare reads: SummaryDocument (summary + workload only, so older documents with the
// same schema_version keep working), the metric catalog, thresholds files and flags, and the
// workload comparability check.
#include <gtest/gtest.h>

#include <fstream>

#include "results/compare_thresholds.h"
#include "results/metric_catalog.h"
#include "results/sample_stats.h"
#include "results/summary_document.h"
#include "results/workload_match.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench::results {
namespace {

using nlohmann::json;

json MinimalDocument() {
  json j = RunResultToJson(testing::MakeRun({}));
  // An older writer: only what schema_version 1 requires of compare's inputs.
  return {{"schema_version", 1}, {"workload", {{"name", "quickstart"}}}, {"summary", j["summary"]}};
}

TEST(SummaryDocument, ReadsOnlySummaryAndWorkload) {
  json j = MinimalDocument();
  j["histograms"] = "not even an object";  // sections compare does not read may be anything
  j["timeseries"] = 42;
  auto d = SummaryDocumentFromJson(j, "old.json");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->workload_name, "quickstart");
  EXPECT_EQ(d->WorkloadLabel(), "quickstart");
  EXPECT_EQ(d->summary.produced.msgs_per_sec, 5000);
  EXPECT_EQ(d->target_kind, "");
}

TEST(SummaryDocument, NamesTheFileAndFieldOfWhatIsWrong) {
  json j = MinimalDocument();
  j["summary"]["audit"].erase("lost");
  EXPECT_EQ(SummaryDocumentFromJson(j, "r.json").status().message(),
            "r.json: summary.audit.lost: missing (required)");
  j = MinimalDocument();
  j["summary"]["produced"]["msgs_per_sec"] = "fast";
  EXPECT_EQ(SummaryDocumentFromJson(j, "r.json").status().message(),
            "r.json: summary.produced.msgs_per_sec: expected a number, got string");
  j = MinimalDocument();
  j["workload"].erase("name");
  EXPECT_NE(SummaryDocumentFromJson(j, "r.json").status().message().find("r.json: workload.name"),
            std::string::npos);
  j = MinimalDocument();
  j["schema_version"] = 2;
  EXPECT_NE(SummaryDocumentFromJson(j, "r.json")
                .status()
                .message()
                .find("schema_version 2 is not readable by this kbench"),
            std::string::npos);
  EXPECT_NE(SummaryDocumentFromJson(json::array(), "r.json").status().message().find("r.json"),
            std::string::npos);
}

TEST(SummaryDocument, UnreadableAndInvalidFilesAreNamed) {
  testing::TempDir dir;
  auto missing = ReadSummaryDocument(dir.File("nope.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir.File("nope.json")), std::string::npos);
  std::ofstream(dir.File("bad.json")) << "{\"schema_version\": 1,";
  auto bad = ReadSummaryDocument(dir.File("bad.json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir.File("bad.json") + ": not valid JSON at byte"),
            std::string::npos)
      << bad.status().message();
}

TEST(SampleStats, MedianAndMadResistOneOutlier) {
  const SampleStats s = Summarize(std::vector<double>{10, 11, 9, 10.5, 100});
  EXPECT_EQ(s.median, 10.5);
  EXPECT_EQ(s.mad, 0.5);
  EXPECT_EQ(s.min, 9);
  EXPECT_EQ(s.max, 100);
  EXPECT_EQ(Median({1, 2, 3, 4}), 2.5);
  EXPECT_EQ(Summarize(std::vector<double>{7}).mad, 0);
}

TEST(MetricCatalog, EveryMetricReadsItsSummaryField) {
  const Summary s = testing::MakeRun({}).summary;
  EXPECT_EQ(*FindMetric("produced.msgs_per_sec")->get(s), s.produced.msgs_per_sec);
  EXPECT_EQ(*FindMetric("e2e_latency_ms.p999")->get(s), *s.e2e_latency_ms.p999);
  EXPECT_EQ(*FindMetric("publish_delay_ms.max")->get(s), *s.publish_delay_ms.max);
  EXPECT_EQ(*FindMetric("slo.met")->get(s), 1.0);
  EXPECT_EQ(FindMetric("nonsense"), nullptr);
  for (const MetricDef& m : CompareMetrics()) {
    EXPECT_EQ(FindMetric(m.id), &m);
    EXPECT_EQ(ParseMetricKind(MetricKindName(m.kind)), m.kind);
  }
}

TEST(CompareThresholds, DefaultsFileAndFlagsInOrderOfPrecedence) {
  CompareThresholds t;
  const MetricDef& p99 = *FindMetric("publish_latency_ms.p99");
  EXPECT_EQ(t.For(p99).relative, 0.20);
  EXPECT_EQ(t.For(*FindMetric("produced.msgs_per_sec")).relative, 0.05);
  ASSERT_TRUE(t.ApplyJson(json::parse(R"({"spread_factor": 2,
      "kinds": {"latency_p99": {"relative": 0.5, "absolute": 0.2}},
      "metrics": {"publish_latency_ms.p99": {"relative": 0.4}, "e2e_latency_ms.max": {"ignore": true}}})"),
                          "t.json")
                  .ok());
  EXPECT_EQ(t.spread_factor(), 2);
  EXPECT_EQ(t.For(p99).relative, 0.4);  // metric beats kind
  EXPECT_EQ(t.For(p99).absolute, 0.2);  // field by field
  EXPECT_EQ(t.For(*FindMetric("e2e_latency_ms.p99")).relative, 0.5);
  EXPECT_TRUE(t.For(*FindMetric("e2e_latency_ms.max")).ignore);
  ASSERT_TRUE(t.ApplyFlag("publish_latency_ms.p99=0.9", CompareThresholds::Field::kRelative).ok());
  EXPECT_EQ(t.For(p99).relative, 0.9);  // flags last
}

TEST(CompareThresholds, BadNamesAndValuesAreErrorsNamingThem) {
  CompareThresholds t;
  using F = CompareThresholds::Field;
  EXPECT_NE(t.ApplyFlag("latency_p98=0.1", F::kRelative)
                .message()
                .find("--threshold latency_p98=0.1: \"latency_p98\" is neither a metric kind"),
            std::string::npos);
  EXPECT_NE(t.ApplyFlag("latency_p99=-1", F::kAbsolute).message().find("non-negative"),
            std::string::npos);
  EXPECT_NE(t.ApplyFlag("latency_p99", F::kRelative).message().find("NAME=VALUE"),
            std::string::npos);
  EXPECT_FALSE(t.Ignore("bogus").ok());
  EXPECT_EQ(
      t.ApplyJson(json::parse(R"({"kinds": {"latency_p99": {"relativ": 1}}})"), "t.json").message(),
      "t.json: kinds.latency_p99.relativ: unknown key (expected relative, absolute or ignore)");
  EXPECT_NE(t.ApplyJson(json::parse(R"({"metrics": {"latency_p99": {}}})"), "t.json")
                .message()
                .find("a kind, listed under metrics"),
            std::string::npos);
  EXPECT_NE(t.ApplyJson(json::parse(R"({"thresholds": 1})"), "t.json")
                .message()
                .find("t.json: thresholds: unknown key"),
            std::string::npos);
  EXPECT_NE(t.ApplyFile("/nonexistent/t.json").message().find("/nonexistent/t.json"),
            std::string::npos);
}

TEST(WorkloadMatch, ShapeMismatchesTuningNotes) {
  const json a = {{"name", "q"},
                  {"messageSize", 1024},
                  {"producerRate", 1000},
                  {"producerConfig", {{"acks", "all"}}},
                  {"faults", json::array()}};
  json b = a;
  b["producerRate"] = 1000.0;  // the same number
  EXPECT_TRUE(DiffWorkloads(a, b).same_shape());
  EXPECT_TRUE(DiffWorkloads(a, b).notes.empty());
  b["producerConfig"]["acks"] = "1";
  b["faults"] = json::array({{{"atSeconds", 5}}});
  const WorkloadDiff d = DiffWorkloads(a, b);
  ASSERT_EQ(d.mismatches.size(), 1u);
  EXPECT_EQ(d.mismatches[0], "faults: [] vs [{\"atSeconds\":5}]");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0], "producerConfig.acks: \"all\" vs \"1\"");
}

}  // namespace
}  // namespace kbench::results
