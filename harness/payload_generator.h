// Builds message payloads for one producer thread: draws each message's size from the profile's
// size spec, pads it with a pool of prebuilt templates (random bytes for `randomBytesRatio` of the
// padding, the rest zeros, so compression sees realistic data; or the payloadFile's bytes) and
// writes the 24-byte kbench header (payload_format.h) in place. Building a message costs one header
// write, no copy: the returned view stays valid until the next call, and drivers copy it
// (librdkafka's F_COPY) or append it at once.
//
// Threads: one per producer thread.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "harness/payload_format.h"
#include "harness/workload_spec.h"

namespace kbench::harness {

class PayloadGenerator {
 public:
  // Reads the payloadFile when the profile has one; the seed makes sizes and padding reproducible.
  static Result<PayloadGenerator> Create(const Workload& w, uint64_t seed);

  int32_t NextSize();
  // A message of `size` bytes (>= kPayloadHeaderSize) carrying `header`.
  std::span<const uint8_t> Build(const PayloadHeader& header, int32_t size);

 private:
  PayloadGenerator(MessageSizeSpec spec, std::vector<std::vector<uint8_t>> pool, uint64_t seed);

  MessageSizeSpec spec_;
  std::vector<std::vector<uint8_t>> pool_;  // each MaxSize() bytes
  size_t next_template_ = 0;
  std::mt19937_64 rng_;
  std::discrete_distribution<size_t> weighted_;
};

}  // namespace kbench::harness
