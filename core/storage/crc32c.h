// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of Kafka's RecordBatch v2
// (over Attributes..end of batch) and of iSCSI (RFC 3720).
//
// Two implementations, chosen once at first use by cpuid:
//  - hardware: SSE4.2 `crc32` on three independent 8-byte lanes (the instruction has a 3-cycle
//  latency and
//    1-cycle throughput, so three chains keep it busy), the lanes joined with a carry-less multiply
//    (PCLMULQDQ) by x^(8n-33) mod P. Compiled with __attribute__((target)), so the rest of the
//    project needs no -march flag and still runs on CPUs without it.
//  - portable: slice-by-8 tables.
// Both give identical results (tests/unit/storage/crc32c_test.cc checks published vectors and
// agreement).
//
// Thread safety: pure functions; call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace kbench::storage {

// CRC-32C of `data` (initial value 0, as Kafka and RFC 3720 compute it).
uint32_t Crc32c(std::span<const uint8_t> data);

// The CRC-32C of (A + data) given crc = Crc32c(A): checksums a buffer in pieces.
uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data);

// Which implementation Crc32c uses on this CPU, for benchmark and result reports.
std::string_view Crc32cImplementation();

namespace crc32c_internal {
// Both paths on "finalized" CRC values (same contract as Crc32cExtend), exposed for tests and
// benchmarks.
uint32_t ExtendPortable(uint32_t crc, const uint8_t* data, size_t size);
// Only callable when HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, const uint8_t* data, size_t size);
bool HardwareAvailable();
}  // namespace crc32c_internal

}  // namespace kbench::storage
