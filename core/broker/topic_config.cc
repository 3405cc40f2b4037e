#include "core/broker/topic_config.h"

#include <fmt/format.h>

#include <charconv>

namespace kbench::broker {
namespace {

Status BadValue(std::string_view key, std::string_view value, std::string_view expected) {
  return Status::InvalidArgument(
      fmt::format("{}: '{}' is not valid (expected {})", key, value, expected),
      ErrorCode::kInvalidConfig);
}

// Topic-level names of the storage properties (LogConfig also accepts the broker's log.* synonyms,
// which a topic config must not use).
bool IsLogTopicName(std::string_view key) {
  static const std::map<std::string, std::string> names = storage::LogConfig().ToProperties();
  return names.count(std::string(key)) != 0;
}

}  // namespace

bool TopicConfig::IsTopicProperty(std::string_view key) {
  return key == "min.insync.replicas" || key == "unclean.leader.election.enable" ||
         key == "compression.type" || IsLogTopicName(key);
}

Status TopicConfig::Set(std::string_view key, std::string_view value) {
  if (key == "min.insync.replicas") {
    int32_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < 1) {
      return BadValue(key, value, "an integer >= 1");
    }
    min_insync_replicas = v;
    return Status::Ok();
  }
  if (key == "unclean.leader.election.enable") {
    if (value != "true" && value != "false") return BadValue(key, value, "true or false");
    unclean_leader_election_enable = value == "true";
    return Status::Ok();
  }
  if (key == "compression.type") {
    if (value != "producer") {
      return BadValue(key, value,
                      "producer: kbench stores batches as the producer compressed them");
    }
    return Status::Ok();
  }
  if (!IsLogTopicName(key)) {
    return Status::NotFound(fmt::format("'{}' is not a topic config", key),
                            ErrorCode::kInvalidConfig);
  }
  return log.Set(key, value);
}

Result<TopicConfig> TopicConfig::Resolve(const TopicConfig& defaults,
                                         const std::map<std::string, std::string>& overrides) {
  TopicConfig config = defaults;
  for (const auto& [key, value] : overrides) {
    Status s = config.Set(key, value);
    if (!s.ok()) {
      return Status::InvalidArgument(std::string(s.message()), ErrorCode::kInvalidConfig);
    }
  }
  return config;
}

}  // namespace kbench::broker
