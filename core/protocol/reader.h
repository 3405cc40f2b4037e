// Reader: bounds-checked reads of Kafka's wire primitives, in wire order, from a buffer it does not
// own.
//
// Error design: a sticky error. The first read that would run past the end, or that finds an
// invalid length, a null where the field is not nullable, or an over-long varint, records one
// Status naming the field and the byte position ("topic_data.name at byte 14: needs 6 bytes, 3
// left"); from then on every read returns a zero value (0, "", empty span, null) and consumes
// nothing. Decoders therefore read a message straight through and check once at the end (Finish()),
// which keeps them as short as the spec. Loops over arrays stop as soon as the reader has failed,
// and array counts are checked against the bytes left before anything is allocated, so no count can
// drive a large allocation or a long loop.
//
// Views: the *View reads return string_views/spans into the buffer (no copy); they are valid as
// long as the buffer is. A Reader built over a writable buffer (std::span<uint8_t>) can also hand
// out writable views (ReadNullableMutableBytes), which Produce uses so the broker can rewrite base
// offsets in place.
//
// Encodings (Kafka's protocol guide, non-flexible versions): intN big-endian; BOOLEAN one byte,
// nonzero is true; STRING int16 length + UTF-8 bytes, -1 = null; BYTES int32 length + bytes, -1 =
// null; ARRAY int32 count + elements, -1 = null; VARINT/VARLONG zigzag + LEB128 (at most 5 / 10
// bytes; like Kafka's ByteUtils, bits beyond the type's width in the last byte are dropped, not
// rejected).
//
// Thread safety: a Reader is a cursor; use it from one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/result.h"
#include "core/base/status.h"

namespace kbench::protocol {

// Wire value <-> field type for integer fields declared as StrongInt (Offset, BrokerId, ...) or
// plain.
template <typename T>
constexpr auto ToWire(T v) {
  if constexpr (std::is_integral_v<T>) {
    return v;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<std::underlying_type_t<T>>(v);
  } else {
    return v.value();
  }
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data)
      : begin_(data.data()), pos_(data.data()), end_(data.data() + data.size()) {}
  // A writable buffer: as above, and ReadNullableMutableBytes may hand out writable views.
  explicit Reader(std::span<uint8_t> data)
      : begin_(data.data()),
        pos_(data.data()),
        end_(data.data() + data.size()),
        writable_(data.data()) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  size_t position() const { return static_cast<size_t>(pos_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }

  int8_t ReadInt8(std::string_view field) { return ReadFixed<int8_t>(field); }
  int16_t ReadInt16(std::string_view field) { return ReadFixed<int16_t>(field); }
  int32_t ReadInt32(std::string_view field) { return ReadFixed<int32_t>(field); }
  int64_t ReadInt64(std::string_view field) { return ReadFixed<int64_t>(field); }
  uint32_t ReadUint32(std::string_view field) { return ReadFixed<uint32_t>(field); }
  bool ReadBool(std::string_view field) { return ReadFixed<uint8_t>(field) != 0; }

  int32_t ReadVarint(std::string_view field);   // zigzag
  int64_t ReadVarlong(std::string_view field);  // zigzag
  uint32_t ReadUnsignedVarint(std::string_view field);

  // STRING: null (-1) is an error here.
  std::string_view ReadStringView(std::string_view field);
  std::string ReadString(std::string_view field) { return std::string(ReadStringView(field)); }
  // Nullable STRING: nullopt for -1.
  std::optional<std::string_view> ReadNullableStringView(std::string_view field);
  std::optional<std::string> ReadNullableString(std::string_view field);

  // BYTES: null (-1) is an error here.
  std::span<const uint8_t> ReadBytesView(std::string_view field);
  std::vector<uint8_t> ReadBytes(std::string_view field);
  // Nullable BYTES: nullopt for -1.
  std::optional<std::span<const uint8_t>> ReadNullableBytesView(std::string_view field);
  // Nullable BYTES as a writable view into the buffer; an error if the Reader was built read-only.
  std::optional<std::span<uint8_t>> ReadNullableMutableBytes(std::string_view field);

  // ARRAY count. Null (-1) is returned as -1 when `nullable`, else an error. A count whose elements
  // cannot fit in the bytes left (count * min_element_size > remaining()) is an error.
  int32_t ReadArrayLength(std::string_view field, size_t min_element_size, bool nullable = false);

  // ARRAY of T, each element read by read_one(T&). A null array is an error.
  template <typename T, typename ReadOne>
  void ReadArray(std::string_view field, size_t min_element_size, std::vector<T>& out,
                 ReadOne&& read_one) {
    ReadElements(ReadArrayLength(field, min_element_size), out, read_one);
  }
  // Nullable ARRAY of T: nullopt for -1.
  template <typename T, typename ReadOne>
  void ReadNullableArray(std::string_view field, size_t min_element_size,
                         std::optional<std::vector<T>>& out, ReadOne&& read_one) {
    int32_t n = ReadArrayLength(field, min_element_size, /*nullable=*/true);
    if (n < 0) {
      out.reset();
      return;
    }
    ReadElements(n, out.emplace(), read_one);
  }
  // ARRAY of int32 / int64 values (T may be a StrongInt such as BrokerId or PartitionId).
  template <typename T>
  void ReadIntArray(std::string_view field, std::vector<T>& out) {
    using Wire = decltype(ToWire(T{}));
    ReadArray(field, sizeof(Wire), out, [&](T& v) { v = T(ReadFixed<Wire>(field)); });
  }
  // ARRAY of STRING (copied).
  void ReadStringArray(std::string_view field, std::vector<std::string>& out) {
    ReadArray(field, 2, out, [&](std::string& s) { s = ReadString(field); });
  }

  // Skips a flexible-version tagged-field section (request header v2).
  void SkipTaggedFields(std::string_view field);
  void Skip(std::string_view field, size_t n);

  // Records an error at the current position (semantic checks in decoders); the first error wins.
  void Fail(std::string_view field, std::string_view what);

  // `value` when every read succeeded, else the first error prefixed with `message` (e.g.
  // "Produce v7 request"), carrying INVALID_REQUEST.
  template <typename T>
  Result<T> Finish(T&& value, std::string_view message, int16_t version) const {
    if (ok()) return std::forward<T>(value);
    return ErrorWithContext(message, version);
  }

 private:
  template <typename T>
  T ReadFixed(std::string_view field) {
    if (remaining() < sizeof(T)) {
      FailShort(field, sizeof(T));
      return T{};
    }
    T v = LoadBigEndian<T>(pos_);
    pos_ += sizeof(T);
    return v;
  }
  template <typename T, typename ReadOne>
  void ReadElements(int32_t n, std::vector<T>& out, ReadOne& read_one) {
    out.clear();
    if (n <= 0) return;
    out.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i < n && ok(); ++i) read_one(out.emplace_back());
  }
  // Reads an int16 (STRING) or int32 (BYTES) length; -1 when null and allowed; -2 on error.
  int32_t ReadLength(std::string_view field, bool is_bytes, bool nullable);
  uint64_t ReadUnsignedLeb128(std::string_view field, int max_bytes);
  void FailShort(std::string_view field, size_t needed);
  Status ErrorWithContext(std::string_view message, int16_t version) const;

  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;           // moved to pos_ on the first error, so later reads consume nothing
  uint8_t* writable_ = nullptr;  // begin_ as writable, when built over a writable buffer
  Status status_;
};

}  // namespace kbench::protocol
