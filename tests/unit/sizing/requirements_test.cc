#include "sizing/requirements.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace kbench::sizing {
namespace {

Requirements Req(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Requirements r;
  for (const auto& [k, v] : kv) {
    Status s = SetRequirement(&r, k, v, std::string("--") + k, std::string("--") + k);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return r;
}

// A temp file removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/kbench_req_XXXXXX";
    int fd = mkstemp(name);
    path_ = name;
    ::close(fd);
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RequirementsTest, DefaultsFollowTheSeeds) {
  ResolvedRequirements r = *Resolve(Req({{"ingress", "10MB/s"}}));
  EXPECT_EQ(r.rf.value, 3);
  EXPECT_EQ(r.min_isr.value, 2);
  EXPECT_EQ(r.failures.value, 1);
  EXPECT_DOUBLE_EQ(r.retention_s.value, 7 * 86400);
  EXPECT_DOUBLE_EQ(r.max_nic_util.value, 0.5);
  EXPECT_NE(r.rf.origin.find("default"), std::string::npos);
  EXPECT_NE(r.ingress_bytes.origin.find("--ingress"), std::string::npos);
}

TEST(RequirementsTest, TwoFailuresNeedRfFiveAndMinIsrThree) {
  ResolvedRequirements r = *Resolve(Req({{"ingress", "10MB/s"}, {"failures", "2"}}));
  EXPECT_EQ(r.rf.value, 5);
  EXPECT_EQ(r.min_isr.value, 3);
}

TEST(RequirementsTest, MessageSizeIsDerivedFromBytesAndMessages) {
  ResolvedRequirements r =
      *Resolve(Req({{"ingress", "100MB/s"}, {"ingress_msgs", "100k/s"}, {"peak_factor", "2"}}));
  EXPECT_DOUBLE_EQ(r.msg_size->value, 1000);
  EXPECT_DOUBLE_EQ(r.peak_bytes, 200e6);
  EXPECT_DOUBLE_EQ(*r.peak_msgs, 200e3);
}

TEST(RequirementsTest, ContradictoryRatesAreRejectedNamingTheFields) {
  Result<ResolvedRequirements> r =
      Resolve(Req({{"ingress", "100MB/s"}, {"ingress_msgs", "100k/s"}, {"msg_size", "4KB"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--msg-size"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("disagree"), std::string_view::npos);
}

TEST(RequirementsTest, MissingIngressIsAnError) {
  Result<ResolvedRequirements> r = Resolve(Req({{"rf", "3"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--ingress"), std::string_view::npos);
}

TEST(RequirementsTest, MessagesWithoutSizeAreAnError) {
  Result<ResolvedRequirements> r = Resolve(Req({{"ingress_msgs", "1000/s"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--msg-size"), std::string_view::npos);
}

TEST(RequirementsTest, MinIsrAboveRfIsAnError) {
  Result<ResolvedRequirements> r =
      Resolve(Req({{"ingress", "1MB/s"}, {"rf", "2"}, {"min_isr", "3"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--min-isr"), std::string_view::npos);
  EXPECT_NE(r.status().message().find("--rf"), std::string_view::npos);
}

TEST(RequirementsTest, ZeroIngressAndPeakBelowAverageAreErrors) {
  EXPECT_FALSE(Resolve(Req({{"ingress", "0MB/s"}})).ok());
  Result<ResolvedRequirements> r = Resolve(Req({{"ingress", "1MB/s"}, {"peak_factor", "0.5"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--peak-factor"), std::string_view::npos);
}

TEST(RequirementsTest, HotKeyWithoutKeysIsContradictory) {
  Result<ResolvedRequirements> r = Resolve(Req({{"ingress", "1MB/s"}, {"hot_key_share", "0.1"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--hot-key-share"), std::string_view::npos);
}

TEST(RequirementsTest, CompactionNeedsTheLiveKeySet) {
  Result<ResolvedRequirements> r = Resolve(Req({{"ingress", "1MB/s"}, {"cleanup", "compact"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--live-bytes"), std::string_view::npos);
}

TEST(RequirementsTest, MessageRateConsumerNeedsAMessageSize) {
  Result<ResolvedRequirements> r = Resolve(Req({{"ingress", "1MB/s"}, {"consumer_rate", "100/s"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--consumer-rate"), std::string_view::npos);
}

TEST(RequirementsTest, UnknownKeyIsAnError) {
  Requirements r;
  Status s = SetRequirement(&r, "ingres", "1MB/s", "--what-if ingres=1MB/s", "what-if");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ingres"), std::string_view::npos);
}

TEST(RequirementsTest, FlagAndYamlSpellingsAreTheSameField) {
  Requirements r;
  ASSERT_TRUE(SetRequirement(&r, "--min-isr", "2", "--min-isr", "--min-isr").ok());
  ASSERT_TRUE(SetRequirement(&r, "msg_size", "1KB", "msg_size", "yaml").ok());
  EXPECT_EQ(*r.min_isr, 2);
  EXPECT_DOUBLE_EQ(*r.msg_size_bytes, 1000);
}

TEST(RequirementsTest, YamlFileFillsRequirements) {
  TempFile f(
      "ingress: 300MB/s\nmsg_size: 1KB\nrf: 3\nretention: 3d\nkeyed: true\nlatency_slo: "
      "p99=50ms\n");
  Requirements r;
  ASSERT_TRUE(LoadRequirementsYaml(f.path(), &r).ok());
  ResolvedRequirements rr = *Resolve(r);
  EXPECT_DOUBLE_EQ(rr.ingress_bytes.value, 300e6);
  EXPECT_DOUBLE_EQ(rr.retention_s.value, 3 * 86400);
  EXPECT_TRUE(rr.keyed.value);
  EXPECT_DOUBLE_EQ(rr.latency_slo->value.target_ms, 50);
  EXPECT_EQ(rr.ingress_bytes.origin, f.path());
}

TEST(RequirementsTest, YamlUnitlessSizeNamesFileLineAndKey) {
  TempFile f("ingress: 300MB/s\nmsg_size: 300\n");
  Requirements r;
  Status s = LoadRequirementsYaml(f.path(), &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(f.path() + ":2: msg_size"), std::string_view::npos) << s.message();
  EXPECT_NE(s.message().find("no unit"), std::string_view::npos);
}

TEST(RequirementsTest, YamlUnknownKeyAndBadShapeAreErrors) {
  TempFile unknown("ingress: 1MB/s\nreplication: 3\n");
  Requirements r;
  Status s = LoadRequirementsYaml(unknown.path(), &r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("replication"), std::string_view::npos);
  TempFile nested("ingress:\n  avg: 1MB/s\n");
  EXPECT_FALSE(LoadRequirementsYaml(nested.path(), &r).ok());
  TempFile list("- 1\n- 2\n");
  EXPECT_FALSE(LoadRequirementsYaml(list.path(), &r).ok());
  EXPECT_FALSE(LoadRequirementsYaml("/nonexistent/req.yaml", &r).ok());
}

}  // namespace
}  // namespace kbench::sizing
