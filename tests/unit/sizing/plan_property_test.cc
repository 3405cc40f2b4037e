// Properties over generated inputs: more ingress never fewer brokers, longer retention never less
// disk, more consumers never fewer partitions; and invariants every plan keeps.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sizing/plan.h"
#include "sizing/units.h"
#include "tests/unit/sizing/plan_test_util.h"

namespace kbench::sizing {
namespace {

using testing::PlanOf;

struct Generated {
  double ingress_mb = 0;
  double retention_h = 0;
  int64_t consumers = 0;
  int64_t rf = 3;
  double fanout = 1;
  double peak = 1;
  bool keyed = false;
  double growth = 1;
  int64_t failures = 1;

  Requirements ToRequirements() const {
    Requirements r;
    auto set = [&](const std::string& k, const std::string& v) {
      Status s = SetRequirement(&r, k, v, k, k);
      EXPECT_TRUE(s.ok()) << s.ToString();
    };
    set("ingress", fmt::format("{}MB/s", ingress_mb));
    set("retention", fmt::format("{}h", retention_h));
    set("consumers", std::to_string(consumers));
    set("rf", std::to_string(rf));
    set("min_isr", std::to_string(std::max<int64_t>(1, rf - failures)));
    set("failures", std::to_string(failures));
    set("fanout", fmt::format("{}", fanout));
    set("peak_factor", fmt::format("{}", peak));
    set("keyed", keyed ? "true" : "false");
    set("growth", fmt::format("{}", growth));
    return r;
  }
  std::string Describe() const {
    return fmt::format(
        "ingress {} MB/s, retention {} h, consumers {}, rf {}, fanout {}, peak {}, keyed {}, "
        "growth {}",
        ingress_mb, retention_h, consumers, rf, fanout, peak, keyed, growth);
  }
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}
  Generated Next() {
    Generated g;
    g.ingress_mb = LogUniform(0.001, 20000);
    g.retention_h = LogUniform(1, 24 * 30);
    g.consumers = int64_t(LogUniform(1, 3000));
    g.rf = std::uniform_int_distribution<int64_t>(1, 5)(rng_);
    g.failures = g.rf >= 3 ? 1 : 0;
    g.fanout = std::uniform_real_distribution<double>(0, 5)(rng_);
    g.peak = std::uniform_real_distribution<double>(1, 5)(rng_);
    g.keyed = std::bernoulli_distribution(0.3)(rng_);
    g.growth = g.keyed ? std::uniform_real_distribution<double>(1, 4)(rng_) : 1;
    return g;
  }
  double Factor() { return std::uniform_real_distribution<double>(1.01, 10)(rng_); }

 private:
  double LogUniform(double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng_));
  }
  std::mt19937 rng_;
};

constexpr int kCases = 1000;

TEST(PlanPropertyTest, MoreIngressNeverFewerBrokers) {
  Generator gen(1);
  for (int i = 0; i < kCases; ++i) {
    Generated g = gen.Next();
    Plan before = PlanOf(g.ToRequirements());
    Generated more = g;
    more.ingress_mb *= gen.Factor();
    Plan after = PlanOf(more.ToRequirements());
    ASSERT_GE(after.brokers.value, before.brokers.value)
        << g.Describe() << " -> " << more.ingress_mb;
  }
}

TEST(PlanPropertyTest, LongerRetentionNeverLessDisk) {
  Generator gen(2);
  for (int i = 0; i < kCases; ++i) {
    Generated g = gen.Next();
    Plan before = PlanOf(g.ToRequirements());
    Generated longer = g;
    longer.retention_h *= gen.Factor();
    Plan after = PlanOf(longer.ToRequirements());
    ASSERT_GE(after.derived.stored_bytes, before.derived.stored_bytes) << g.Describe();
    double disk_before = before.brokers.value * before.disk_bytes_per_broker.value;
    double disk_after = after.brokers.value * after.disk_bytes_per_broker.value;
    ASSERT_GE(disk_after, disk_before) << g.Describe() << " -> " << longer.retention_h << " h";
  }
}

TEST(PlanPropertyTest, MoreConsumersNeverFewerPartitions) {
  Generator gen(3);
  for (int i = 0; i < kCases; ++i) {
    Generated g = gen.Next();
    Plan before = PlanOf(g.ToRequirements());
    Generated more = g;
    more.consumers += 1 + int64_t(gen.Factor() * 10);
    Plan after = PlanOf(more.ToRequirements());
    ASSERT_GE(after.partitions.value, before.partitions.value)
        << g.Describe() << " -> " << more.consumers;
  }
}

TEST(PlanPropertyTest, EveryPlanKeepsItsInvariants) {
  Generator gen(4);
  for (int i = 0; i < kCases; ++i) {
    Generated g = gen.Next();
    Plan p = PlanOf(g.ToRequirements());
    SCOPED_TRACE(g.Describe());
    EXPECT_GE(p.partitions.value, double(g.consumers));
    EXPECT_GE(p.brokers.value, double(g.rf));
    EXPECT_EQ(int64_t(p.partitions.value) % int64_t(p.brokers.value), 0);
    EXPECT_LE(p.derived.replicas_per_broker, 4000);
    const Risk* nic = testing::FindRisk(p, "nic_after_failure");
    ASSERT_NE(nic, nullptr);
    EXPECT_LE(nic->value, 0.5 + 1e-9);
    double disk_fill =
        p.derived.stored_with_overhead / p.brokers.value / p.disk_bytes_per_broker.value;
    EXPECT_LE(disk_fill, 0.7 + 1e-9);
    EXPECT_GE(p.memory_bytes_per_broker.value, 32.0 * 1073741824.0);
    for (const Decision* d : p.Decisions()) {
      EXPECT_FALSE(d->constraint.empty()) << d->key;
      EXPECT_GT(d->value, 0) << d->key;
    }
  }
}

}  // namespace
}  // namespace kbench::sizing
