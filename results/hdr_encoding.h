// HdrHistogram's V2 encoding, the form HdrHistogram's tools (Java HistogramLogReader,
// HistogramLogAnalyzer, HdrHistogram_c) read and write, and the form results JSON and .hlog lines
// carry.
//
// Uncompressed V2 (all integers big-endian):
//   int32 cookie 0x1c849313 | int32 payload length | int32 normalizing index offset (0)
//   | int32 significant digits | int64 lowest discernible value | int64 highest trackable value
//   | float64 integer-to-double ratio (1.0) | payload
// payload: the counts from index 0 through the index of the largest recorded value, each a ZigZag
// LEB128 varint of at most 9 bytes (the 9th byte carries 8 bits); a negative value -n stands for a
// run of n zero counts. Compressed V2: int32 cookie 0x1c849314 | int32 compressed length | zlib
// deflate of the uncompressed form.
//
// Pure functions; any thread. Decoding never trusts its input: truncation, bad cookies, counts
// beyond the layout and inflate errors come back as Corruption naming what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "results/hdr_histogram.h"

namespace kbench::results {

inline constexpr int32_t kHdrV2EncodingCookie = 0x1c849303 | 0x10;
inline constexpr int32_t kHdrV2CompressedEncodingCookie = 0x1c849304 | 0x10;
inline constexpr size_t kHdrV2HeaderSize = 40;
inline constexpr std::string_view kHdrEncodingName = "hdr-v2-deflate-base64";

std::vector<uint8_t> EncodeHdrV2(const HdrHistogram& h);
std::vector<uint8_t> EncodeHdrV2Compressed(const HdrHistogram& h);
// The compressed form in base64: one .hlog line's payload, or results JSON `histograms.*.data`.
std::string EncodeHdrV2Base64(const HdrHistogram& h);

Result<HdrHistogram> DecodeHdrV2(const uint8_t* data, size_t size);
Result<HdrHistogram> DecodeHdrV2Compressed(const uint8_t* data, size_t size);
Result<HdrHistogram> DecodeHdrV2Base64(std::string_view base64);

}  // namespace kbench::results
