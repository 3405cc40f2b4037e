// Dense numbering of a run's partitions: topic t, partition p -> t * partitions_per_topic + p.
// The audit, the lag board and the per-partition series use the index; Kafka and the storage
// engine use names ("<topic>-<partition>").
//
// Immutable after construction; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kbench::harness {

class PartitionIndex {
 public:
  PartitionIndex(std::vector<std::string> topics, int32_t partitions_per_topic);
  uint32_t Index(int32_t topic, int32_t partition) const {
    return static_cast<uint32_t>(topic * partitions_per_topic_ + partition);
  }
  std::optional<uint32_t> Find(std::string_view topic, int32_t partition) const;
  std::string Name(uint32_t index) const;  // "<topic>-<partition>"
  const std::vector<std::string>& topics() const { return topics_; }
  int32_t partitions_per_topic() const { return partitions_per_topic_; }
  uint32_t size() const { return static_cast<uint32_t>(topics_.size() * partitions_per_topic_); }

 private:
  std::vector<std::string> topics_;
  int32_t partitions_per_topic_;
  std::unordered_map<std::string, int32_t> by_name_;
};

}  // namespace kbench::harness
