// The on-disk layout of FileOffsetLog (file_offset_log.h), the plain-file OffsetLog: shared by its
// writer, its reader and the tests that damage files on purpose. Specified in
// docs/consumer_offsets_format.md ("The plain-file offset log"). All integers big-endian.
//
//   file    := header frame*
//   header  := magic "KBOFFLOG" (8 bytes) | format_version u32 (= 1)
//   frame   := length u32 (bytes after this field) | crc u32 | payload
//              crc = CRC-32 (zlib, ISO-HDLC polynomial) of payload; one frame = one Append, so a
//              frame is the unit of atomicity: a torn or corrupt frame is dropped whole.
//   payload := base_position i64 | record_count i32 | record{record_count}
//              record i has position base_position + i; positions only grow.
//   record  := timestamp_ms i64 | key_length i32 | key | value_length i32 (-1 = tombstone) | value
//
// Recovery: the reader walks the frames from the header; at the first frame that is short, too
// long, fails its CRC or does not parse exactly, the file is truncated there (a torn tail from a
// crash mid-append, or damage), and appends continue from that point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kbench::broker::file_offset_log_format {

inline constexpr std::string_view kMagic = "KBOFFLOG";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 8 + 4;
inline constexpr size_t kFrameHeaderSize = 4 + 4;     // length, crc
inline constexpr size_t kPayloadHeaderSize = 8 + 4;   // base_position, record_count
inline constexpr size_t kRecordOverhead = 8 + 4 + 4;  // timestamp, key_length, value_length
// A frame longer than this is treated as damage (an Append of the coordinator is a few KiB; a
// compaction rewrite of every live record stays far below it).
inline constexpr uint32_t kMaxFrameLength = 1u << 30;

}  // namespace kbench::broker::file_offset_log_format
