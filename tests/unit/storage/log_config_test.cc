#include "core/storage/log_config.h"

#include <gtest/gtest.h>

namespace kbench::storage {
namespace {

TEST(LogConfigTest, DefaultsAreKafkas) {
  const auto p = LogConfig().ToProperties();
  EXPECT_EQ(p.at("segment.bytes"), "1073741824");
  EXPECT_EQ(p.at("segment.ms"), "604800000");
  EXPECT_EQ(p.at("retention.ms"), "604800000");
  EXPECT_EQ(p.at("retention.bytes"), "-1");
  EXPECT_EQ(p.at("index.interval.bytes"), "4096");
  EXPECT_EQ(p.at("segment.index.bytes"), "10485760");
  EXPECT_EQ(p.at("flush.messages"), "9223372036854775807");
  EXPECT_EQ(p.at("flush.ms"), "9223372036854775807");
  EXPECT_EQ(p.at("max.message.bytes"), "1048588");
  EXPECT_EQ(p.at("cleanup.policy"), "delete");
  EXPECT_EQ(p.at("min.cleanable.dirty.ratio"), "0.5");
  EXPECT_EQ(p.at("delete.retention.ms"), "86400000");
  EXPECT_EQ(p.at("message.timestamp.type"), "CreateTime");
}

TEST(LogConfigTest, PropertiesRoundTrip) {
  auto c = LogConfig::FromProperties({{"segment.bytes", "1048576"},
                                      {"cleanup.policy", "compact,delete"},
                                      {"min.cleanable.dirty.ratio", "0.25"},
                                      {"message.timestamp.type", "LogAppendTime"},
                                      {"flush.messages", "1"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segment_bytes, 1 << 20);
  EXPECT_TRUE(c->cleanup_policy.compact);
  EXPECT_TRUE(c->cleanup_policy.delete_segments);
  EXPECT_EQ(c->min_cleanable_dirty_ratio, 0.25);
  EXPECT_EQ(c->message_timestamp_type, TimestampType::kLogAppendTime);
  auto again = LogConfig::FromProperties(c->ToProperties());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *c);
}

TEST(LogConfigTest, BrokerSynonymsConvertUnits) {
  auto c = LogConfig::FromProperties({{"log.retention.hours", "2"},
                                      {"log.roll.hours", "1"},
                                      {"log.flush.interval.messages", "10"},
                                      {"message.max.bytes", "2000000"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->retention_ms, 2 * 3600 * 1000);
  EXPECT_EQ(c->segment_ms, 3600 * 1000);
  EXPECT_EQ(c->flush_messages, 10);
  EXPECT_EQ(c->max_message_bytes, 2'000'000);
  EXPECT_EQ(LogConfig::FromProperties({{"log.retention.hours", "-1"}})->retention_ms, -1);
}

TEST(LogConfigTest, BadValuesAreInvalidConfigNamingKeyAndValue) {
  struct Case {
    const char* key;
    const char* value;
  };
  for (const Case& c : {Case{"retention.ms", "7d"}, Case{"segment.bytes", "10"},
                        Case{"segment.bytes", "3000000000"}, Case{"flush.messages", "0"},
                        Case{"min.cleanable.dirty.ratio", "1.5"}, Case{"cleanup.policy", "shred"},
                        Case{"message.timestamp.type", "Now"}, Case{"retention.bytes", ""},
                        Case{"index.interval.bytes", "-5"}}) {
    auto r = LogConfig::FromProperties({{c.key, c.value}});
    ASSERT_FALSE(r.ok()) << c.key << "=" << c.value;
    EXPECT_EQ(r.status().kafka_error(), ErrorCode::kInvalidConfig);
    EXPECT_NE(r.status().message().find(c.key), std::string_view::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(std::string("'") + c.value + "'"), std::string_view::npos)
        << r.status().ToString();
  }
}

TEST(LogConfigTest, UnknownKeysAreRefusedOrLeftToTheCaller) {
  auto r = LogConfig::FromProperties({{"retention.msec", "5"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("retention.msec"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("retention.ms"),
            std::string_view::npos);  // lists the known ones
  LogConfig c;
  EXPECT_EQ(c.Set("min.insync.replicas", "2").code(),
            StatusCode::kNotFound);  // a broker/replication key
  EXPECT_TRUE(LogConfig::IsLogProperty("log.segment.bytes"));
  EXPECT_FALSE(LogConfig::IsLogProperty("unclean.leader.election.enable"));
}

TEST(LogConfigTest, ValidationOptionsFollowTheConfig) {
  LogConfig c;
  c.max_message_bytes = 1000;
  c.cleanup_policy = {false, true};
  ValidationOptions client = c.validation_options(AppendOrigin::kClient);
  EXPECT_EQ(client.max_batch_bytes, 1000);
  EXPECT_TRUE(client.require_keys);
  ValidationOptions follower = c.validation_options(AppendOrigin::kReplication);
  EXPECT_GT(follower.max_batch_bytes, 1000);  // followers take what the leader accepted
  EXPECT_FALSE(follower.require_keys);
}

}  // namespace
}  // namespace kbench::storage
