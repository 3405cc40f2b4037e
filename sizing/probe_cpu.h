// The CPU phase of `kbench probe`: CRC-32C throughput (every replica verifies each batch's
// checksum) and compression/decompression throughput of gzip, snappy, lz4 and zstd on one core,
// over 64 KiB batches of sample records shaped like seed 002's sign-up events. Codecs are called
// directly (zlib, snappy, lz4 frame, zstd), at Kafka's default levels (gzip 6, lz4 frame default,
// zstd 3); the storage engine's own codec wrappers can replace these calls once core/storage lands.
#pragma once

#include <string>

#include "core/base/status.h"
#include "sizing/hardware_profile.h"
#include "sizing/probe_context.h"

namespace kbench::sizing {

// `bytes` of newline-separated JSON records (deterministic).
std::string SampleRecords(size_t bytes);

Status ProbeCpu(const ProbeContext& ctx, HardwareProfile* out);

}  // namespace kbench::sizing
