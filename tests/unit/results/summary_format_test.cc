#include "results/summary_format.h"

#include <gtest/gtest.h>

namespace kbench::results {
namespace {

RunResult Sample() {
  RunResult r;
  r.summary.produced = {600000, 60000000, 10000.0, 1.0};
  r.summary.consumed = {600000, 60000000, 10000.0, 1.0};
  HdrHistogram h;
  for (int i = 0; i < 1000; ++i) h.Record(1'000'000 + i * 1000);
  r.summary.publish_latency_ms = SummarizeLatencyNs(h);
  r.summary.audit = {.acked = 600000,
                     .consumed = 600000,
                     .lost = 0,
                     .duplicated = 0,
                     .out_of_order = 0,
                     .unacked_delivered = 0,
                     .loss_allowed = false};
  r.summary.slo = SloResult{"p99", 50, true};
  return r;
}

TEST(SummaryFormat, PerfTestLineHasKafkasShape) {
  const std::string line = PerfTestLine(Sample());
  EXPECT_EQ(line.rfind("600000 records sent, 10000.000000 records/sec (0.95 MB/sec), ", 0), 0u)
      << line;
  EXPECT_NE(line.find(" ms avg latency, "), std::string::npos);
  EXPECT_NE(line.find(" ms max latency, "), std::string::npos);
  EXPECT_NE(line.find(" ms 50th, "), std::string::npos);
  EXPECT_NE(line.find(" ms 99.9th."), std::string::npos);
}

TEST(SummaryFormat, TableShowsThroughputLatencyAuditAndSlo) {
  const std::string t = SummaryTable(Sample());
  EXPECT_NE(t.find("produced"), std::string::npos);
  EXPECT_NE(t.find("end-to-end"), std::string::npos);
  EXPECT_NE(t.find("audit: 600000 acked, 600000 consumed, 0 lost"), std::string::npos);
  EXPECT_NE(t.find("SLO: p99 <= 50.00 ms: met"), std::string::npos);
}

TEST(SummaryFormat, LossIsFlaggedOnlyWhenNotAllowed) {
  RunResult r = Sample();
  r.summary.audit.lost = 3;
  EXPECT_TRUE(LossBreaksPromise(r.summary));
  EXPECT_NE(SummaryTable(r).find("LOSS: the configuration promised none"), std::string::npos);
  r.summary.audit.loss_allowed = true;
  EXPECT_FALSE(LossBreaksPromise(r.summary));
  EXPECT_NE(SummaryTable(r).find("loss allowed"), std::string::npos);
}

}  // namespace
}  // namespace kbench::results
