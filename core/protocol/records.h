// Record data as the protocol carries it: a BYTES field (int32 length, -1 = null) holding record
// batches the codec never parses (core/storage owns the RecordBatch format). Two shapes, one per
// direction of the hot path:
//
//   ProduceRecords  a Produce request partition's records: a writable view into the request frame,
//   so the
//                   broker assigns offsets and stamps the leader epoch in place and appends without
//                   a copy. Valid while the frame is.
//   FetchRecords    a Fetch response partition's records: a FileSlice of a segment file (broker
//   side:
//                   the encoder splices it, the sender sendfile()s it), or a byte view (decoded
//                   side: a view into the response frame; or in-memory batches, which the encoder
//                   copies).
//
// null (-1 on the wire) differs from empty (0); both exist in Kafka's specs for these fields.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <variant>

#include "core/base/file_handle.h"

namespace kbench::protocol {

struct ProduceRecords {
  std::span<uint8_t> bytes;  // not owned: a view into the request frame
  bool is_null = false;

  friend bool operator==(const ProduceRecords& a, const ProduceRecords& b) {
    return a.is_null == b.is_null && std::ranges::equal(a.bytes, b.bytes);
  }
};

struct FetchRecords {
  std::variant<std::span<const uint8_t>, FileSlice>
      data;  // view (not owned) or slice (shares the file)
  bool is_null = false;

  static FetchRecords Null() { return FetchRecords{{}, true}; }
  static FetchRecords Bytes(std::span<const uint8_t> bytes) { return FetchRecords{bytes, false}; }
  static FetchRecords Slice(FileSlice slice) { return FetchRecords{std::move(slice), false}; }

  // Bytes on the wire after the length field.
  int64_t size() const {
    if (const FileSlice* s = slice()) return s->length;
    return static_cast<int64_t>(std::get<0>(data).size());
  }
  const FileSlice* slice() const { return std::get_if<FileSlice>(&data); }
  // The in-memory bytes; empty when the records are a slice or null.
  std::span<const uint8_t> bytes() const {
    const auto* b = std::get_if<std::span<const uint8_t>>(&data);
    return b ? *b : std::span<const uint8_t>();
  }

  // Equal when both are null, or hold equal bytes, or name the same byte range of the same file.
  friend bool operator==(const FetchRecords& a, const FetchRecords& b) {
    if (a.is_null || b.is_null) return a.is_null == b.is_null;
    const FileSlice* sa = a.slice();
    const FileSlice* sb = b.slice();
    if (sa != nullptr || sb != nullptr) {
      return sa != nullptr && sb != nullptr && sa->file == sb->file &&
             sa->position == sb->position && sa->length == sb->length;
    }
    return std::ranges::equal(a.bytes(), b.bytes());
  }
};

}  // namespace kbench::protocol
