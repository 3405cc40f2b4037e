#include "harness/workload_spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "harness/payload_format.h"
#include "harness/workload_reader.h"

namespace kbench::harness {
namespace {

namespace fs = std::filesystem;

// Every top-level field a profile may have (OMB's names first).
const std::vector<std::string_view> kTopLevelFields = {
    "name", "topics", "partitionsPerTopic", "messageSize", "payloadFile", "keyDistributor",
    "subscriptionsPerTopic", "consumerPerSubscription", "producersPerTopic", "producerRate",
    "consumerBacklogSizeGB", "testDurationMinutes", "warmupDurationMinutes",
    "useRandomizedPayloads", "randomBytesRatio", "randomizedPayloadPoolSize",
    // kbench additions
    "description", "replicationFactor", "subscriptionsByTopic", "messageSizeDistribution",
    "keyCount", "zipfExponent", "rateShape", "rateSteps", "testDurationSeconds",
    "warmupDurationSeconds", "drainTimeoutSeconds", "topicConfig", "producerConfig",
    "consumerConfig", "latencySlo", "maxRateSearch", "consumerProcessingDelayMs",
    "backlogPageCache", "cluster", "faults", "variants", "seed"};

// Maps whose keys are Kafka property names containing dots: "--set producerConfig.linger.ms=5" sets
// the key "linger.ms" inside producerConfig.
const std::vector<std::string> kPropertyMaps = {"topicConfig", "producerConfig", "consumerConfig",
                                                "cluster.brokerConfig"};

bool IsIndex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) != 0; });
}

YAML::Node ParseOverrideValue(const std::string& value) {
  try {
    YAML::Node n = YAML::Load(value);
    if (n.IsDefined() && !n.IsNull()) return n;
  } catch (const YAML::Exception&) {
    // not YAML syntax: take it as a plain string
  }
  return YAML::Node(value);
}

// Applies key=value (dotted path) to the document. Records the field path it set in *origins.
Status ApplyOverride(YAML::Node root, const std::string& key, const YAML::Node& value,
                     const std::string& origin, std::map<std::string, std::string>* origins) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  if (parts.empty() ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not a field path (a.b.c)", origin, key));
  }
  YAML::Node node = root;
  std::string path;  // dotted, with [i] for list indexes, as the reader names fields
  std::string dotted;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool property_map =
        std::find(kPropertyMaps.begin(), kPropertyMaps.end(), dotted) != kPropertyMaps.end();
    std::string seg = parts[i];
    if (property_map) {
      for (size_t k = i + 1; k < parts.size(); ++k) seg += "." + parts[k];
      i = parts.size() - 1;
    }
    const bool last = i + 1 == parts.size();
    if (node.IsSequence()) {
      if (!IsIndex(seg) || std::stoul(seg) >= node.size()) {
        return Status::InvalidArgument(
            fmt::format("{}: {} is a list of {}; '{}' is not an index into it", origin, path,
                        node.size(), seg));
      }
      path += "[" + seg + "]";
      dotted += (dotted.empty() ? "" : ".") + seg;
      if (last) {
        node[std::stoul(seg)] = value;
        break;
      }
      node.reset(node[std::stoul(seg)]);
      continue;
    }
    if (!node.IsMap() && !node.IsNull()) {
      return Status::InvalidArgument(
          fmt::format("{}: {} is a single value, so it has no field '{}'", origin, path, seg));
    }
    path = WorkloadReader::Join(path, seg);
    dotted += (dotted.empty() ? "" : ".") + seg;
    if (last) {
      node[seg] = value;
      break;
    }
    if (!node[seg].IsDefined() || node[seg].IsNull()) node[seg] = YAML::Node(YAML::NodeType::Map);
    YAML::Node child = node[seg];
    node.reset(child);
  }
  (*origins)[path] = origin;
  return Status::Ok();
}

Status ApplyCommandLineOverrides(YAML::Node root, const std::vector<std::string>& overrides,
                                 std::map<std::string, std::string>* origins) {
  for (const std::string& kv : overrides) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(fmt::format("--set {}: expected key=value", kv));
    }
    const std::string key = kv.substr(0, eq);
    if (key == "variants")
      return Status::InvalidArgument("--set variants=...: variants cannot be overridden");
    KB_RETURN_IF_ERROR(
        ApplyOverride(root, key, ParseOverrideValue(kv.substr(eq + 1)), "--set " + kv, origins));
  }
  return Status::Ok();
}

// ---- sections
// -------------------------------------------------------------------------------------

bool Present(const YAML::Node& doc, const char* key) {
  const YAML::Node n = doc[key];
  return n.IsDefined() && !n.IsNull();
}

// OMB profiles give messageSize and payloadFile together (the file holds one message of that size):
// the file supplies the bytes, messageSize must agree with its size.
void ReadPayloadFile(WorkloadReader& r, const YAML::Node& doc, const std::string& profile_dir,
                     Workload* w) {
  MessageSizeSpec& m = w->message_size;
  std::string file;
  if (!r.String(doc, "payloadFile", "", &file)) return;
  fs::path p = file;
  if (p.is_relative() && !profile_dir.empty()) p = fs::path(profile_dir) / p;
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) {
    r.Error(doc["payloadFile"], "payloadFile",
            fmt::format("cannot read {}: {}", p.string(), ec.message()));
    return;
  }
  const int32_t file_size = static_cast<int32_t>(std::min<uintmax_t>(size, INT32_MAX));
  if (Present(doc, "messageSize") && m.size != file_size) {
    r.Error(doc["payloadFile"], "payloadFile",
            fmt::format("{} is {} bytes but messageSize is {}: expected them to agree", p.string(),
                        file_size, m.size));
  }
  m.kind = MessageSizeSpec::Kind::kFile;
  m.size = file_size;
  m.payload_file = p.string();
}

void ReadMessageSize(WorkloadReader& r, const YAML::Node& doc, const std::string& profile_dir,
                     Workload* w) {
  MessageSizeSpec& m = w->message_size;
  const bool fixed = Present(doc, "messageSize"), file = Present(doc, "payloadFile"),
             dist_given = Present(doc, "messageSizeDistribution");
  if (fixed) r.Int32(doc, "messageSize", "", 1, &m.size);
  if (file) ReadPayloadFile(r, doc, profile_dir, w);
  const YAML::Node dist = doc["messageSizeDistribution"];
  if (dist_given) {
    const std::string path = "messageSizeDistribution";
    if (r.ExpectMap(dist, path)) {
      r.CheckKnownKeys(dist, path, {"type", "min", "max", "sizes"});
      int type = -1;
      if (!r.Choice(dist, "type", path, {"uniform", "weighted"}, &type) &&
          !dist["type"].IsDefined()) {
        r.Error(dist, path + ".type", "missing: expected uniform or weighted");
      }
      if (type == 0) {
        m.kind = MessageSizeSpec::Kind::kUniform;
        const bool have =
            r.Int32(dist, "min", path, 1, &m.min) & r.Int32(dist, "max", path, 1, &m.max);
        if (!have && (!dist["min"].IsDefined() || !dist["max"].IsDefined())) {
          r.Error(dist, path, "uniform needs min and max (bytes)");
        } else if (have && m.min > m.max) {
          r.Error(dist["min"], path + ".min",
                  fmt::format("expected min <= max ({}), got {}", m.max, m.min));
        }
      } else if (type == 1) {
        m.kind = MessageSizeSpec::Kind::kWeighted;
        const YAML::Node sizes = dist["sizes"];
        if (!sizes.IsDefined() || !sizes.IsSequence() || sizes.size() == 0) {
          r.Error(sizes.IsDefined() ? sizes : dist, path + ".sizes",
                  "expected a non-empty list of {size: bytes, weight: number}, got " +
                      WorkloadReader::Describe(sizes));
        } else {
          for (size_t i = 0; i < sizes.size(); ++i) {
            const std::string item = fmt::format("{}.sizes[{}]", path, i);
            if (!r.ExpectMap(sizes[i], item)) continue;
            r.CheckKnownKeys(sizes[i], item, {"size", "weight"});
            int32_t size = 0;
            double weight = 0;
            const bool ok = r.Int32(sizes[i], "size", item, 1, &size) &
                            r.Double(sizes[i], "weight", item, 0, true, &weight);
            if (ok)
              m.weighted.emplace_back(size, weight);
            else if (!sizes[i]["size"].IsDefined() || !sizes[i]["weight"].IsDefined())
              r.Error(sizes[i], item, "needs size and weight");
          }
        }
      }
    }
  }
  if (!fixed && !file && !dist_given) {
    r.Error(YAML::Node(), "messageSize",
            "missing: a profile needs one of messageSize, payloadFile or messageSizeDistribution");
  } else if (dist_given && (fixed || file)) {
    r.Error(doc["messageSizeDistribution"], "messageSizeDistribution",
            "give either messageSizeDistribution or messageSize / payloadFile, not both");
  }
}

void ReadDurations(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  double minutes = 0, seconds = 0;
  const bool have_min = r.Double(doc, "testDurationMinutes", "", 0, true, &minutes);
  const bool have_s = r.Double(doc, "testDurationSeconds", "", 0, true, &seconds);
  const bool def_min = doc["testDurationMinutes"].IsDefined(),
             def_s = doc["testDurationSeconds"].IsDefined();
  if (def_min && def_s) {
    r.Error(doc["testDurationSeconds"], "testDurationSeconds",
            "give testDurationMinutes or testDurationSeconds, not both");
  } else if (!def_min && !def_s) {
    r.Error(YAML::Node(), "testDurationMinutes",
            "missing: how long to measure (testDurationMinutes or testDurationSeconds)");
  }
  if (have_min) w->test_duration_s = minutes * 60;
  if (have_s) w->test_duration_s = seconds;
  if (doc["warmupDurationMinutes"].IsDefined() && doc["warmupDurationSeconds"].IsDefined()) {
    r.Error(doc["warmupDurationSeconds"], "warmupDurationSeconds",
            "give warmupDurationMinutes or warmupDurationSeconds, not both");
  }
  if (r.Double(doc, "warmupDurationMinutes", "", 0, false, &minutes))
    w->warmup_duration_s = minutes * 60;
  if (r.Double(doc, "warmupDurationSeconds", "", 0, false, &seconds))
    w->warmup_duration_s = seconds;
  r.Double(doc, "drainTimeoutSeconds", "", 0, false, &w->drain_timeout_s);
}

void ReadRate(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  int shape = 0;
  if (r.Choice(doc, "rateShape", "", {"constant", "poisson", "steps"}, &shape)) {
    w->rate_shape = static_cast<RateShape>(shape);
  }
  const bool have_rate = r.Int(doc, "producerRate", "", 0, &w->producer_rate);
  if (!doc["producerRate"].IsDefined() && w->rate_shape != RateShape::kSteps) {
    r.Error(YAML::Node(), "producerRate",
            "missing: messages per second for all producers together (0 = find the maximum)");
  }
  const YAML::Node steps = doc["rateSteps"];
  if (steps.IsDefined() && w->rate_shape != RateShape::kSteps) {
    r.Error(steps, "rateSteps", "only used with rateShape: steps");
  }
  if (w->rate_shape != RateShape::kSteps) return;
  if (!steps.IsDefined() || !steps.IsSequence() || steps.size() == 0) {
    r.Error(steps.IsDefined() ? steps : doc, "rateSteps",
            "rateShape steps needs a non-empty list of {atSeconds, rate}, got " +
                WorkloadReader::Describe(steps));
    return;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string item = fmt::format("rateSteps[{}]", i);
    if (!r.ExpectMap(steps[i], item)) continue;
    r.CheckKnownKeys(steps[i], item, {"atSeconds", "rate"});
    RateStep s;
    int64_t rate = 0;
    const bool ok = r.Double(steps[i], "atSeconds", item, 0, false, &s.at_s) &
                    r.Int(steps[i], "rate", item, 0, &rate);
    if (!ok) {
      if (!steps[i]["atSeconds"].IsDefined() || !steps[i]["rate"].IsDefined())
        r.Error(steps[i], item, "needs atSeconds and rate");
      continue;
    }
    s.rate = static_cast<double>(rate);
    if (!w->rate_steps.empty() && s.at_s <= w->rate_steps.back().at_s) {
      r.Error(steps[i]["atSeconds"], item + ".atSeconds",
              fmt::format("expected steps in increasing time, got {} after {}", s.at_s,
                          w->rate_steps.back().at_s));
    }
    w->rate_steps.push_back(s);
  }
  if (!have_rate && !w->rate_steps.empty()) {
    w->producer_rate = static_cast<int64_t>(w->rate_steps.front().rate);
  }
}

void ReadKeys(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  int k = 0;
  if (r.Choice(doc, "keyDistributor", "", {"NO_KEY", "KEY_ROUND_ROBIN", "RANDOM", "ZIPF"}, &k)) {
    w->key_distributor = static_cast<KeyDistributor>(k);
  }
  r.Int(doc, "keyCount", "", 1, &w->key_count);
  r.Double(doc, "zipfExponent", "", 0, true, &w->zipf_exponent);
}

void ReadSlo(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  const YAML::Node slo = doc["latencySlo"];
  if (!slo.IsDefined()) return;
  if (!r.ExpectMap(slo, "latencySlo")) return;
  r.CheckKnownKeys(slo, "latencySlo", {"percentile", "ms", "metric"});
  static const std::vector<std::string_view> kPercentiles = {"p50", "p75",  "p90",   "p95",
                                                             "p99", "p999", "p9999", "max"};
  static const double kValues[] = {50, 75, 90, 95, 99, 99.9, 99.99, 100};
  int p = 0;
  if (r.Choice(slo, "percentile", "latencySlo", kPercentiles, &p)) {
    w->latency_slo.percentile = std::string(kPercentiles[p]);
    w->latency_slo.percentile_value = kValues[p];
  }
  if (!r.Double(slo, "ms", "latencySlo", 0, true, &w->latency_slo.ms) && !slo["ms"].IsDefined()) {
    r.Error(slo, "latencySlo.ms", "missing: the latency target in milliseconds");
  }
  int metric = 0;
  if (r.Choice(slo, "metric", "latencySlo", {"publish", "e2e"}, &metric)) {
    w->latency_slo.metric = static_cast<SloMetric>(metric);
  }
}

void ReadMaxRateSearch(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  const YAML::Node m = doc["maxRateSearch"];
  if (!m.IsDefined() || !r.ExpectMap(m, "maxRateSearch")) return;
  const std::string path = "maxRateSearch";
  r.CheckKnownKeys(m, path,
                   {"minRate", "maxRate", "stepSeconds", "precision", "maxBacklogMessages"});
  MaxRateSearch& s = w->max_rate_search;
  r.Double(m, "minRate", path, 0, true, &s.min_rate);
  r.Double(m, "maxRate", path, 0, true, &s.max_rate);
  r.Double(m, "stepSeconds", path, 0, true, &s.step_seconds);
  r.Double(m, "precision", path, 0, true, &s.precision);
  r.Int(m, "maxBacklogMessages", path, 0, &s.max_backlog_messages);
  if (s.min_rate >= s.max_rate) {
    r.Error(m, path,
            fmt::format("expected minRate < maxRate, got {} >= {}", s.min_rate, s.max_rate));
  }
  if (s.precision >= 1)
    r.Error(m["precision"], path + ".precision", "expected a fraction below 1 (0.05 = 5 %)");
}

void ReadCluster(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  const YAML::Node c = doc["cluster"];
  if (!c.IsDefined() || !r.ExpectMap(c, "cluster")) return;
  r.CheckKnownKeys(c, "cluster", {"brokers", "racks", "dataDirs", "brokerConfig"});
  ClusterSpec& cl = w->cluster;
  r.Int32(c, "brokers", "cluster", 1, &cl.brokers);
  if (r.StringList(c, "racks", "cluster", &cl.racks) && !cl.racks.empty() &&
      cl.racks.size() != static_cast<size_t>(cl.brokers)) {
    r.Error(c["racks"], "cluster.racks",
            fmt::format("expected one rack per broker ({}), got {}", cl.brokers, cl.racks.size()));
  }
  if (r.StringList(c, "dataDirs", "cluster", &cl.data_dirs) && !cl.data_dirs.empty() &&
      cl.data_dirs.size() != static_cast<size_t>(cl.brokers)) {
    r.Error(c["dataDirs"], "cluster.dataDirs",
            fmt::format("expected one data dir per broker ({}), got {}", cl.brokers,
                        cl.data_dirs.size()));
  }
  r.StringMap(c, "brokerConfig", "cluster", &cl.broker_config);
}

// Faults must make sense in order: restart only a broker that is down, resume only a paused one,
// heal only an isolated one; nothing after the run ends.
void ReadFaults(WorkloadReader& r, const YAML::Node& doc, Workload* w, bool embedded) {
  const YAML::Node f = doc["faults"];
  if (!f.IsDefined() || f.IsNull()) return;
  if (!f.IsSequence()) {
    r.Error(f, "faults",
            "expected a list of {atSeconds, action, broker}, got " + WorkloadReader::Describe(f));
    return;
  }
  static const std::vector<std::string_view> kActions = {"crash",  "restart", "stop", "pause",
                                                         "resume", "isolate", "heal"};
  std::vector<std::pair<FaultEvent, YAML::Node>> events;
  for (size_t i = 0; i < f.size(); ++i) {
    const std::string item = fmt::format("faults[{}]", i);
    if (!r.ExpectMap(f[i], item)) continue;
    r.CheckKnownKeys(f[i], item, {"atSeconds", "action", "broker"});
    FaultEvent e;
    int action = 0;
    bool ok = r.Double(f[i], "atSeconds", item, 0, false, &e.at_s);
    ok &= r.Choice(f[i], "action", item, kActions, &action);
    ok &= r.Int32(f[i], "broker", item, 1, &e.broker);
    for (const char* k : {"atSeconds", "action", "broker"}) {
      if (!f[i][k].IsDefined()) r.Error(f[i], item + "." + k, "missing");
    }
    if (!ok) continue;
    e.action = static_cast<FaultAction>(action);
    if (e.at_s > w->TotalDurationS() && w->test_duration_s > 0) {
      r.Error(f[i]["atSeconds"], item + ".atSeconds",
              fmt::format("expected a time within the run (warm-up + test = {} s), got {}",
                          w->TotalDurationS(), e.at_s));
    }
    if (embedded && e.broker > w->cluster.brokers) {
      r.Error(f[i]["broker"], item + ".broker",
              fmt::format("expected a broker id in 1..{} (cluster.brokers), got {}",
                          w->cluster.brokers, e.broker));
    }
    events.emplace_back(e, f[i]);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.first.at_s < b.first.at_s; });
  enum State { kUp, kDown, kPaused, kIsolated };
  std::map<int32_t, State> state;
  for (auto& [e, node] : events) {
    State& s = state[e.broker];
    const std::string name(kActions[static_cast<int>(e.action)]);
    const std::string field = fmt::format("faults (at {} s)", e.at_s);
    auto need = [&](State want, const char* what) {
      if (s != want)
        r.Error(
            node, field,
            fmt::format("{} broker {}: expected it to be {} at that time", name, e.broker, what));
    };
    switch (e.action) {
      case FaultAction::kCrash:
      case FaultAction::kStop:
        need(kUp, "running");
        s = kDown;
        break;
      case FaultAction::kRestart:
        need(kDown, "down (crashed or stopped)");
        s = kUp;
        break;
      case FaultAction::kPause:
        need(kUp, "running");
        s = kPaused;
        break;
      case FaultAction::kResume:
        need(kPaused, "paused");
        s = kUp;
        break;
      case FaultAction::kIsolate:
        need(kUp, "running");
        s = kIsolated;
        break;
      case FaultAction::kHeal:
        need(kIsolated, "isolated");
        s = kUp;
        break;
    }
    w->faults.push_back(e);
  }
}

void ReadConfigs(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  r.StringMap(doc, "topicConfig", "", &w->topic_config);
  r.StringMap(doc, "producerConfig", "", &w->producer_config);
  r.StringMap(doc, "consumerConfig", "", &w->consumer_config);
}

void ReadSubscriptionsByTopic(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  const YAML::Node n = doc["subscriptionsByTopic"];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsSequence()) {
    r.Error(n, "subscriptionsByTopic",
            "expected a list with one subscription count per topic, got " +
                WorkloadReader::Describe(n));
    return;
  }
  if (doc["subscriptionsPerTopic"].IsDefined()) {
    r.Error(n, "subscriptionsByTopic",
            "give subscriptionsPerTopic or subscriptionsByTopic, not both");
  }
  if (n.size() != static_cast<size_t>(w->topics)) {
    r.Error(n, "subscriptionsByTopic",
            fmt::format("expected one count per topic ({}), got {}", w->topics, n.size()));
  }
  for (size_t i = 0; i < n.size(); ++i) {
    int64_t v = 0;
    if (!n[i].IsScalar() || !YAML::convert<int64_t>::decode(n[i], v) || v < 0 || v > 1000) {
      r.Error(n[i], fmt::format("subscriptionsByTopic[{}]", i),
              "expected a non-negative integer, got " + WorkloadReader::Describe(n[i]));
      return;
    }
    w->subscriptions_by_topic.push_back(static_cast<int32_t>(v));
  }
  if (w->subscriptions_by_topic.size() != static_cast<size_t>(w->topics))
    w->subscriptions_by_topic.clear();
}

void ReadCounts(WorkloadReader& r, const YAML::Node& doc, Workload* w) {
  if (!r.String(doc, "name", "", &w->name) && !doc["name"].IsDefined()) {
    r.Error(YAML::Node(), "name", "missing: every profile has a name");
  }
  r.String(doc, "description", "", &w->description);
  if (!r.Int32(doc, "topics", "", 1, &w->topics) && !doc["topics"].IsDefined()) {
    r.Error(YAML::Node(), "topics", "missing: how many topics (a positive integer)");
  }
  if (!r.Int32(doc, "partitionsPerTopic", "", 1, &w->partitions_per_topic) &&
      !doc["partitionsPerTopic"].IsDefined()) {
    r.Error(YAML::Node(), "partitionsPerTopic",
            "missing: partitions per topic (a positive integer)");
  }
  r.Int32(doc, "replicationFactor", "", 1, &w->replication_factor);
  r.Int32(doc, "subscriptionsPerTopic", "", 0, &w->subscriptions_per_topic);
  r.Int32(doc, "consumerPerSubscription", "", 1, &w->consumer_per_subscription);
  ReadSubscriptionsByTopic(r, doc, w);
  r.Int32(doc, "producersPerTopic", "", 1, &w->producers_per_topic);
  r.Bool(doc, "useRandomizedPayloads", "", &w->use_randomized_payloads);
  r.Double(doc, "randomBytesRatio", "", 0, false, &w->random_bytes_ratio);
  if (w->random_bytes_ratio > 1) {
    r.Error(doc["randomBytesRatio"], "randomBytesRatio",
            fmt::format("expected a fraction 0..1, got {}", w->random_bytes_ratio));
  }
  r.Int32(doc, "randomizedPayloadPoolSize", "", 1, &w->randomized_payload_pool_size);
  r.Double(doc, "consumerBacklogSizeGB", "", 0, false, &w->consumer_backlog_size_gb);
  int cache = 0;
  if (r.Choice(doc, "backlogPageCache", "", {"keep", "evict"}, &cache)) {
    w->backlog_page_cache = static_cast<BacklogPageCache>(cache);
  }
  r.Double(doc, "consumerProcessingDelayMs", "", 0, false, &w->consumer_processing_delay_ms);
  int64_t seed = 0;
  if (r.Int(doc, "seed", "", 0, &seed)) w->seed = static_cast<uint64_t>(seed);
}

// ---- cross-field checks
// --------------------------------------------------------------------------

bool ParseIntProperty(const std::string& v, int64_t* out) {
  try {
    size_t used = 0;
    *out = std::stoll(v, &used);
    return used == v.size();
  } catch (...) {
    return false;
  }
}

void CheckKafkaConfigs(WorkloadReader& r, const YAML::Node& doc, const Workload& w, bool embedded) {
  auto prop = [&](const char* section, const std::string& key) {
    return std::pair<YAML::Node, std::string>(doc[section][key], std::string(section) + "." + key);
  };
  if (auto it = w.topic_config.find("min.insync.replicas"); it != w.topic_config.end()) {
    auto [node, field] = prop("topicConfig", it->first);
    int64_t v = 0;
    if (!ParseIntProperty(it->second, &v) || v < 1) {
      r.Error(node, field, fmt::format("expected a positive integer, got \"{}\"", it->second));
    } else if (v > w.replication_factor) {
      r.Error(node, field,
              fmt::format("expected at most replicationFactor ({}), got {}: every produce with "
                          "acks=all would fail "
                          "with NOT_ENOUGH_REPLICAS",
                          w.replication_factor, v));
    }
  }
  for (const char* key : {"segment.bytes", "flush.messages", "retention.bytes", "retention.ms",
                          "flush.ms", "segment.ms"}) {
    auto it = w.topic_config.find(key);
    int64_t v = 0;
    const bool allow_minus_one = std::string_view(key).starts_with("retention");
    if (it != w.topic_config.end() &&
        (!ParseIntProperty(it->second, &v) || (v < 1 && !(allow_minus_one && v == -1)))) {
      auto [node, field] = prop("topicConfig", key);
      r.Error(node, field,
              fmt::format("expected a positive integer{}, got \"{}\"",
                          allow_minus_one ? " or -1" : "", it->second));
    }
  }
  if (auto it = w.topic_config.find("cleanup.policy");
      it != w.topic_config.end() && it->second != "delete" && it->second != "compact" &&
      it->second != "compact,delete" && it->second != "delete,compact") {
    auto [node, field] = prop("topicConfig", it->first);
    r.Error(node, field,
            fmt::format("expected delete, compact or compact,delete, got \"{}\"", it->second));
  }
  if (auto it = w.topic_config.find("unclean.leader.election.enable");
      it != w.topic_config.end() && it->second != "true" && it->second != "false") {
    auto [node, field] = prop("topicConfig", it->first);
    r.Error(node, field, fmt::format("expected true or false, got \"{}\"", it->second));
  }
  if (auto it = w.producer_config.find("acks"); it != w.producer_config.end() &&
                                                it->second != "0" && it->second != "1" &&
                                                it->second != "-1" && it->second != "all") {
    auto [node, field] = prop("producerConfig", it->first);
    r.Error(node, field, fmt::format("expected 0, 1, -1 or all, got \"{}\"", it->second));
  }
  if (auto it = w.producer_config.find("enable.idempotence"); it != w.producer_config.end()) {
    auto [node, field] = prop("producerConfig", it->first);
    if (it->second != "true" && it->second != "false") {
      r.Error(node, field, fmt::format("expected true or false, got \"{}\"", it->second));
    } else if (it->second == "true" && w.EffectiveAcks() != "all") {
      r.Error(node, field,
              fmt::format("idempotence needs acks=all, but producerConfig.acks is {}",
                          w.EffectiveAcks()));
    }
  }
  if (auto it = w.producer_config.find("compression.type"); it != w.producer_config.end()) {
    static const std::vector<std::string_view> kCodecs = {"none", "gzip", "snappy",
                                                          "lz4",  "zstd", "inherit"};
    if (std::find(kCodecs.begin(), kCodecs.end(), it->second) == kCodecs.end()) {
      auto [node, field] = prop("producerConfig", it->first);
      r.Error(node, field,
              fmt::format("expected none, gzip, snappy, lz4 or zstd, got \"{}\"", it->second));
    }
  }
  for (const char* key :
       {"linger.ms", "batch.size", "batch.num.messages", "queue.buffering.max.messages"}) {
    auto it = w.producer_config.find(key);
    int64_t v = 0;
    if (it != w.producer_config.end() && (!ParseIntProperty(it->second, &v) || v < 0)) {
      auto [node, field] = prop("producerConfig", key);
      r.Error(node, field, fmt::format("expected a non-negative integer, got \"{}\"", it->second));
    }
  }
  if (embedded && w.replication_factor > w.cluster.brokers) {
    r.Error(doc["replicationFactor"], "replicationFactor",
            fmt::format("expected at most cluster.brokers ({}), got {}: a partition cannot have "
                        "more replicas than "
                        "there are brokers",
                        w.cluster.brokers, w.replication_factor));
  }
}

void CheckCrossFields(WorkloadReader& r, const YAML::Node& doc, const Workload& w, bool embedded) {
  CheckKafkaConfigs(r, doc, w, embedded);
  const int32_t max_size = w.message_size.MaxSize();
  const int32_t min_size =
      w.message_size.kind == MessageSizeSpec::Kind::kUniform ? w.message_size.min
      : w.message_size.kind == MessageSizeSpec::Kind::kWeighted && !w.message_size.weighted.empty()
          ? std::min_element(w.message_size.weighted.begin(), w.message_size.weighted.end())->first
          : w.message_size.size;
  if (min_size > 0 && min_size < static_cast<int32_t>(kPayloadHeaderSize)) {
    r.Error(doc["messageSize"].IsDefined() ? doc["messageSize"] : doc["messageSizeDistribution"],
            "messageSize",
            fmt::format("expected at least {} bytes (the kbench payload header: producer, "
                        "sequence, send time), got {}",
                        kPayloadHeaderSize, min_size));
  }
  if (max_size > 100 * 1024 * 1024) {
    r.Error(doc["messageSize"], "messageSize",
            fmt::format("expected at most 100 MiB, got {} bytes", max_size));
  }
  if (w.producer_rate == 0 && w.rate_shape != RateShape::kSteps &&
      doc["producerRate"].IsDefined() && w.latency_slo.ms <= 0) {
    r.Error(doc["producerRate"], "producerRate",
            "0 asks for the maximum rate that holds the latency SLO, so latencySlo.ms is required");
  }
  if (w.rate_shape == RateShape::kSteps && w.test_duration_s > 0) {
    for (size_t i = 0; i < w.rate_steps.size(); ++i) {
      if (w.rate_steps[i].at_s >= w.TotalDurationS()) {
        r.Error(doc["rateSteps"][i], fmt::format("rateSteps[{}].atSeconds", i),
                fmt::format("expected a time within the run ({} s), got {}", w.TotalDurationS(),
                            w.rate_steps[i].at_s));
      }
    }
  }
  if (w.backlog_page_cache == BacklogPageCache::kEvict) {
    if (w.consumer_backlog_size_gb <= 0) {
      r.Error(doc["backlogPageCache"], "backlogPageCache",
              "evict needs a backlog to evict: set consumerBacklogSizeGB > 0");
    }
  }
  if (w.consumer_backlog_size_gb > 0 && w.TotalSubscriptions() == 0) {
    r.Error(doc["consumerBacklogSizeGB"], "consumerBacklogSizeGB",
            "a backlog needs consumers: subscriptionsPerTopic is 0");
  }
  if (w.consumer_backlog_size_gb > 0 &&
      (w.producer_rate == 0 || w.rate_shape == RateShape::kSteps)) {
    r.Error(doc["consumerBacklogSizeGB"], "consumerBacklogSizeGB",
            "a backlog is built at a fixed producerRate (constant or poisson); not with "
            "producerRate 0 (maximum-rate search) or rateShape steps");
  }
  if (w.topics > 0 && w.partitions_per_topic > 0 &&
      static_cast<int64_t>(w.topics) * w.partitions_per_topic > 1'000'000) {
    r.Error(doc["partitionsPerTopic"], "partitionsPerTopic",
            "expected at most 1,000,000 partitions in total");
  }
}

// ---- variants
// --------------------------------------------------------------------------------------

struct VariantSpec {
  std::string name;
  std::vector<std::pair<std::string, YAML::Node>> sets;
  std::string where;
};

Result<std::vector<VariantSpec>> ReadVariants(const YAML::Node& doc, const std::string& file) {
  std::vector<VariantSpec> out;
  const YAML::Node v = doc["variants"];
  if (!v.IsDefined() || v.IsNull()) return out;
  WorkloadReader r(file, {});
  if (!v.IsSequence() || v.size() == 0) {
    r.Error(v, "variants",
            "expected a non-empty list of {name, set: {field: value}}, got " +
                WorkloadReader::Describe(v));
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string item = fmt::format("variants[{}]", i);
      if (!r.ExpectMap(v[i], item)) continue;
      r.CheckKnownKeys(v[i], item, {"name", "set"});
      VariantSpec spec;
      if (!r.String(v[i], "name", item, &spec.name) || spec.name.empty() ||
          spec.name.find_first_of("/ ,") != std::string::npos) {
        r.Error(v[i], item + ".name", "expected a name without spaces, commas or slashes");
      }
      for (const VariantSpec& other : out) {
        if (other.name == spec.name)
          r.Error(v[i], item + ".name", fmt::format("duplicate variant name {}", spec.name));
      }
      spec.where = r.Where(v[i], item);
      const YAML::Node set = v[i]["set"];
      if (!set.IsMap()) {
        r.Error(
            set.IsDefined() ? set : v[i], item + ".set",
            "expected a mapping of field paths to values, got " + WorkloadReader::Describe(set));
      } else {
        for (auto it = set.begin(); it != set.end(); ++it)
          spec.sets.emplace_back(it->first.Scalar(), it->second);
      }
      out.push_back(std::move(spec));
    }
  }
  if (!r.errors().empty()) {
    std::string msg;
    for (const std::string& e : r.errors()) msg += (msg.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(msg);
  }
  return out;
}

Status JoinErrors(const std::vector<std::string>& errors) {
  std::string msg =
      fmt::format("invalid workload ({} problem{}):", errors.size(), errors.size() == 1 ? "" : "s");
  for (const std::string& e : errors) msg += "\n  " + e;
  return Status::InvalidArgument(msg);
}

Result<Workload> ResolveOne(const YAML::Node& doc, const std::string& file,
                            const std::map<std::string, std::string>& origins, bool embedded) {
  WorkloadReader r(file, origins);
  Workload w;
  w.source_file = file;
  r.CheckKnownKeys(doc, "", kTopLevelFields);
  const std::string dir = fs::path(file).parent_path().string();
  ReadCounts(r, doc, &w);
  ReadMessageSize(r, doc, dir, &w);
  ReadDurations(r, doc, &w);
  ReadRate(r, doc, &w);
  ReadKeys(r, doc, &w);
  ReadConfigs(r, doc, &w);
  ReadSlo(r, doc, &w);
  ReadMaxRateSearch(r, doc, &w);
  ReadCluster(r, doc, &w);
  ReadFaults(r, doc, &w, embedded);
  CheckCrossFields(r, doc, w, embedded);
  if (!r.errors().empty()) return JoinErrors(r.errors());
  return w;
}

}  // namespace

Result<std::vector<Workload>> LoadWorkloadText(const std::string& text,
                                               const std::string& file_name,
                                               const WorkloadLoadOptions& options) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(fmt::format("{}:{}:{}: not valid YAML: {}", file_name,
                                               e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!doc.IsMap()) {
    return Status::InvalidArgument(
        fmt::format("{}: expected a mapping of workload fields at the top", file_name));
  }
  KB_ASSIGN_OR_RETURN(std::vector<VariantSpec> variants, ReadVariants(doc, file_name));
  if (variants.empty()) variants.push_back(VariantSpec{});
  if (!options.only_variant.empty() &&
      std::none_of(variants.begin(), variants.end(),
                   [&](const VariantSpec& v) { return v.name == options.only_variant; })) {
    return Status::InvalidArgument(
        fmt::format("{}: no variant named {}", file_name, options.only_variant));
  }
  std::vector<Workload> out;
  std::vector<std::string> errors;
  for (const VariantSpec& v : variants) {
    if (!options.only_variant.empty() && v.name != options.only_variant) continue;
    // Parsed afresh for each variant: YAML::Clone would lose the line numbers errors point at.
    YAML::Node copy = YAML::Load(text);
    copy.remove("variants");
    std::map<std::string, std::string> origins;
    for (const auto& [key, value] : v.sets) {
      Status st = ApplyOverride(copy, key, YAML::Clone(value),
                                fmt::format("{} (variant {}: {})", v.where, v.name, key), &origins);
      if (!st.ok()) return st;
    }
    KB_RETURN_IF_ERROR(ApplyCommandLineOverrides(copy, options.overrides, &origins));
    Result<Workload> w = ResolveOne(copy, file_name, origins, options.embedded);
    if (!w.ok()) {
      const std::string prefix = v.name.empty() ? "" : fmt::format("variant {}: ", v.name);
      errors.push_back(prefix + std::string(w.status().message()));
      continue;
    }
    w->variant = v.name;
    out.push_back(std::move(w).value());
  }
  if (!errors.empty()) {
    std::string msg;
    for (const std::string& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return Status::InvalidArgument(msg);
  }
  return out;
}

Result<std::vector<Workload>> LoadWorkloadFile(const std::string& path,
                                               const WorkloadLoadOptions& options) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("{}: cannot open workload file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadWorkloadText(ss.str(), path, options);
}

}  // namespace kbench::harness
