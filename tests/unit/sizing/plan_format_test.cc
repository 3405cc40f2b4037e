#include "sizing/plan_format.h"

#include <gtest/gtest.h>

#include "sizing/plan_diff.h"
#include "tests/unit/sizing/plan_test_util.h"

namespace kbench::sizing {
namespace {

using testing::MakeRequirements;
using testing::PlanOf;

TEST(PlanFormatTest, JsonTopLevelIsExactlyTheInterface) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "300MB/s"}, {"consumers", "8"}}));
  nlohmann::ordered_json j = PlanToJson(p);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"partitions", "brokers", "disks_per_broker",
                                            "disk_bytes_per_broker", "memory_bytes_per_broker",
                                            "cpu_cores_per_broker", "nic_bits_per_sec",
                                            "controllers", "config", "risks"}));
  for (const char* k :
       {"partitions", "brokers", "disks_per_broker", "disk_bytes_per_broker",
        "memory_bytes_per_broker", "cpu_cores_per_broker", "nic_bits_per_sec", "controllers"}) {
    ASSERT_TRUE(j[k].contains("value")) << k;
    ASSERT_TRUE(j[k]["constraint"].is_string()) << k;
    EXPECT_FALSE(j[k]["constraint"].get<std::string>().empty()) << k;
    EXPECT_TRUE(j[k].contains("headroom")) << k;
  }
  EXPECT_EQ(j["partitions"]["value"], p.partitions.value);
  EXPECT_TRUE(j["partitions"]["value"].is_number_integer());
  EXPECT_EQ(j["config"]["producer"]["acks"]["value"], "all");
  ASSERT_TRUE(j["risks"].is_array());
  EXPECT_TRUE(j["risks"][0].contains("severity"));
}

TEST(PlanFormatTest, TableNamesEveryConstraintAndInputSource) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "300MB/s"}}));
  std::string t = RenderPlan(p, OutputFormat::kTable, false);
  EXPECT_NE(t.find("set by    produce rate: 300 MB/s peak / 10.0 MB/s per partition"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("default: 10 MB/s per partition"), std::string::npos);
  EXPECT_NE(t.find("Risks"), std::string::npos);
}

TEST(PlanFormatTest, ExplainShowsEveryBoundWithTheBindingOneMarked) {
  Plan p = PlanOf(MakeRequirements(
      {{"ingress_msgs", "1000/s"}, {"msg_size", "1KB"}, {"consumer_rate", "100/s"}}));
  std::string t = RenderPlan(p, OutputFormat::kTable, true);
  EXPECT_NE(t.find("* consumer rate: 1,000 msg/s peak / 100 msg/s per consumer = 10 -> 10"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("- produce rate:"), std::string::npos);
  EXPECT_NE(t.find("then 10 rounded up to a multiple of 3 brokers = 12"), std::string::npos);
  EXPECT_NE(t.find("why:"), std::string::npos);
}

TEST(PlanFormatTest, MarkdownHasTables) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "300MB/s"}}));
  std::string md = RenderPlan(p, OutputFormat::kMarkdown, true);
  EXPECT_NE(md.find("| | value | set by | headroom |"), std::string::npos);
  EXPECT_NE(md.find("## Settings"), std::string::npos);
  EXPECT_NE(md.find("## Arithmetic"), std::string::npos);
}

TEST(PlanFormatTest, ImpossiblePlansSaySoAtTheTop) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "10MB/s"}, {"rf", "3"}, {"min_isr", "3"}}));
  std::string t = RenderPlan(p, OutputFormat::kTable, false);
  EXPECT_NE(t.find("NOT ACHIEVABLE"), std::string::npos);
  EXPECT_NE(t.find("[impossible]"), std::string::npos);
}

TEST(PlanFormatTest, FormatNamesAreStrict) {
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("markdown"), OutputFormat::kMarkdown);
  EXPECT_FALSE(ParseOutputFormat("yaml").ok());
}

TEST(PlanDiffTest, WhatIfShowsChangedNumbersAndConstraints) {
  Requirements base = MakeRequirements({{"ingress", "300MB/s"}, {"retention", "1d"}});
  WhatIf w;
  w.settings = {{"ingress", "3GB/s"}};
  Requirements changed = *ApplyWhatIf(base, w);
  Plan before = PlanOf(base);
  Plan after = PlanOf(changed);
  PlanDiff diff = DiffPlans(before, after);
  auto it = std::find_if(diff.changes.begin(), diff.changes.end(),
                         [](const DecisionChange& c) { return c.key == "brokers"; });
  ASSERT_NE(it, diff.changes.end());
  EXPECT_EQ(it->before, before.brokers.display);
  EXPECT_EQ(it->after, after.brokers.display);
  std::string text = RenderDiff(w, before, after, diff, OutputFormat::kTable);
  EXPECT_NE(text.find("what if ingress=3GB/s"), std::string::npos);
  EXPECT_NE(text.find("brokers"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(RenderDiff(w, before, after, diff, OutputFormat::kJson));
  EXPECT_TRUE(j.contains("base"));
  EXPECT_EQ(j["what_if"]["set"]["ingress"], "3GB/s");
  EXPECT_FALSE(j["diff"]["changes"].empty());
}

TEST(PlanDiffTest, WhatIfRejectsBadSettings) {
  EXPECT_FALSE(ParseWhatIf("rf").ok());
  EXPECT_FALSE(ParseWhatIf("=3").ok());
  WhatIf w;
  w.settings = {{"rf", "three"}};
  Result<Requirements> r = ApplyWhatIf(Requirements{}, w);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--what-if rf=three"), std::string_view::npos);
}

TEST(PlanDiffTest, UnchangedPlanHasNoChanges) {
  Plan p = PlanOf(MakeRequirements({{"ingress", "300MB/s"}}));
  EXPECT_TRUE(DiffPlans(p, p).changes.empty());
}

}  // namespace
}  // namespace kbench::sizing
