// The kbench message payload: every message the harness produces starts with a 24-byte header that
// lets any consumer, on any host, attribute it and time it without asking the producer:
//
//   offset size  field
//   0      2     magic 0x6B62 ("kb")
//   2      1     version (1)
//   3      1     flags (0; reserved)
//   4      4     producer id: index of the producing thread in the run (uint32)
//   8      8     sequence: per (producer, partition), from 0, dense (uint64)
//   16     8     intended send time: wall-clock ns since the epoch (int64; CLOCK_REALTIME domain)
//   24     ...   padding up to the message size (random, zero or payloadFile bytes: see
//   payload_generator.h)
//
// Integers are big-endian (Kafka's order). The consumer computes end-to-end latency as its own
// wall-clock receive time minus the intended send time; the durability audit keys on (producer,
// partition, sequence). docs/workloads.md ("Payload") documents the same layout for people writing
// their own consumers.
//
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/result.h"

namespace kbench::harness {

inline constexpr uint16_t kPayloadMagic = 0x6B62;
inline constexpr uint8_t kPayloadVersion = 1;
inline constexpr size_t kPayloadHeaderSize = 24;

struct PayloadHeader {
  uint32_t producer_id = 0;
  uint64_t sequence = 0;
  int64_t intended_send_wall_ns = 0;
  friend bool operator==(const PayloadHeader&, const PayloadHeader&) = default;
};

// Writes the header into the first kPayloadHeaderSize bytes of `buf`; size must be >= the header
// size.
void EncodePayloadHeader(const PayloadHeader& header, uint8_t* buf, size_t size);
// Reads the header back; Corruption when the message is shorter than a header, or has another magic
// or version (a message that kbench did not produce).
Result<PayloadHeader> DecodePayloadHeader(const uint8_t* buf, size_t size);

}  // namespace kbench::harness
