// The CRC-32C (Castagnoli) function whose throughput `kbench probe` measures: the checksum every
// Kafka RecordBatch carries and every broker replica verifies.
//
// The storage engine (core/storage) owns the implementation the broker uses; until it lands, this
// file provides one (SSE4.2 `crc32` instructions when the CPU has them, a slicing-by-8 table
// otherwise). Once core/storage exports its Crc32c, point ProbeCrc32c at it so the probe measures
// exactly what the broker runs; nothing else in sizing computes CRCs.
//
// Thread-safe, pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kbench::sizing {

// CRC-32C of `data` continuing from `crc` (0 for a fresh checksum), as Kafka computes it.
uint32_t ProbeCrc32c(uint32_t crc, const uint8_t* data, size_t size);
// "sse4.2" or "slicing-by-8": which implementation ProbeCrc32c runs on this CPU.
std::string_view ProbeCrc32cImplementation();

}  // namespace kbench::sizing
