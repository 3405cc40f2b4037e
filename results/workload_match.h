// Whether two runs measured the same workload, so that comparing them means something.
//
// Both documents' resolved `workload` objects are flattened to dotted paths and compared:
//   - shape fields (everything not listed below: name, variant, topics, partitions, message size,
//     producers, consumers, rate, keys, faults, ...) must be equal: a difference is a mismatch
//     and `kbench compare` refuses (exit 2) unless told to compare anyway;
//   - tuning fields (kTuningKeys: topicConfig, producerConfig, consumerConfig, cluster, durations,
//     SLO, seed, description, sourceFile, effective, maxRateSearch, payload pool size) may differ:
//     changing them is what a comparison is for (fsync per message, acks, linger), so a
//     difference is reported as a note;
//   - a path present in only one document (a field added by a newer kbench) is a note, not a
//     mismatch.
// Also `target.kind` (embedded / external / direct) must match when both documents say it.
//
// Pure functions; any thread.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kbench::results {

inline constexpr std::array<std::string_view, 14> kTuningKeys = {"description",
                                                                 "sourceFile",
                                                                 "topicConfig",
                                                                 "producerConfig",
                                                                 "consumerConfig",
                                                                 "cluster",
                                                                 "testDurationSeconds",
                                                                 "warmupDurationSeconds",
                                                                 "drainTimeoutSeconds",
                                                                 "latencySlo",
                                                                 "seed",
                                                                 "effective",
                                                                 "maxRateSearch",
                                                                 "randomizedPayloadPoolSize"};

struct WorkloadDiff {
  std::vector<std::string> mismatches;  // "partitionsPerTopic: 6 vs 12"
  std::vector<std::string> notes;       // "topicConfig.flush.messages: (absent) vs \"1\""
  bool same_shape() const { return mismatches.empty(); }
};

WorkloadDiff DiffWorkloads(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace kbench::results
