// Workload profiles: the YAML files under workloads/ (schema: workloads/README.md), parsed,
// overridden, validated and resolved into a Workload with every default filled in.
//
// Field names follow OpenMessaging Benchmark where they overlap (name, topics, partitionsPerTopic,
// messageSize, payloadFile, keyDistributor, subscriptionsPerTopic, consumerPerSubscription,
// producersPerTopic, producerRate, consumerBacklogSizeGB, testDurationMinutes,
// warmupDurationMinutes, useRandomizedPayloads, randomBytesRatio, randomizedPayloadPoolSize), so
// OMB files load unchanged; kbench adds the rest (replication, Kafka configs, rate shape, SLO, slow
// consumers, the embedded cluster, faults, variants, durations in seconds).
//
// Loading order: parse the YAML (keeping line numbers) -> apply the profile's variant overrides ->
// apply the command line's --set overrides -> validate everything -> resolve. A bad file is refused
// before anything starts: the Status (InvalidArgument) lists every problem, one per line, each as
//   <file>:<line>:<column>: <field>: <what was expected>, got <what was there>
// or, for a value that came from the command line, "--set <key>=<value>: <field>: ...".
//
// Pure functions of their inputs; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "harness/send_scheduler.h"

namespace kbench::harness {

enum class KeyDistributor { kNoKey, kKeyRoundRobin, kRandom, kZipf };
enum class FaultAction { kCrash, kRestart, kStop, kPause, kResume, kIsolate, kHeal };
enum class BacklogPageCache { kKeep, kEvict };
enum class SloMetric { kPublish, kEndToEnd };

struct MessageSizeSpec {
  enum class Kind { kFixed, kUniform, kWeighted, kFile };
  Kind kind = Kind::kFixed;
  int32_t size = 1024;                               // fixed; file: the file's size
  int32_t min = 0, max = 0;                          // uniform, inclusive
  std::vector<std::pair<int32_t, double>> weighted;  // (size, weight)
  std::string payload_file;  // kFile: path as written (relative to the profile)
  int32_t MaxSize() const;
  double MeanSize() const;
};

struct LatencySlo {
  std::string percentile = "p99";  // p50 p75 p90 p95 p99 p999 p9999 max
  double percentile_value = 99.0;  // the same as a number (100 for max)
  double ms = 0;                   // 0: no SLO
  SloMetric metric = SloMetric::kPublish;
};

struct MaxRateSearch {     // used when producerRate is 0
  double min_rate = 1000;  // msgs/s, total
  double max_rate = 5'000'000;
  double step_seconds = 20;          // each probed rate is held this long (after a short settle)
  double precision = 0.05;           // stop when the bracket is within 5 % of the rate
  int64_t max_backlog_messages = 0;  // 0: derived (1 s of the probed rate); > 0: consumer lag bound
};

struct ClusterSpec {  // the embedded cluster; ignored with --bootstrap
  int32_t brokers = 3;
  std::vector<std::string> racks;      // empty or one per broker
  std::vector<std::string> data_dirs;  // empty or one per broker; default <--data-dir>/broker-<id>
  std::map<std::string, std::string> broker_config;  // broker --set properties, as strings
};

struct FaultEvent {
  double at_s = 0;  // seconds since the run started (warm-up included)
  FaultAction action = FaultAction::kCrash;
  int32_t broker = 1;  // 1..brokers
};

struct Workload {
  std::string name;
  std::string description;
  std::string variant;  // empty unless the profile has variants
  std::string source_file;

  int32_t topics = 1;
  int32_t partitions_per_topic = 1;
  int32_t replication_factor = 3;
  MessageSizeSpec message_size;
  bool use_randomized_payloads = true;
  double random_bytes_ratio = 1.0;  // share of each padding that is random (the rest zeros)
  int32_t randomized_payload_pool_size = 16;
  KeyDistributor key_distributor = KeyDistributor::kNoKey;
  int64_t key_count = 10'000;  // distinct keys (KEY_ROUND_ROBIN, RANDOM, ZIPF)
  double zipf_exponent = 1.0;
  int32_t subscriptions_per_topic = 1;
  std::vector<int32_t>
      subscriptions_by_topic;  // kbench: one count per topic (fan-out that is not whole)
  int32_t consumer_per_subscription = 1;
  int32_t producers_per_topic = 1;
  int64_t producer_rate = 0;  // msgs/s, all producers together; 0 = find the maximum
  RateShape rate_shape = RateShape::kConstant;
  std::vector<RateStep> rate_steps;  // rate_shape == kSteps; rates are totals
  double consumer_backlog_size_gb = 0;
  BacklogPageCache backlog_page_cache = BacklogPageCache::kKeep;
  double consumer_processing_delay_ms = 0;
  double test_duration_s = 0;
  double warmup_duration_s = 60;
  double drain_timeout_s = 30;  // after producers stop, how long consumers may take to catch up
  std::map<std::string, std::string> topic_config;
  std::map<std::string, std::string> producer_config;
  std::map<std::string, std::string> consumer_config;
  LatencySlo latency_slo;
  MaxRateSearch max_rate_search;
  ClusterSpec cluster;
  std::vector<FaultEvent> faults;  // sorted by at_s
  uint64_t seed = 1;

  int32_t TotalPartitions() const { return topics * partitions_per_topic; }
  int32_t TotalProducers() const { return topics * producers_per_topic; }
  // Consumer groups reading topic `t` (subscriptionsByTopic when given, else
  // subscriptionsPerTopic).
  int32_t SubscriptionsForTopic(int32_t t) const {
    return subscriptions_by_topic.empty() ? subscriptions_per_topic
                                          : subscriptions_by_topic[static_cast<size_t>(t)];
  }
  int32_t TotalSubscriptions() const;
  int32_t TotalConsumers() const { return TotalSubscriptions() * consumer_per_subscription; }
  // Bytes consumed per byte produced (Kakao's out/in, 1.3-1.4).
  double FanOut() const {
    return topics > 0 ? static_cast<double>(TotalSubscriptions()) / topics : 0;
  }
  double TotalDurationS() const { return warmup_duration_s + test_duration_s; }
  // acks as the producer will use it ("0", "1" or "all"); librdkafka's default is all.
  std::string EffectiveAcks() const;
  int32_t EffectiveMinInsyncReplicas() const;  // topicConfig, else broker default 1
  bool UncleanLeaderElection() const;
};

// docs/results.md `audit.loss_allowed`: acks 0/1, unclean election or min.insync.replicas < 2.
bool LossAllowed(const Workload& w);

struct WorkloadLoadOptions {
  std::vector<std::string>
      overrides;             // --set key=value, applied after the profile's variant overrides
  bool embedded = true;      // false with --bootstrap: cluster-only checks are skipped
  std::string only_variant;  // run just this variant (error when there is none by that name)
};

// Parses, overrides, validates and resolves. One Workload per variant (just one without variants).
Result<std::vector<Workload>> LoadWorkloadFile(const std::string& path,
                                               const WorkloadLoadOptions& options = {});
Result<std::vector<Workload>> LoadWorkloadText(const std::string& text,
                                               const std::string& file_name,
                                               const WorkloadLoadOptions& options = {});

// The resolved workload as results JSON `workload` (camelCase keys as in the profile).
nlohmann::json WorkloadToJson(const Workload& w);

std::string_view KeyDistributorName(KeyDistributor k);
std::string_view FaultActionName(FaultAction a);
std::string_view RateShapeName(RateShape s);

}  // namespace kbench::harness
