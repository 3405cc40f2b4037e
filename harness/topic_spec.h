// The topics a run needs, as every driver creates them: names, partitions, replication factor and
// the profile's topicConfig (Kafka topic properties, as strings).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kbench::harness {

struct TopicSpec {
  std::vector<std::string> names = {};
  int32_t partitions = 1;
  int32_t replication_factor = 1;
  std::map<std::string, std::string> config = {};  // topicConfig
};

}  // namespace kbench::harness
