// TopicConfig: the settings of one topic, by Kafka's topic-level names: the storage settings
// (storage::LogConfig: segment.bytes, retention.ms, max.message.bytes, cleanup.policy, ...) plus
// the ones the broker itself enforces (min.insync.replicas, unclean.leader.election.enable,
// compression.type). A topic's effective config is the broker's defaults (BrokerConfig::
// topic_defaults, set by the log.* names) with the topic's own overrides (CreateTopics configs,
// kept in the metadata store) applied on top, so a topic without an override follows the broker's
// default even after the default changes.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/storage/log_config.h"

namespace kbench::broker {

struct TopicConfig {
  storage::LogConfig log;
  // min.insync.replicas = 1: acks=all produce is refused with NOT_ENOUGH_REPLICAS while the ISR is
  // smaller.
  int32_t min_insync_replicas = 1;
  // unclean.leader.election.enable = false (used by the controller of a replicated cluster).
  bool unclean_leader_election_enable = false;

  // Sets one topic-level property by its topic name (retention.ms, not log.retention.ms). NotFound
  // (INVALID_CONFIG) when `key` is not a topic property; InvalidArgument (INVALID_CONFIG) naming
  // the key, the value and what is accepted when the value is bad. compression.type accepts only
  // "producer" (batches are stored as the producer compressed them; no recompression).
  Status Set(std::string_view key, std::string_view value);
  // True for every name Set() accepts.
  static bool IsTopicProperty(std::string_view key);

  // `defaults` with every override applied; the first bad one fails naming it.
  static Result<TopicConfig> Resolve(const TopicConfig& defaults,
                                     const std::map<std::string, std::string>& overrides);

  friend bool operator==(const TopicConfig&, const TopicConfig&) = default;
};

}  // namespace kbench::broker
