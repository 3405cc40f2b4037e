#include "harness/key_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace kbench::harness {
namespace {

TEST(KafkaMurmur2, MatchesKafkasUtilsMurmur2) {
  // Values from Apache Kafka's UtilsTest.
  EXPECT_EQ(KafkaMurmur2("21"), -973932308);
  EXPECT_EQ(KafkaMurmur2("foobar"), -790332482);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(KafkaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(KafkaMurmur2("abc"), 479470107);
}

TEST(KafkaKeyPartition, IsStableAndInRange) {
  for (int i = 0; i < 1000; ++i) {
    const std::string k = KeyGenerator::KeyName(i);
    const int32_t p = KafkaKeyPartition(k, 7);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, 7);
    EXPECT_EQ(p, KafkaKeyPartition(k, 7));
  }
}

TEST(KeyGenerator, NoKeyAndRoundRobin) {
  KeyGenerator none(KeyDistributor::kNoKey, 10, 1.0, 1);
  EXPECT_FALSE(none.keyed());
  EXPECT_EQ(none.NextIndex(), -1);
  KeyGenerator rr(KeyDistributor::kKeyRoundRobin, 3, 1.0, 1);
  EXPECT_EQ(rr.NextIndex(), 0);
  EXPECT_EQ(rr.NextIndex(), 1);
  EXPECT_EQ(rr.NextIndex(), 2);
  EXPECT_EQ(rr.NextIndex(), 0);
}

TEST(KeyGenerator, RandomCoversTheKeySpaceEvenly) {
  KeyGenerator g(KeyDistributor::kRandom, 100, 1.0, 3);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 100'000; ++i) counts[g.NextIndex()]++;
  EXPECT_EQ(counts.size(), 100u);
  for (const auto& [k, n] : counts) EXPECT_NEAR(n, 1000, 200) << k;
}

TEST(KeyGenerator, ZipfMakesHotKeys) {
  KeyGenerator g(KeyDistributor::kZipf, 1000, 1.0, 5);
  std::map<int64_t, int> counts;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) counts[g.NextIndex()]++;
  // With s = 1 over 1000 keys, rank 1 holds 1/H(1000) ~ 13.4 % and rank 2 half of that.
  EXPECT_NEAR(counts[0] / static_cast<double>(n), 0.1336, 0.01);
  EXPECT_NEAR(counts[1] / static_cast<double>(counts[0]), 0.5, 0.05);
  EXPECT_GT(counts[0], 50 * std::max(1, counts[999]));
}

TEST(PartitionChooser, RoundRobinCyclesFromItsStart) {
  PartitionChooser c(3, 2);
  EXPECT_EQ(c.RoundRobin(), 2);
  EXPECT_EQ(c.RoundRobin(), 0);
  EXPECT_EQ(c.RoundRobin(), 1);
}

}  // namespace
}  // namespace kbench::harness
