#include "harness/direct_config.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kbench::harness {
namespace {

// A client property as librdkafka judges it (unknown name, bad value), named like the kafka
// driver names it: "producerConfig.linger.ms=abc: ...".
Status CheckWithLibrdkafka(const std::string& section, const std::string& key,
                           const std::string& value) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  const rd_kafka_conf_res_t rc =
      rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err));
  rd_kafka_conf_destroy(conf);
  if (rc != RD_KAFKA_CONF_OK)
    return Status::InvalidArgument(fmt::format("{}.{}={}: {}", section, key, value, err));
  return Status::Ok();
}

Status BadValue(const std::string& field, const std::string& value, std::string_view expected) {
  return Status::InvalidArgument(fmt::format("{}={}: expected {}", field, value, expected));
}

Result<int64_t> ParseInt(const std::string& field, const std::string& value, int64_t min) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < min) {
    return BadValue(field, value, fmt::format("an integer >= {}", min));
  }
  return v;
}

Result<double> ParseNumber(const std::string& field, const std::string& value, double min) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
      !std::isfinite(v) || v < min) {
    return BadValue(field, value, fmt::format("a number >= {}", min));
  }
  return v;
}

Result<bool> ParseBool(const std::string& field, const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return BadValue(field, value, "true or false");
}

Status ApplyProducerProperty(DirectProducerConfig* c, const std::string& key,
                             const std::string& value, bool* honoured) {
  const std::string field = "producerConfig." + key;
  *honoured = true;
  if (key == "batch.size") {
    KB_ASSIGN_OR_RETURN(c->batch_bytes, ParseInt(field, value, 1));
  } else if (key == "batch.num.messages") {
    KB_ASSIGN_OR_RETURN(int64_t n, ParseInt(field, value, 1));
    c->batch_messages = static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX));
  } else if (key == "linger.ms" || key == "queue.buffering.max.ms") {
    KB_ASSIGN_OR_RETURN(double ms, ParseNumber(field, value, 0));
    c->linger_ns = static_cast<int64_t>(ms * 1e6);
  } else if (key == "compression.type" || key == "compression.codec") {
    if (value == "inherit") {
      c->compression = storage::Compression::kNone;
    } else {
      auto codec = storage::ParseCompression(value);
      if (!codec.ok()) return BadValue(field, value, "none, gzip, snappy, lz4 or zstd");
      c->compression = *codec;
    }
  } else if (key == "compression.level") {
    KB_ASSIGN_OR_RETURN(int64_t level, ParseInt(field, value, -1));
    c->compression_level = static_cast<int>(std::max<int64_t>(level, 0));
  } else {
    *honoured = false;
  }
  return Status::Ok();
}

Status ApplyConsumerProperty(DirectConsumerConfig* c, const std::string& key,
                             const std::string& value, bool* honoured) {
  const std::string field = "consumerConfig." + key;
  *honoured = true;
  if (key == "max.partition.fetch.bytes") {
    KB_ASSIGN_OR_RETURN(c->max_partition_fetch_bytes, ParseInt(field, value, 1));
  } else if (key == "fetch.max.bytes") {
    KB_ASSIGN_OR_RETURN(c->fetch_max_bytes, ParseInt(field, value, 1));
  } else if (key == "fetch.wait.max.ms") {
    KB_ASSIGN_OR_RETURN(c->fetch_wait_max_ms, ParseInt(field, value, 0));
  } else if (key == "check.crcs") {
    KB_ASSIGN_OR_RETURN(c->check_crcs, ParseBool(field, value));
  } else if (key == "auto.offset.reset") {
    if (value == "earliest" || value == "smallest" || value == "beginning") {
      c->start_at_end = false;
    } else if (value == "latest" || value == "largest" || value == "end") {
      c->start_at_end = true;
    } else {
      return BadValue(field, value, "earliest or latest");
    }
  } else {
    *honoured = false;
  }
  return Status::Ok();
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

std::string StoragePropertyNames() {
  std::string out;
  for (const auto& [key, value] : storage::LogConfig().ToProperties())
    out += (out.empty() ? "" : ", ") + key;
  return out;
}

// Kafka topic properties that are not about one partition's storage: accepted, with a note.
bool IsNonStorageTopicProperty(const std::string& key) {
  static const char* const kKeys[] = {"min.insync.replicas",
                                      "unclean.leader.election.enable",
                                      "compression.type",
                                      "leader.replication.throttled.replicas",
                                      "follower.replication.throttled.replicas",
                                      "message.downconversion.enable",
                                      "message.format.version",
                                      "message.timestamp.difference.max.ms",
                                      "max.compaction.lag.ms",
                                      "preallocate",
                                      "file.delete.delay.ms",
                                      "remote.storage.enable",
                                      "local.retention.ms",
                                      "local.retention.bytes"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

// LogManager settings from cluster.brokerConfig; *honoured false for keys that are not among them.
Status ApplyManagerProperty(storage::LogManagerConfig* m, const std::string& key,
                            const std::string& value, bool* honoured) {
  const std::string field = "cluster.brokerConfig." + key;
  *honoured = true;
  if (key == "log.retention.check.interval.ms") {
    KB_ASSIGN_OR_RETURN(m->retention_check_interval_ms, ParseInt(field, value, 1));
  } else if (key == "log.flush.scheduler.interval.ms") {
    KB_ASSIGN_OR_RETURN(m->flush_check_interval_ms, ParseInt(field, value, 1));
  } else if (key == "log.flush.offset.checkpoint.interval.ms") {
    KB_ASSIGN_OR_RETURN(m->recovery_point_checkpoint_interval_ms, ParseInt(field, value, 1));
  } else if (key == "log.cleaner.enable") {
    KB_ASSIGN_OR_RETURN(m->cleaner_enable, ParseBool(field, value));
  } else if (key == "log.cleaner.backoff.ms") {
    KB_ASSIGN_OR_RETURN(m->cleaner_backoff_ms, ParseInt(field, value, 1));
  } else {
    *honoured = false;
  }
  return Status::Ok();
}

}  // namespace

Result<DirectProducerConfig> DirectProducerConfig::FromProperties(
    const std::map<std::string, std::string>& properties, std::vector<std::string>* notes) {
  DirectProducerConfig c;
  std::vector<std::string> ignored;
  for (const auto& [key, value] : properties) {
    KB_RETURN_IF_ERROR(CheckWithLibrdkafka("producerConfig", key, value));
    bool honoured = false;
    KB_RETURN_IF_ERROR(ApplyProducerProperty(&c, key, value, &honoured));
    if (!honoured) ignored.push_back(key);
  }
  if (!ignored.empty() && notes != nullptr) {
    notes->push_back(fmt::format(
        "producerConfig {}: no effect in the direct driver (one in-process copy, acknowledged "
        "once appended)",
        JoinKeys(ignored)));
  }
  return c;
}

Result<DirectConsumerConfig> DirectConsumerConfig::FromProperties(
    const std::map<std::string, std::string>& properties, std::vector<std::string>* notes) {
  DirectConsumerConfig c;
  std::vector<std::string> ignored;
  for (const auto& [key, value] : properties) {
    KB_RETURN_IF_ERROR(CheckWithLibrdkafka("consumerConfig", key, value));
    bool honoured = false;
    KB_RETURN_IF_ERROR(ApplyConsumerProperty(&c, key, value, &honoured));
    if (!honoured) ignored.push_back(key);
  }
  if (!ignored.empty() && notes != nullptr) {
    notes->push_back(
        fmt::format("consumerConfig {}: no effect in the direct driver", JoinKeys(ignored)));
  }
  return c;
}

Result<DirectStorageConfig> DirectStorageConfig::FromWorkload(const Workload& w,
                                                              std::vector<std::string>* notes) {
  DirectStorageConfig c;
  std::vector<std::string> ignored;
  for (const auto& [key, value] : w.cluster.broker_config) {
    bool honoured = false;
    KB_RETURN_IF_ERROR(ApplyManagerProperty(&c.manager, key, value, &honoured));
    if (honoured) continue;
    Status s = c.topic.Set(key, value);
    if (s.code() == StatusCode::kNotFound) {
      ignored.push_back("cluster.brokerConfig." + key);
    } else if (!s.ok()) {
      return Status::InvalidArgument(fmt::format("cluster.brokerConfig.{}", s.message()));
    }
  }
  for (const auto& [key, value] : w.topic_config) {
    Status s = c.topic.Set(key, value);
    if (s.code() == StatusCode::kNotFound) {
      if (!IsNonStorageTopicProperty(key)) {
        return Status::InvalidArgument(fmt::format(
            "topicConfig.{}: not a Kafka topic property the direct driver knows (storage "
            "properties: {})",
            key, StoragePropertyNames()));
      }
      ignored.push_back("topicConfig." + key);
    } else if (!s.ok()) {
      return Status::InvalidArgument(fmt::format("topicConfig.{}", s.message()));
    }
  }
  if (!ignored.empty() && notes != nullptr) {
    notes->push_back(
        fmt::format("{}: no effect in the direct driver (one in-process copy)", JoinKeys(ignored)));
  }
  return c;
}

}  // namespace kbench::harness
