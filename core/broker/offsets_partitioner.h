// Which partition of the internal offsets topic (__consumer_offsets) holds a consumer group, and so
// which broker coordinates it: the leader of that partition. Kafka's rule, reproduced bit for bit
// so a kbench cluster and a Kafka cluster place the same group on the same partition number:
//
//   partition = Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions
//
// where hashCode is java.lang.String's (s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, int32
// wrap-around) and Utils.abs maps Integer.MIN_VALUE to 0 (Math.abs would leave it negative).
//
// Group ids arrive as UTF-8 (Kafka STRING). Valid UTF-8 is decoded to UTF-16 code units exactly as
// Java does (code points above U+FFFF become surrogate pairs). An invalid byte counts as one
// U+FFFD, Java's replacement character (Java's decoder may group some malformed sequences
// differently; no real client sends them). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/strong_int.h"

namespace kbench::broker {

// java.lang.String.hashCode() of the string whose UTF-8 encoding is `utf8`.
int32_t JavaStringHashCode(std::string_view utf8);

// org.apache.kafka.common.utils.Utils.abs: |n|, with INT32_MIN mapped to 0.
int32_t KafkaAbs(int32_t n);

// The offsets-topic partition of `group_id`; num_partitions must be > 0.
PartitionId OffsetsPartitionFor(std::string_view group_id, int32_t num_partitions);

}  // namespace kbench::broker
