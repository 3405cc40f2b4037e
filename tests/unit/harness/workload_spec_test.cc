#include "harness/workload_spec.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace kbench::harness {
namespace {

constexpr char kValid[] = R"(name: test
topics: 1
partitionsPerTopic: 6
messageSize: 100
producerRate: 1000
testDurationSeconds: 10
warmupDurationSeconds: 0
)";

Result<std::vector<Workload>> Load(const std::string& text, WorkloadLoadOptions options = {}) {
  return LoadWorkloadText(text, "w.yaml", options);
}

Workload LoadOne(const std::string& text, WorkloadLoadOptions options = {}) {
  auto r = Load(text, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->empty()) return Workload{};
  return r->front();
}

// Expects the load to fail with a message containing every fragment.
void ExpectError(const std::string& text, std::vector<std::string> fragments,
                 WorkloadLoadOptions options = {}) {
  auto r = Load(text, options);
  ASSERT_FALSE(r.ok()) << "expected a validation error for:\n" << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  for (const std::string& f : fragments) {
    EXPECT_NE(r.status().message().find(f), std::string_view::npos)
        << "missing \"" << f << "\" in:\n"
        << r.status().message();
  }
}

TEST(WorkloadSpec, MinimalProfileResolvesWithDefaults) {
  Workload w = LoadOne(kValid);
  EXPECT_EQ(w.name, "test");
  EXPECT_EQ(w.partitions_per_topic, 6);
  EXPECT_EQ(w.message_size.size, 100);
  EXPECT_EQ(w.producer_rate, 1000);
  EXPECT_DOUBLE_EQ(w.test_duration_s, 10);
  EXPECT_EQ(w.replication_factor, 3);
  EXPECT_EQ(w.cluster.brokers, 3);
  EXPECT_EQ(w.subscriptions_per_topic, 1);
  EXPECT_EQ(w.consumer_per_subscription, 1);
  EXPECT_EQ(w.producers_per_topic, 1);
  EXPECT_EQ(w.key_distributor, KeyDistributor::kNoKey);
  EXPECT_EQ(w.EffectiveAcks(), "all");
  EXPECT_TRUE(LossAllowed(w));  // min.insync.replicas defaults to 1
}

TEST(WorkloadSpec, OmbFieldNamesAndMinutesLoad) {
  Workload w = LoadOne(R"(name: 1-topic-16-partitions-1kb
topics: 1
partitionsPerTopic: 16
messageSize: 1024
payloadFile: null
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producersPerTopic: 1
producerRate: 50000
consumerBacklogSizeGB: 0
testDurationMinutes: 15
warmupDurationMinutes: 1
keyDistributor: "NO_KEY"
useRandomizedPayloads: true
randomBytesRatio: 0.5
randomizedPayloadPoolSize: 1000
)");
  EXPECT_DOUBLE_EQ(w.test_duration_s, 900);
  EXPECT_DOUBLE_EQ(w.warmup_duration_s, 60);
  EXPECT_DOUBLE_EQ(w.random_bytes_ratio, 0.5);
}

TEST(WorkloadSpec, UnknownFieldGetsDidYouMean) {
  ExpectError(
      std::string(kValid) + "partitonsPerTopic: 3\n",
      {"w.yaml:8:1", "partitonsPerTopic", "unknown field", "did you mean partitionsPerTopic?"});
  ExpectError(std::string(kValid) + "cluster: {brokerz: 3}\n",
              {"cluster.brokerz", "did you mean brokers?"});
  ExpectError(std::string(kValid) + "frobnicate: 1\n", {"frobnicate: unknown field"});
}

TEST(WorkloadSpec, WrongTypeNamesLineFieldAndExpectation) {
  ExpectError(
      "name: t\ntopics: 1\npartitionsPerTopic: many\nmessageSize: 100\nproducerRate: 1\n"
      "testDurationSeconds: 1\n",
      {"w.yaml:3:21", "partitionsPerTopic: expected a positive integer, got \"many\""});
  ExpectError(std::string(kValid) + "useRandomizedPayloads: maybe\n",
              {"useRandomizedPayloads: expected true or false"});
  ExpectError(std::string(kValid) + "topicConfig: [a, b]\n", {"topicConfig: expected a mapping"});
  ExpectError(std::string(kValid) + "producerConfig: {acks: [1]}\n",
              {"producerConfig.acks: expected a scalar"});
}

TEST(WorkloadSpec, ZeroOrNegativeWherePositiveRequired) {
  ExpectError(
      "name: t\ntopics: 0\npartitionsPerTopic: 1\nmessageSize: 100\nproducerRate: "
      "1\ntestDurationSeconds: 1\n",
      {"w.yaml:2:9", "topics: expected a positive integer, got \"0\""});
  ExpectError(std::string(kValid) + "replicationFactor: -1\n",
              {"replicationFactor: expected a positive integer"});
  ExpectError(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\nproducerRate: "
      "-5\ntestDurationSeconds: 1\n",
      {"producerRate: expected a non-negative integer"});
  ExpectError(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\nproducerRate: "
      "5\ntestDurationSeconds: 0\n",
      {"testDurationSeconds: expected a positive number"});
  ExpectError(std::string(kValid) + "consumerProcessingDelayMs: -1\n",
              {"consumerProcessingDelayMs: expected a non-negative number"});
}

TEST(WorkloadSpec, MissingRequiredFields) {
  ExpectError("topics: 1\n",
              {"name: missing", "partitionsPerTopic: missing", "messageSize: missing",
               "testDurationMinutes: missing", "producerRate: missing"});
}

TEST(WorkloadSpec, ReplicationFactorAboveBrokersIsRefused) {
  ExpectError(std::string(kValid) + "replicationFactor: 4\n",
              {"w.yaml:8:20", "replicationFactor: expected at most cluster.brokers (3), got 4"});
  // With --bootstrap the embedded cluster's size does not apply.
  WorkloadLoadOptions external;
  external.embedded = false;
  EXPECT_TRUE(Load(std::string(kValid) + "replicationFactor: 4\n", external).ok());
}

TEST(WorkloadSpec, MinInsyncAboveReplicationFactorIsRefused) {
  ExpectError(
      std::string(kValid) + "replicationFactor: 2\ntopicConfig:\n  min.insync.replicas: 3\n",
      {"w.yaml:10:24",
       "topicConfig.min.insync.replicas: expected at most replicationFactor (2), got 3"});
  ExpectError(std::string(kValid) + "topicConfig: {min.insync.replicas: two}\n",
              {"topicConfig.min.insync.replicas: expected a positive integer"});
}

TEST(WorkloadSpec, KafkaPropertyValuesAreChecked) {
  ExpectError(std::string(kValid) + "producerConfig: {acks: 2}\n",
              {"producerConfig.acks: expected 0, 1, -1 or all"});
  ExpectError(std::string(kValid) + "producerConfig: {acks: 1, enable.idempotence: true}\n",
              {"producerConfig.enable.idempotence: idempotence needs acks=all"});
  ExpectError(std::string(kValid) + "producerConfig: {compression.type: brotli}\n",
              {"producerConfig.compression.type: expected none, gzip"});
  ExpectError(std::string(kValid) + "producerConfig: {linger.ms: soon}\n",
              {"producerConfig.linger.ms: expected a non-negative integer"});
  ExpectError(std::string(kValid) + "topicConfig: {cleanup.policy: shred}\n",
              {"topicConfig.cleanup.policy: expected delete"});
  ExpectError(std::string(kValid) + "topicConfig: {segment.bytes: 0}\n",
              {"topicConfig.segment.bytes: expected a positive integer"});
  ExpectError(std::string(kValid) + "topicConfig: {unclean.leader.election.enable: yes please}\n",
              {"topicConfig.unclean.leader.election.enable: expected true or false"});
  Workload w = LoadOne(std::string(kValid) +
                       "topicConfig: {retention.ms: -1, min.insync.replicas: 2}\n"
                       "producerConfig: {acks: all, linger.ms: 5, enable.idempotence: true}\n");
  EXPECT_EQ(w.producer_config.at("linger.ms"), "5");
  EXPECT_FALSE(LossAllowed(w));
}

TEST(WorkloadSpec, EnumValuesGetDidYouMean) {
  ExpectError(std::string(kValid) + "keyDistributor: ZIPFF\n",
              {"keyDistributor: expected one of NO_KEY, KEY_ROUND_ROBIN, RANDOM, ZIPF, got "
               "\"ZIPFF\" (did you mean ZIPF?)"});
  ExpectError(std::string(kValid) + "rateShape: poison\n", {"rateShape", "did you mean poisson?"});
}

TEST(WorkloadSpec, FaultScheduleIsChecked) {
  const std::string base = std::string(kValid) + "faults:\n";
  ExpectError(
      base + "  - {atSeconds: 30, action: crash, broker: 2}\n",
      {"w.yaml:9:17",
       "faults[0].atSeconds: expected a time within the run (warm-up + test = 10 s), got 30"});
  ExpectError(base + "  - {atSeconds: 1, action: crash, broker: 4}\n",
              {"faults[0].broker: expected a broker id in 1..3 (cluster.brokers), got 4"});
  ExpectError(base + "  - {atSeconds: 1, action: crash, broker: 0}\n",
              {"faults[0].broker: expected a positive integer"});
  ExpectError(base + "  - {atSeconds: 1, action: explode, broker: 1}\n",
              {"faults[0].action: expected one of crash"});
  ExpectError(base + "  - {atSeconds: 1, action: restart, broker: 1}\n",
              {"restart broker 1: expected it to be down (crashed or stopped)"});
  ExpectError(base +
                  "  - {atSeconds: 1, action: pause, broker: 1}\n  - {atSeconds: 2, action: crash, "
                  "broker: 1}\n",
              {"crash broker 1: expected it to be running"});
  ExpectError(base + "  - {atSeconds: 1, action: heal, broker: 1}\n",
              {"heal broker 1: expected it to be isolated"});
  ExpectError(base + "  - {atSeconds: 1, action: resume, broker: 1}\n",
              {"resume broker 1: expected it to be paused"});
  ExpectError(base + "  - {atSeconds: 1, broker: 1}\n", {"faults[0].action: missing"});
  Workload w = LoadOne(base +
                       "  - {atSeconds: 6, action: restart, broker: 2}\n  - {atSeconds: 3, action: "
                       "crash, broker: 2}\n"
                       "  - {atSeconds: 4, action: pause, broker: 1}\n  - {atSeconds: 5, action: "
                       "resume, broker: 1}\n");
  ASSERT_EQ(w.faults.size(), 4u);
  EXPECT_EQ(w.faults[0].action, FaultAction::kCrash);  // sorted by time
  EXPECT_EQ(w.faults[3].action, FaultAction::kRestart);
}

TEST(WorkloadSpec, ClusterShapeIsChecked) {
  ExpectError(std::string(kValid) + "cluster: {brokers: 3, racks: [a, b]}\n",
              {"cluster.racks: expected one rack per broker (3), got 2"});
  ExpectError(std::string(kValid) + "cluster: {brokers: 3, dataDirs: [/a]}\n",
              {"cluster.dataDirs: expected one data dir per broker"});
  ExpectError(std::string(kValid) + "cluster: {brokers: 0}\n",
              {"cluster.brokers: expected a positive integer"});
  Workload w = LoadOne(
      std::string(kValid) +
      "replicationFactor: 5\ncluster:\n  brokers: 5\n  brokerConfig: {num.io.threads: 4}\n");
  EXPECT_EQ(w.cluster.broker_config.at("num.io.threads"), "4");
}

TEST(WorkloadSpec, MessageSizeForms) {
  ExpectError(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 10\nproducerRate: "
      "1\ntestDurationSeconds: 1\n",
      {"messageSize: expected at least 24 bytes"});
  ExpectError(
      std::string(kValid) + "messageSizeDistribution: {type: uniform, min: 100, max: 200}\n",
      {"give either messageSizeDistribution or messageSize / payloadFile, not both"});
  const std::string no_size =
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nproducerRate: 1\ntestDurationSeconds: 1\n";
  ExpectError(no_size + "messageSizeDistribution: {type: uniform, min: 300, max: 200}\n",
              {"messageSizeDistribution.min: expected min <= max"});
  ExpectError(no_size + "messageSizeDistribution: {type: gaussian}\n",
              {"messageSizeDistribution.type: expected one of uniform, weighted"});
  ExpectError(no_size + "messageSizeDistribution: {type: weighted, sizes: [{size: 100}]}\n",
              {"needs size and weight"});
  ExpectError(no_size + "payloadFile: /nonexistent/payload.bin\n",
              {"payloadFile: cannot read /nonexistent/payload.bin"});
  Workload w =
      LoadOne(no_size +
              "messageSizeDistribution:\n  type: weighted\n  sizes:\n    - {size: 100, weight: 3}\n"
              "    - {size: 1000, weight: 1}\n");
  EXPECT_EQ(w.message_size.MaxSize(), 1000);
  EXPECT_DOUBLE_EQ(w.message_size.MeanSize(), 325.0);
}

TEST(WorkloadSpec, PayloadFileIsResolvedRelativeToTheProfile) {
  char dir_template[] = "/tmp/kbench-wl-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  { std::ofstream(dir + "/payload.bin") << std::string(512, 'x'); }
  auto r = LoadWorkloadText(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nproducerRate: 1\ntestDurationSeconds: 1\n"
      "payloadFile: payload.bin\n",
      dir + "/w.yaml");
  auto mismatch = LoadWorkloadText(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nproducerRate: 1\n"
      "testDurationSeconds: 1\nmessageSize: 1024\npayloadFile: payload.bin\n",
      dir + "/w.yaml");
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("is 512 bytes but messageSize is 1024"),
            std::string_view::npos)
      << mismatch.status().message();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->front().message_size.size, 512);
  EXPECT_EQ(r->front().message_size.kind, MessageSizeSpec::Kind::kFile);
}

TEST(WorkloadSpec, DurationFormsAreExclusive) {
  ExpectError(std::string(kValid) + "testDurationMinutes: 1\n",
              {"give testDurationMinutes or testDurationSeconds, not both"});
  ExpectError(std::string(kValid) + "warmupDurationMinutes: 1\n",
              {"give warmupDurationMinutes or warmupDurationSeconds, not both"});
}

TEST(WorkloadSpec, MaxRateModeNeedsAnSlo) {
  const std::string base =
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\ntestDurationSeconds: 10\n";
  ExpectError(base + "producerRate: 0\n",
              {"producerRate: 0 asks for the maximum rate", "latencySlo.ms is required"});
  Workload w = LoadOne(base +
                       "producerRate: 0\nlatencySlo: {percentile: p99, ms: 50}\nmaxRateSearch: "
                       "{minRate: 1000, maxRate: 100000}\n");
  EXPECT_EQ(w.producer_rate, 0);
  EXPECT_DOUBLE_EQ(w.latency_slo.percentile_value, 99);
  ExpectError(base + "producerRate: 0\nlatencySlo: {percentile: p98, ms: 50}\n",
              {"latencySlo.percentile: expected one of"});
  ExpectError(base + "producerRate: 0\nlatencySlo: {percentile: p99}\n",
              {"latencySlo.ms: missing"});
  ExpectError(
      base + "producerRate: 0\nlatencySlo: {ms: 5}\nmaxRateSearch: {minRate: 10, maxRate: 5}\n",
      {"maxRateSearch: expected minRate < maxRate"});
}

TEST(WorkloadSpec, RateStepsAreChecked) {
  const std::string base =
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\ntestDurationSeconds: 10\n";
  ExpectError(base + "rateShape: steps\n", {"rateSteps: rateShape steps needs a non-empty list"});
  ExpectError(base + "producerRate: 5\nrateSteps: [{atSeconds: 0, rate: 5}]\n",
              {"rateSteps: only used with rateShape: steps"});
  ExpectError(
      base + "rateShape: steps\nrateSteps: [{atSeconds: 5, rate: 5}, {atSeconds: 2, rate: 1}]\n",
      {"rateSteps[1].atSeconds: expected steps in increasing time"});
  ExpectError(base +
                  "rateShape: steps\nwarmupDurationSeconds: 0\nrateSteps: [{atSeconds: 0, rate: "
                  "5}, {atSeconds: 20, rate: 1}]\n",
              {"rateSteps[1].atSeconds: expected a time within the run"});
  Workload w = LoadOne(
      base +
      "rateShape: steps\nrateSteps: [{atSeconds: 0, rate: 100}, {atSeconds: 5, rate: 200}]\n");
  ASSERT_EQ(w.rate_steps.size(), 2u);
  EXPECT_EQ(w.producer_rate, 100);
}

TEST(WorkloadSpec, CatchUpReadOptionIsChecked) {
  ExpectError(std::string(kValid) + "backlogPageCache: evict\n",
              {"backlogPageCache: evict needs a backlog"});
  ExpectError(std::string(kValid) + "consumerBacklogSizeGB: 1\nsubscriptionsPerTopic: 0\n",
              {"a backlog needs consumers"});
  ExpectError(
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\ntestDurationSeconds: 10\n"
      "producerRate: 0\nlatencySlo: {ms: 10}\nconsumerBacklogSizeGB: 1\n",
      {"w.yaml:8:24: consumerBacklogSizeGB: a backlog is built at a fixed producerRate"});
  // With --bootstrap the run cannot evict the brokers' page cache; it says so and goes on (the
  // runner records "not evicted"), so the profile is valid.
  WorkloadLoadOptions external;
  external.embedded = false;
  const Workload w = LoadOne(
      std::string(kValid) + "consumerBacklogSizeGB: 1\nbacklogPageCache: evict\n", external);
  EXPECT_EQ(w.backlog_page_cache, BacklogPageCache::kEvict);
}

TEST(WorkloadSpec, SubscriptionsByTopicGivesFractionalFanOut) {
  const std::string base =
      "name: t\ntopics: 4\npartitionsPerTopic: 1\nmessageSize: 100\nproducerRate: 1\n"
      "testDurationSeconds: 1\n";
  Workload w = LoadOne(base + "subscriptionsByTopic: [2, 1, 1, 1]\nconsumerPerSubscription: 2\n");
  EXPECT_DOUBLE_EQ(w.FanOut(), 1.25);
  EXPECT_EQ(w.TotalConsumers(), 10);
  EXPECT_EQ(w.SubscriptionsForTopic(0), 2);
  ExpectError(base + "subscriptionsByTopic: [2, 1]\n",
              {"subscriptionsByTopic: expected one count per topic (4), got 2"});
  ExpectError(base + "subscriptionsByTopic: [2, 1, x, 1]\n",
              {"subscriptionsByTopic[2]: expected a non-negative integer"});
  ExpectError(base + "subscriptionsPerTopic: 1\nsubscriptionsByTopic: [1, 1, 1, 1]\n",
              {"not both"});
}

TEST(WorkloadSpec, NotYamlOrNotAMapping) {
  ExpectError("name: [unclosed\n", {"w.yaml:", "not valid YAML"});
  ExpectError("- just\n- a list\n", {"expected a mapping of workload fields"});
}

TEST(WorkloadSpec, SetOverridesApplyBeforeValidation) {
  WorkloadLoadOptions o;
  o.overrides = {"producerRate=2500",
                 "producerConfig.acks=1",
                 "producerConfig.linger.ms=7",
                 "cluster.brokers=5",
                 "cluster.brokerConfig.log.flush.interval.messages=1",
                 "topicConfig.min.insync.replicas=2"};
  Workload w = LoadOne(kValid, o);
  EXPECT_EQ(w.producer_rate, 2500);
  EXPECT_EQ(w.producer_config.at("acks"), "1");
  EXPECT_EQ(w.producer_config.at("linger.ms"), "7");
  EXPECT_EQ(w.cluster.brokers, 5);
  EXPECT_EQ(w.cluster.broker_config.at("log.flush.interval.messages"), "1");
  EXPECT_EQ(w.topic_config.at("min.insync.replicas"), "2");
}

TEST(WorkloadSpec, SetOverrideErrorsNameTheOverride) {
  WorkloadLoadOptions o;
  o.overrides = {"producerRate=fast"};
  ExpectError(
      kValid,
      {"--set producerRate=fast: producerRate: expected a non-negative integer, got \"fast\""}, o);
  o.overrides = {"replicationFactor=7"};
  ExpectError(kValid,
              {"--set replicationFactor=7: replicationFactor: expected at most cluster.brokers"},
              o);
  o.overrides = {"producerRate"};
  ExpectError(kValid, {"--set producerRate: expected key=value"}, o);
  o.overrides = {"producerRate.x=1"};
  ExpectError(kValid, {"producerRate is a single value"}, o);
  o.overrides = {"partitonsPerTopic=3"};
  ExpectError(kValid,
              {"--set partitonsPerTopic=3: partitonsPerTopic: unknown field (did you mean "
               "partitionsPerTopic?)"},
              o);
  o.overrides = {"faults.3.broker=1"};
  ExpectError(std::string(kValid) + "faults: [{atSeconds: 1, action: crash, broker: 1}]\n",
              {"not an index"}, o);
}

TEST(WorkloadSpec, SetOverridesReachIntoLists) {
  WorkloadLoadOptions o;
  o.overrides = {"faults.0.broker=3"};
  Workload w =
      LoadOne(std::string(kValid) + "faults: [{atSeconds: 1, action: crash, broker: 1}]\n", o);
  ASSERT_EQ(w.faults.size(), 1u);
  EXPECT_EQ(w.faults[0].broker, 3);
}

constexpr char kVariants[] = R"(name: acks
topics: 1
partitionsPerTopic: 3
messageSize: 100
producerRate: 1000
testDurationSeconds: 10
variants:
  - name: acks-0
    set: {producerConfig.acks: "0"}
  - name: acks-1
    set: {producerConfig.acks: "1"}
  - name: acks-all
    set: {producerConfig.acks: all, topicConfig.min.insync.replicas: 2}
)";

TEST(WorkloadSpec, VariantsExpandIntoOneWorkloadEach) {
  auto r = Load(kVariants);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].variant, "acks-0");
  EXPECT_EQ((*r)[0].EffectiveAcks(), "0");
  EXPECT_EQ((*r)[1].EffectiveAcks(), "1");
  EXPECT_EQ((*r)[2].EffectiveAcks(), "all");
  EXPECT_TRUE(LossAllowed((*r)[1]));
  EXPECT_FALSE(LossAllowed((*r)[2]));
  WorkloadLoadOptions only;
  only.only_variant = "acks-1";
  auto one = Load(kVariants, only);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  only.only_variant = "acks-2";
  ExpectError(kVariants, {"no variant named acks-2"}, only);
}

TEST(WorkloadSpec, CommandLineSetWinsOverVariant) {
  WorkloadLoadOptions o;
  o.overrides = {"producerConfig.acks=1"};
  auto r = Load(kVariants, o);
  ASSERT_TRUE(r.ok());
  for (const Workload& w : *r) EXPECT_EQ(w.EffectiveAcks(), "1");
}

TEST(WorkloadSpec, BadVariantsAreRefused) {
  const std::string base =
      "name: t\ntopics: 1\npartitionsPerTopic: 1\nmessageSize: 100\nproducerRate: "
      "1\ntestDurationSeconds: 1\n";
  ExpectError(base + "variants: {a: 1}\n", {"variants: expected a non-empty list"});
  ExpectError(base + "variants: [{name: a, set: {x: 1}}, {name: a, set: {producerRate: 2}}]\n",
              {"duplicate variant name a"});
  ExpectError(base + "variants: [{name: a b, set: {producerRate: 2}}]\n",
              {"expected a name without spaces"});
  ExpectError(
      base + "variants: [{name: a, set: {replicationFactor: 9}}]\n",
      {"variant a: ",
       "(variant a: replicationFactor): replicationFactor: expected at most cluster.brokers"});
}

TEST(WorkloadSpec, ResolvedWorkloadSerialisesEveryField) {
  Workload w =
      LoadOne(std::string(kValid) +
              "producerConfig: {acks: all}\nfaults: [{atSeconds: 2, action: crash, broker: 1}]\n");
  nlohmann::json j = WorkloadToJson(w);
  EXPECT_EQ(j["name"], "test");
  EXPECT_EQ(j["partitionsPerTopic"], 6);
  EXPECT_EQ(j["replicationFactor"], 3);
  EXPECT_EQ(j["keyDistributor"], "NO_KEY");
  EXPECT_EQ(j["producerConfig"]["acks"], "all");
  EXPECT_EQ(j["faults"][0]["action"], "crash");
  EXPECT_EQ(j["cluster"]["brokers"], 3);
  EXPECT_EQ(j["effective"]["lossAllowed"], true);
  EXPECT_DOUBLE_EQ(j["testDurationSeconds"].get<double>(), 10.0);
}

}  // namespace
}  // namespace kbench::harness
