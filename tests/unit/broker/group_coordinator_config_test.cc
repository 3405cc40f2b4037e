// GroupCoordinatorConfig: Kafka property names, value checks, combination checks.
#include "core/broker/group_coordinator_config.h"

#include <gtest/gtest.h>

namespace kbench::broker {
namespace {

TEST(GroupCoordinatorConfig, SetsPropertiesByTheirKafkaNames) {
  GroupCoordinatorConfig c;
  EXPECT_TRUE(*c.Set("offsets.topic.num.partitions", "8"));
  EXPECT_TRUE(*c.Set("group.initial.rebalance.delay.ms", "3000"));
  EXPECT_TRUE(*c.Set("group.min.session.timeout.ms", "1000"));
  EXPECT_TRUE(*c.Set("offsets.retention.minutes", "10"));
  EXPECT_TRUE(*c.Set("node.id", "3"));
  EXPECT_EQ(c.offsets_topic_num_partitions, 8);
  EXPECT_EQ(c.group_initial_rebalance_delay_ms, 3000);
  EXPECT_EQ(c.group_min_session_timeout_ms, 1000);
  EXPECT_EQ(c.offsets_retention_ms, 600000);
  EXPECT_EQ(c.broker_id, BrokerId(3));
  EXPECT_TRUE(c.Validate().ok());
}

TEST(GroupCoordinatorConfig, UnknownKeysAreLeftToOtherComponents) {
  GroupCoordinatorConfig c;
  Result<bool> r = c.Set("log.segment.bytes", "1024");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(GroupCoordinatorConfig, MalformedOrOutOfRangeValuesNameTheKey) {
  GroupCoordinatorConfig c;
  Result<bool> text = c.Set("group.max.size", "lots");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("group.max.size"), std::string::npos);
  EXPECT_FALSE(c.Set("offsets.topic.num.partitions", "0").ok());
  EXPECT_FALSE(c.Set("offset.metadata.max.bytes", "40000").ok());
  EXPECT_FALSE(c.Set("group.initial.rebalance.delay.ms", "12abc").ok());
  EXPECT_EQ(c.offsets_topic_num_partitions, 50);  // unchanged by the failures
}

TEST(GroupCoordinatorConfig, ValidateChecksTheCombination) {
  GroupCoordinatorConfig c;
  c.group_min_session_timeout_ms = 10000;
  c.group_max_session_timeout_ms = 5000;
  Status s = c.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("group.min.session.timeout.ms"), std::string::npos);
}

}  // namespace
}  // namespace kbench::broker
