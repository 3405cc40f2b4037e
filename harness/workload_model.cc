// The Workload model's derived values and its JSON form (declared in workload_spec.h).
#include <algorithm>
#include <numeric>

#include "harness/workload_spec.h"

namespace kbench::harness {

int32_t MessageSizeSpec::MaxSize() const {
  switch (kind) {
    case Kind::kUniform:
      return max;
    case Kind::kWeighted: {
      int32_t m = 0;
      for (const auto& [size, weight] : weighted) m = std::max(m, size);
      return m;
    }
    case Kind::kFixed:
    case Kind::kFile:
      return size;
  }
  return size;
}

double MessageSizeSpec::MeanSize() const {
  switch (kind) {
    case Kind::kUniform:
      return (static_cast<double>(min) + max) / 2;
    case Kind::kWeighted: {
      double total = 0, sum = 0;
      for (const auto& [s, w] : weighted) {
        total += w;
        sum += s * w;
      }
      return total > 0 ? sum / total : 0;
    }
    case Kind::kFixed:
    case Kind::kFile:
      return size;
  }
  return size;
}

int32_t Workload::TotalSubscriptions() const {
  int32_t n = 0;
  for (int32_t t = 0; t < topics; ++t) n += SubscriptionsForTopic(t);
  return n;
}

std::string Workload::EffectiveAcks() const {
  auto it = producer_config.find("acks");
  if (it == producer_config.end())
    it = producer_config.find("request.required.acks");  // librdkafka alias
  if (it == producer_config.end() || it->second == "-1" || it->second == "all") return "all";
  return it->second;
}

int32_t Workload::EffectiveMinInsyncReplicas() const {
  auto it = topic_config.find("min.insync.replicas");
  if (it == topic_config.end()) return 1;  // Kafka's broker default
  try {
    return std::stoi(it->second);
  } catch (...) {
    return 1;
  }
}

bool Workload::UncleanLeaderElection() const {
  auto it = topic_config.find("unclean.leader.election.enable");
  return it != topic_config.end() && it->second == "true";
}

bool LossAllowed(const Workload& w) {
  return w.EffectiveAcks() != "all" || w.UncleanLeaderElection() ||
         w.EffectiveMinInsyncReplicas() < 2;
}

std::string_view KeyDistributorName(KeyDistributor k) {
  switch (k) {
    case KeyDistributor::kNoKey:
      return "NO_KEY";
    case KeyDistributor::kKeyRoundRobin:
      return "KEY_ROUND_ROBIN";
    case KeyDistributor::kRandom:
      return "RANDOM";
    case KeyDistributor::kZipf:
      return "ZIPF";
  }
  return "?";
}

std::string_view FaultActionName(FaultAction a) {
  switch (a) {
    case FaultAction::kCrash:
      return "crash";
    case FaultAction::kRestart:
      return "restart";
    case FaultAction::kStop:
      return "stop";
    case FaultAction::kPause:
      return "pause";
    case FaultAction::kResume:
      return "resume";
    case FaultAction::kIsolate:
      return "isolate";
    case FaultAction::kHeal:
      return "heal";
  }
  return "?";
}

std::string_view RateShapeName(RateShape s) {
  switch (s) {
    case RateShape::kConstant:
      return "constant";
    case RateShape::kPoisson:
      return "poisson";
    case RateShape::kSteps:
      return "steps";
  }
  return "?";
}

namespace {

nlohmann::json MessageSizeJson(const MessageSizeSpec& m) {
  using Kind = MessageSizeSpec::Kind;
  nlohmann::json j;
  switch (m.kind) {
    case Kind::kFixed:
      j = {{"type", "fixed"}, {"size", m.size}};
      break;
    case Kind::kFile:
      j = {{"type", "file"}, {"size", m.size}, {"payloadFile", m.payload_file}};
      break;
    case Kind::kUniform:
      j = {{"type", "uniform"}, {"min", m.min}, {"max", m.max}};
      break;
    case Kind::kWeighted: {
      j = {{"type", "weighted"}, {"sizes", nlohmann::json::array()}};
      for (const auto& [s, w] : m.weighted) j["sizes"].push_back({{"size", s}, {"weight", w}});
      break;
    }
  }
  j["meanSize"] = m.MeanSize();
  return j;
}

nlohmann::json ClusterJson(const ClusterSpec& c) {
  return {{"brokers", c.brokers},
          {"racks", c.racks},
          {"dataDirs", c.data_dirs},
          {"brokerConfig", c.broker_config}};
}

}  // namespace

nlohmann::json WorkloadToJson(const Workload& w) {
  nlohmann::json j = {
      {"name", w.name},
      {"description", w.description},
      {"variant", w.variant},
      {"sourceFile", w.source_file},
      {"topics", w.topics},
      {"partitionsPerTopic", w.partitions_per_topic},
      {"replicationFactor", w.replication_factor},
      {"messageSize", w.message_size.kind == MessageSizeSpec::Kind::kFixed
                          ? nlohmann::json(w.message_size.size)
                          : nlohmann::json(w.message_size.MaxSize())},
      {"messageSizeDistribution", MessageSizeJson(w.message_size)},
      {"useRandomizedPayloads", w.use_randomized_payloads},
      {"randomBytesRatio", w.random_bytes_ratio},
      {"randomizedPayloadPoolSize", w.randomized_payload_pool_size},
      {"keyDistributor", KeyDistributorName(w.key_distributor)},
      {"keyCount", w.key_count},
      {"zipfExponent", w.zipf_exponent},
      {"subscriptionsPerTopic", w.subscriptions_per_topic},
      {"subscriptionsByTopic", w.subscriptions_by_topic},
      {"fanOut", w.FanOut()},
      {"consumerPerSubscription", w.consumer_per_subscription},
      {"producersPerTopic", w.producers_per_topic},
      {"producerRate", w.producer_rate},
      {"rateShape", RateShapeName(w.rate_shape)},
      {"consumerBacklogSizeGB", w.consumer_backlog_size_gb},
      {"backlogPageCache", w.backlog_page_cache == BacklogPageCache::kEvict ? "evict" : "keep"},
      {"consumerProcessingDelayMs", w.consumer_processing_delay_ms},
      {"testDurationSeconds", w.test_duration_s},
      {"warmupDurationSeconds", w.warmup_duration_s},
      {"drainTimeoutSeconds", w.drain_timeout_s},
      {"topicConfig", w.topic_config},
      {"producerConfig", w.producer_config},
      {"consumerConfig", w.consumer_config},
      {"cluster", ClusterJson(w.cluster)},
      {"seed", w.seed},
      {"effective",
       {{"acks", w.EffectiveAcks()},
        {"minInsyncReplicas", w.EffectiveMinInsyncReplicas()},
        {"uncleanLeaderElection", w.UncleanLeaderElection()},
        {"lossAllowed", LossAllowed(w)}}},
  };
  j["rateSteps"] = nlohmann::json::array();
  for (const RateStep& s : w.rate_steps)
    j["rateSteps"].push_back({{"atSeconds", s.at_s}, {"rate", s.rate}});
  j["latencySlo"] =
      w.latency_slo.ms > 0
          ? nlohmann::json{{"percentile", w.latency_slo.percentile},
                           {"ms", w.latency_slo.ms},
                           {"metric",
                            w.latency_slo.metric == SloMetric::kPublish ? "publish" : "e2e"}}
          : nlohmann::json(nullptr);
  const MaxRateSearch& m = w.max_rate_search;
  j["maxRateSearch"] = {{"minRate", m.min_rate},
                        {"maxRate", m.max_rate},
                        {"stepSeconds", m.step_seconds},
                        {"precision", m.precision},
                        {"maxBacklogMessages", m.max_backlog_messages}};
  j["faults"] = nlohmann::json::array();
  for (const FaultEvent& f : w.faults) {
    j["faults"].push_back(
        {{"atSeconds", f.at_s}, {"action", FaultActionName(f.action)}, {"broker", f.broker}});
  }
  return j;
}

}  // namespace kbench::harness
