// TopicPartition: the name of one partition, "<topic>-<partition>" as Kafka prints it and names its
// directory.
#pragma once

#include <functional>
#include <string>

#include "core/base/strong_int.h"

namespace kbench {

struct TopicPartition {
  std::string topic;
  PartitionId partition{0};

  std::string ToString() const { return topic + "-" + std::to_string(partition.value()); }
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

}  // namespace kbench

template <>
struct std::hash<kbench::TopicPartition> {
  size_t operator()(const kbench::TopicPartition& tp) const noexcept {
    return std::hash<std::string>()(tp.topic) * 31 + static_cast<size_t>(tp.partition.value());
  }
};
