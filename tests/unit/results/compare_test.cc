// Verdicts of results/compare.h on synthetic runs whose differences are known: noise inside the
// thresholds, real shifts either way, shifts hidden in the observed spread, lost messages, and
// runs of different workloads.
#include "results/compare.h"

#include <gtest/gtest.h>

#include "results/compare_format.h"
#include "tests/unit/results/synthetic_results.h"

namespace kbench::results {
namespace {

using testing::MakeDoc;
using testing::RunSpec;

std::vector<SummaryDocument> Runs(RunSpec spec, std::vector<double> p50s,
                                  const std::string& prefix) {
  std::vector<SummaryDocument> out;
  for (size_t i = 0; i < p50s.size(); ++i) {
    spec.publish_p50_ms = p50s[i];
    spec.seed = static_cast<uint32_t>(i + 1);
    out.push_back(MakeDoc(spec, prefix + std::to_string(i + 1) + ".json"));
  }
  return out;
}

const MetricComparison& Metric(const Comparison& c, std::string_view id) {
  for (const MetricComparison& m : c.metrics)
    if (m.metric->id == id) return m;
  ADD_FAILURE() << "no metric " << id;
  return c.metrics.front();
}

Comparison MustCompare(const std::vector<SummaryDocument>& a, const std::vector<SummaryDocument>& b,
                       const CompareOptions& o = {}) {
  auto c = Compare(a, b, o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : Comparison{};
}

TEST(Compare, NoiseInsideTheThresholdsIsSame) {
  // Medians 2.00 vs 2.06 ms (+3 %), rates within 1 %: inside every default threshold.
  RunSpec base;
  RunSpec next = base;
  next.rate = base.rate * 0.995;
  const Comparison c =
      MustCompare(Runs(base, {2.0, 2.05, 1.95}, "b"), Runs(next, {2.06, 2.1, 2.02}, "n"));
  EXPECT_FALSE(c.regressed()) << ComparisonTable(c);
  EXPECT_EQ(c.Count(Verdict::kImproved), 0) << ComparisonTable(c);
  EXPECT_EQ(Metric(c, "publish_latency_ms.p50").verdict, Verdict::kSame);
  EXPECT_EQ(Metric(c, "produced.msgs_per_sec").verdict, Verdict::kSame);
  EXPECT_NE(Metric(c, "produced.msgs_per_sec").reason.find("threshold"), std::string::npos);
}

TEST(Compare, ARealShiftIsARegression) {
  RunSpec base;
  RunSpec next = base;
  next.rate = base.rate * 0.8;  // 20 % less throughput
  const Comparison c = MustCompare(Runs(base, {2.0, 2.05, 1.95}, "b"),
                                   Runs(next, {3.0, 3.1, 2.95}, "n"));  // latency +50 %
  EXPECT_TRUE(c.regressed());
  for (const char* id : {"produced.msgs_per_sec", "consumed.mb_per_sec", "publish_latency_ms.p50",
                         "publish_latency_ms.p99", "e2e_latency_ms.p50"}) {
    EXPECT_EQ(Metric(c, id).verdict, Verdict::kRegressed) << id << "\n" << ComparisonTable(c);
  }
  const MetricComparison& p50 = Metric(c, "publish_latency_ms.p50");
  EXPECT_NEAR(p50.base->median, 2.0, 0.05);
  EXPECT_NEAR(p50.next->median, 3.0, 0.07);
  EXPECT_NEAR(*p50.relative, 0.5, 0.06);
}

TEST(Compare, TheOppositeShiftIsAnImprovement) {
  RunSpec base;
  RunSpec next = base;
  next.rate = base.rate * 1.3;
  const Comparison c =
      MustCompare(Runs(base, {3.0, 3.1, 2.95}, "b"), Runs(next, {2.0, 2.05, 1.95}, "n"));
  EXPECT_FALSE(c.regressed()) << ComparisonTable(c);
  EXPECT_EQ(Metric(c, "produced.msgs_per_sec").verdict, Verdict::kImproved);   // higher is better
  EXPECT_EQ(Metric(c, "publish_latency_ms.p50").verdict, Verdict::kImproved);  // lower is better
}

TEST(Compare, AShiftWithinTheBaseRunsNoiseIsSame) {
  // +35 % on the p50 median is beyond the 10 % threshold, but the base runs themselves scatter by
  // more (MAD 0.5 ms: 3 x MAD = 1.5 ms > the 0.7 ms shift).
  RunSpec s;
  const auto base = Runs(s, {2.0, 1.5, 2.6}, "b");
  const auto next = Runs(s, {2.7, 2.2, 3.3}, "n");
  const Comparison c = MustCompare(base, next);
  const MetricComparison& p50 = Metric(c, "publish_latency_ms.p50");
  EXPECT_GT(*p50.relative, 0.3);
  EXPECT_EQ(p50.verdict, Verdict::kSame) << ComparisonTable(c);
  EXPECT_NE(p50.reason.find("within the base runs' noise"), std::string::npos) << p50.reason;
  // With a smaller spread factor the same shift counts (2.7 is above every base run).
  CompareOptions o;
  o.thresholds.set_spread_factor(0.5);
  EXPECT_EQ(Metric(MustCompare(base, next, o), "publish_latency_ms.p50").verdict,
            Verdict::kRegressed);
}

TEST(Compare, ANewMedianInsideTheBaseRunsRangeIsSame) {
  // Two base runs agree closely (MAD 0.02 ms) but the third was slow: a new median of 2.6 ms is
  // +30 %, beyond 3 x MAD, yet no slower than a run the base already had.
  RunSpec s;
  const Comparison c = MustCompare(Runs(s, {2.0, 2.02, 4.0}, "b"), Runs(s, {2.6, 2.6, 2.7}, "n"));
  const MetricComparison& p50 = Metric(c, "publish_latency_ms.p50");
  EXPECT_EQ(p50.verdict, Verdict::kSame) << ComparisonTable(c);
  EXPECT_NE(p50.reason.find("inside the base runs' range"), std::string::npos) << p50.reason;
}

TEST(Compare, ARegressionThatMakesRunsErraticIsStillARegression) {
  // Seen with an fsync per append: every new run far slower, but by different amounts. The new
  // runs' own spread (MAD 1250 msgs/s) must not hide a shift the steady base never showed.
  RunSpec base;
  std::vector<SummaryDocument> b, n;
  for (double rate : {5000.0, 4999.0, 4997.0}) {
    base.rate = rate;
    b.push_back(MakeDoc(base, "b.json"));
  }
  for (double rate : {1091.0, 2348.0, 3580.0}) {
    RunSpec slow;
    slow.rate = rate;
    n.push_back(MakeDoc(slow, "n.json"));
  }
  const Comparison c = MustCompare(b, n);
  EXPECT_EQ(Metric(c, "produced.msgs_per_sec").verdict, Verdict::kRegressed) << ComparisonTable(c);
  EXPECT_NEAR(*Metric(c, "produced.msgs_per_sec").relative, -0.53, 0.01);
}

TEST(Compare, ALostMessageIsAlwaysARegression) {
  RunSpec base;
  RunSpec lossy = base;
  std::vector<SummaryDocument> next = Runs(base, {2.0, 2.0}, "n");
  lossy.lost = 1;
  next.push_back(MakeDoc(lossy, "n3.json"));
  CompareOptions o;  // even with thresholds that would forgive anything
  ASSERT_TRUE(o.thresholds.ApplyFlag("loss=1000", CompareThresholds::Field::kRelative).ok());
  ASSERT_TRUE(o.thresholds.ApplyFlag("audit.lost=1000", CompareThresholds::Field::kAbsolute).ok());
  o.thresholds.set_spread_factor(100);
  const Comparison c = MustCompare(Runs(base, {2.0, 2.0, 2.0}, "b"), next, o);
  EXPECT_TRUE(c.regressed());
  const MetricComparison& lost = Metric(c, "audit.lost");
  EXPECT_EQ(lost.verdict, Verdict::kRegressed);
  EXPECT_EQ(lost.next->median, 0);  // two of three runs lost nothing: the median cannot hide it
  EXPECT_NE(lost.reason.find("1 messages lost in 1 of 3 new runs"), std::string::npos)
      << lost.reason;
}

TEST(Compare, ErrorsFromZeroAreARegression) {
  RunSpec base, next;
  next.produce_errors = 3;
  const Comparison c = MustCompare({MakeDoc(base, "b.json")}, {MakeDoc(next, "n.json")});
  EXPECT_EQ(Metric(c, "errors.produce").verdict, Verdict::kRegressed);
  EXPECT_FALSE(Metric(c, "errors.produce").relative.has_value());
  EXPECT_EQ(FormatChange(Metric(c, "errors.produce")), "+3");
  MetricComparison big = Metric(c, "publish_latency_ms.p50");
  big.shift = 99;
  big.relative = 99.0;
  EXPECT_EQ(FormatChange(big), "100x");
}

TEST(Compare, MissingValuesAreNotAvailableAndInfoIsNotJudged) {
  RunSpec s;
  SummaryDocument a = MakeDoc(s, "a.json"), b = MakeDoc(s, "b.json");
  b.summary.e2e_latency_ms = LatencySummary{};  // no consumer samples
  b.summary.audit.acked += 100;
  const Comparison c = MustCompare({a}, {b});
  EXPECT_EQ(Metric(c, "e2e_latency_ms.p99").verdict, Verdict::kNotAvailable);
  EXPECT_EQ(Metric(c, "audit.acked").verdict, Verdict::kInfo);
}

TEST(Compare, IgnoredMetricsAndPerMetricThresholds) {
  RunSpec s;
  const auto base = Runs(s, {2.0}, "b");
  const auto next = Runs(s, {2.5}, "n");  // +25 %
  CompareOptions o;
  ASSERT_TRUE(o.thresholds.Ignore("publish_latency_ms.p50").ok());
  ASSERT_TRUE(o.thresholds.ApplyFlag("latency_p50=0.3", CompareThresholds::Field::kRelative).ok());
  const Comparison c = MustCompare(base, next, o);
  EXPECT_EQ(Metric(c, "publish_latency_ms.p50").verdict, Verdict::kInfo);
  EXPECT_EQ(Metric(c, "e2e_latency_ms.p50").verdict, Verdict::kSame);  // kind threshold now 30 %
  ASSERT_TRUE(
      o.thresholds.ApplyFlag("e2e_latency_ms.p50=0.1", CompareThresholds::Field::kRelative).ok());
  EXPECT_EQ(Metric(MustCompare(base, next, o), "e2e_latency_ms.p50").verdict, Verdict::kRegressed);
}

TEST(Compare, AbsoluteFloorHoldsTinyShifts) {
  RunSpec s;
  // 5 us -> 8 us: +60 %, but 3 us is below the 10 us floor for medians.
  const Comparison c = MustCompare(Runs(s, {0.005}, "b"), Runs(s, {0.008}, "n"));
  const MetricComparison& p50 = Metric(c, "publish_latency_ms.p50");
  EXPECT_EQ(p50.verdict, Verdict::kSame);
  EXPECT_NE(p50.reason.find("absolute floor"), std::string::npos) << p50.reason;
}

TEST(Compare, DifferentWorkloadsAreRefused) {
  RunSpec a, b;
  b.name = "e2e-latency";
  auto c = Compare({MakeDoc(a, "a.json")}, {MakeDoc(b, "b.json")}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find(
                "workload.name: \"quickstart\" vs \"e2e-latency\" (a.json vs b.json)"),
            std::string::npos)
      << c.status().message();
  CompareOptions anyway;
  anyway.allow_different_workloads = true;
  auto forced = Compare({MakeDoc(a, "a.json")}, {MakeDoc(b, "b.json")}, anyway);
  ASSERT_TRUE(forced.ok());
  EXPECT_NE(forced->notes.front().find("compared anyway"), std::string::npos);
}

TEST(Compare, AShapeDifferenceIsRefusedATuningDifferenceIsANote) {
  RunSpec s;
  SummaryDocument a = MakeDoc(s, "a.json");
  SummaryDocument shape = MakeDoc(s, "b.json");
  shape.workload["partitionsPerTopic"] = 12;
  auto refused = Compare({a}, {shape}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("workload.partitionsPerTopic: 6 vs 12"),
            std::string::npos)
      << refused.status().message();
  // Within the base side too.
  EXPECT_FALSE(Compare({a, shape}, {a}, {}).ok());

  SummaryDocument tuned = MakeDoc(s, "c.json");
  tuned.workload["topicConfig"]["flush.messages"] = "1";
  tuned.workload["description"] = "other words";
  tuned.workload["newFieldFromALaterKbench"] = true;
  auto ok = Compare({a}, {tuned, tuned}, {});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->notes.size(), 3u);  // deduplicated across the two new runs
  EXPECT_EQ(ok->notes[0], "workload.description: (absent) vs \"other words\" (a.json vs c.json)");
  EXPECT_EQ(ok->notes[1], "workload.newFieldFromALaterKbench: (absent) vs true (a.json vs c.json)");
  EXPECT_EQ(ok->notes[2],
            "workload.topicConfig.flush.messages: (absent) vs \"1\" (a.json vs c.json)");
}

TEST(Compare, DifferentTargetsAreRefused) {
  RunSpec s;
  SummaryDocument a = MakeDoc(s, "a.json"), b = MakeDoc(s, "b.json");
  b.target_kind = "external";
  auto c = Compare({a}, {b}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("target.kind: direct vs external"), std::string::npos);
}

TEST(Compare, EmptySideIsRefused) {
  RunSpec s;
  EXPECT_FALSE(Compare({}, {MakeDoc(s, "a.json")}, {}).ok());
}

TEST(CompareFormat, TableMarkdownAndJsonCarryTheVerdicts) {
  RunSpec base;
  RunSpec next = base;
  next.rate = base.rate * 0.5;
  const Comparison c =
      MustCompare(Runs(base, {2.0, 2.1, 1.9}, "b"), Runs(next, {2.0, 2.1, 1.9}, "n"));
  const std::string table = ComparisonTable(c);
  EXPECT_NE(table.find("produced msgs/s"), std::string::npos);
  EXPECT_NE(table.find("-50.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("REGRESSED"), std::string::npos);
  const std::string md = ComparisonMarkdown(c);
  EXPECT_NE(md.find("| produced msgs/s (msgs/s) | 5000 | 2500 | -50.0% | **regressed** |"),
            std::string::npos)
      << md;
  const nlohmann::json j = ComparisonJson(c);
  EXPECT_EQ(j["verdict"], "regressed");
  EXPECT_EQ(j["base"].size(), 3u);
  bool found = false;
  for (const auto& m : j["metrics"]) {
    if (m["metric"] != "produced.msgs_per_sec") continue;
    found = true;
    EXPECT_EQ(m["verdict"], "regressed");
    EXPECT_EQ(m["direction"], "higher");
    EXPECT_EQ(m["base"]["median"], 5000.0);
    EXPECT_EQ(m["new"]["n"], 3);
    EXPECT_DOUBLE_EQ(m["relative"].get<double>(), -0.5);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace kbench::results
