#include "harness/partition_index.h"

#include <fmt/format.h>

namespace kbench::harness {

PartitionIndex::PartitionIndex(std::vector<std::string> topics, int32_t partitions_per_topic)
    : topics_(std::move(topics)), partitions_per_topic_(partitions_per_topic) {
  for (size_t i = 0; i < topics_.size(); ++i) by_name_[topics_[i]] = static_cast<int32_t>(i);
}

std::optional<uint32_t> PartitionIndex::Find(std::string_view topic, int32_t partition) const {
  auto it = by_name_.find(std::string(topic));
  if (it == by_name_.end() || partition < 0 || partition >= partitions_per_topic_)
    return std::nullopt;
  return Index(it->second, partition);
}

std::string PartitionIndex::Name(uint32_t index) const {
  const uint32_t per = static_cast<uint32_t>(partitions_per_topic_);
  return fmt::format("{}-{}", topics_[index / per], index % per);
}

}  // namespace kbench::harness
