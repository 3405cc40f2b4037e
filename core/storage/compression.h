// The compression codecs of RecordBatch v2 (Attributes bits 0-2), through the real libraries: zlib
// (gzip), snappy, lz4 (frame format) and zstd. A compressed batch compresses everything after
// RecordCount as one stream.
//
// Stream formats, as Kafka's clients write them:
//  - gzip: a gzip member (RFC 1952). Decompression also accepts a zlib stream.
//  - snappy: Java Kafka writes the xerial "snappy-java" framing (magic \x82SNAPPY\0, version,
//  compatible
//    version, then blocks of [i32 big-endian compressed length][raw snappy block]). librdkafka
//    writes raw snappy and reads both. We write xerial framing (32 KiB blocks, readable by both)
//    and read both.
//  - lz4: the LZ4 frame format (magic 0x184D2204) with 64 KiB independent blocks, as
//    KafkaLZ4BlockOutputStream and librdkafka write it.
//  - zstd: one or more zstd frames (content size may be absent).
//
// Errors: undecodable input is INVALID_RECORD (Kafka's InvalidRecordException for a bad compressed
// stream), naming the codec and what failed. Output larger than the caller's limit is refused the
// same way (a small batch that inflates without bound is an attack, not data).
//
// Thread safety: stateless functions; call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace kbench::storage {

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// "none", "gzip", "snappy", "lz4", "zstd" (Kafka's compression.type names).
std::string_view CompressionName(Compression c);
// Parses those names; InvalidArgument naming the accepted ones otherwise.
Result<Compression> ParseCompression(std::string_view name);

// Appends the compressed form of `input` to *out. `level` 0 means the codec's default.
Status Compress(Compression codec, std::span<const uint8_t> input, std::vector<uint8_t>* out,
                int level = 0);

// Replaces *out with the decompressed form of `input`; fails beyond `max_output` bytes.
Status Decompress(Compression codec, std::span<const uint8_t> input, size_t max_output,
                  std::vector<uint8_t>* out);

}  // namespace kbench::storage
