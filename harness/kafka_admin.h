// Topic administration for a run, through librdkafka's Admin API: create the run's topics with the
// profile's partitions, replication factor and topic configs, or check that existing ones have the
// partitions the run needs; and count the cluster's brokers.
//
// Each call makes its own short-lived client. Any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "harness/topic_spec.h"

namespace kbench::harness {

// Creates every topic; fails naming the topic and Kafka's error (TOPIC_ALREADY_EXISTS included).
Status CreateTopics(const std::string& bootstrap, const TopicSpec& spec, int timeout_ms = 30'000);
// Checks the topics exist with spec.partitions partitions each (for clusters that cannot create
// topics through the Admin API, and for --set-provided existing topics).
Status VerifyTopics(const std::string& bootstrap, const TopicSpec& spec, int timeout_ms = 30'000);
// The number of brokers the cluster's metadata lists.
Result<int32_t> CountBrokers(const std::string& bootstrap, int timeout_ms = 30'000);

}  // namespace kbench::harness
