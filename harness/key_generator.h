// Message keys and the partition each message goes to.
//
// KeyGenerator draws keys per OMB's keyDistributor: NO_KEY (none), KEY_ROUND_ROBIN (cycles through
// keyCount keys), RANDOM (uniform over keyCount keys), ZIPF (rank k drawn with probability ~ 1/k^s:
// a few hot keys, the skew DOMAIN.md warns about). Keys are "key-<n>".
//
// The producer picks the partition itself, with Kafka's default partitioner for keyed messages
// (murmur2(key) & 0x7fffffff % partitions, what Java clients do, so keyed data lands where a Java
// producer would put it) and round-robin for unkeyed ones; knowing the partition before sending is
// what keeps the durability audit's per-(producer, partition) sequences dense.
//
// Threads: one KeyGenerator per producer thread; the Zipf table is shared read-only between copies.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "harness/workload_spec.h"

namespace kbench::harness {

// Kafka's Utils.murmur2 (seed 0x9747b28c) over the key bytes.
int32_t KafkaMurmur2(std::string_view key);
// Kafka's default partition for a keyed record.
inline int32_t KafkaKeyPartition(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(KafkaMurmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

class KeyGenerator {
 public:
  KeyGenerator(KeyDistributor kind, int64_t key_count, double zipf_exponent, uint64_t seed);

  bool keyed() const { return kind_ != KeyDistributor::kNoKey; }
  // The next key's index in [0, key_count); -1 for NO_KEY.
  int64_t NextIndex();
  static std::string KeyName(int64_t index) { return "key-" + std::to_string(index); }

 private:
  KeyDistributor kind_;
  int64_t key_count_;
  int64_t next_ = 0;
  std::mt19937_64 rng_;
  std::shared_ptr<const std::vector<double>> zipf_cdf_;  // ZIPF: cumulative probabilities by rank
};

// Chooses partitions for one producer: by key hash when keyed, else round-robin starting at
// `first`.
class PartitionChooser {
 public:
  PartitionChooser(int32_t partitions, int32_t first)
      : partitions_(partitions), next_(first % partitions) {}
  int32_t ForKey(std::string_view key) const { return KafkaKeyPartition(key, partitions_); }
  int32_t RoundRobin() {
    const int32_t p = next_;
    next_ = (next_ + 1) % partitions_;
    return p;
  }

 private:
  int32_t partitions_;
  int32_t next_;
};

}  // namespace kbench::harness
