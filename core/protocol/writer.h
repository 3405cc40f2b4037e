// Writer: builds one EncodedMessage (core/protocol/encoded_message.h) from Kafka wire primitives
// written in wire order. The 4-byte size prefix is reserved up front and filled in by Finish(),
// counting spliced file bytes too.
//
// Splicing: WriteSplicedBytes(slice) writes a BYTES field whose data is a FileSlice: the int32
// length (the slice's length) goes into the owned bytes and the slice is recorded as a Splice at
// the current position, so a Fetch response's records go from the segment file to the socket with
// sendfile and are never copied.
//
// Errors: sticky, like Reader. A value the wire cannot carry (a string over 32767 bytes, a null
// where the version has no null, a message over 2 GiB) records the first error, naming the field;
// Finish() returns it. Encoders therefore write straight through and never check in between.
//
// Buffers: the Writer takes a std::vector to write into and keeps its capacity, so a caller that
// recycles EncodedMessage::bytes (the broker's per-connection send buffer) encodes without
// allocating.
//
// Thread safety: one Writer per message, one thread.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/file_handle.h"
#include "core/base/result.h"
#include "core/base/status.h"
#include "core/protocol/encoded_message.h"
#include "core/protocol/reader.h"

namespace kbench::protocol {

class Writer {
 public:
  // Starts a message in `buffer` (cleared; its capacity is reused) with the size prefix reserved.
  explicit Writer(std::vector<uint8_t> buffer = {});

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Owned bytes written so far, including the 4-byte size prefix (spliced bytes not counted).
  size_t size() const { return msg_.bytes.size(); }

  void WriteInt8(int8_t v) { WriteFixed(v); }
  void WriteInt16(int16_t v) { WriteFixed(v); }
  void WriteInt32(int32_t v) { WriteFixed(v); }
  void WriteInt64(int64_t v) { WriteFixed(v); }
  void WriteUint32(uint32_t v) { WriteFixed(v); }
  void WriteBool(bool v) { WriteFixed<uint8_t>(v ? 1 : 0); }

  void WriteVarint(int32_t v);   // zigzag
  void WriteVarlong(int64_t v);  // zigzag
  void WriteUnsignedVarint(uint32_t v);

  void WriteString(std::string_view field, std::string_view s);
  void WriteNullableString(std::string_view field, std::optional<std::string_view> s);
  template <typename S>
  requires std::same_as<S, std::string>
  void WriteNullableString(std::string_view field, const std::optional<S>& s) {
    WriteNullableString(field, s ? std::optional<std::string_view>(*s) : std::nullopt);
  }
  void WriteBytes(std::string_view field, std::span<const uint8_t> b);
  void WriteNullableBytes(std::string_view field, std::optional<std::span<const uint8_t>> b);
  // BYTES whose data is `slice`, spliced in by the sender (see the header comment).
  void WriteSplicedBytes(std::string_view field, const FileSlice& slice);

  void WriteArrayLength(std::string_view field, size_t n);
  void WriteNullArrayLength() { WriteInt32(-1); }

  // ARRAY of T, each element written by write_one(const T&).
  template <typename T, typename WriteOne>
  void WriteArray(std::string_view field, const std::vector<T>& v, WriteOne&& write_one) {
    WriteArrayLength(field, v.size());
    for (const T& e : v) write_one(e);
  }
  // Nullable ARRAY: -1 for nullopt.
  template <typename T, typename WriteOne>
  void WriteNullableArray(std::string_view field, const std::optional<std::vector<T>>& v,
                          WriteOne&& write_one) {
    if (!v) {
      WriteNullArrayLength();
      return;
    }
    WriteArray(field, *v, write_one);
  }
  // ARRAY of int32 / int64 values (T may be a StrongInt such as BrokerId).
  template <typename T>
  void WriteIntArray(std::string_view field, const std::vector<T>& v) {
    WriteArrayLength(field, v.size());
    for (const T& e : v) WriteFixed(ToWire(e));
  }
  void WriteStringArray(std::string_view field, const std::vector<std::string>& v) {
    WriteArrayLength(field, v.size());
    for (const std::string& s : v) WriteString(field, s);
  }

  // Records an error (the first one wins): for values the chosen version cannot express.
  void Fail(std::string_view field, std::string_view what);

  // The message with its size prefix set, or the first error. The Writer is spent afterwards.
  Result<EncodedMessage> Finish() &&;

 private:
  template <typename T>
  void WriteFixed(T v) {
    StoreBigEndian(Append(sizeof(T)), v);
  }
  uint8_t* Append(size_t n) {
    size_t old = msg_.bytes.size();
    msg_.bytes.resize(old + n);
    return msg_.bytes.data() + old;
  }
  void WriteRaw(std::span<const uint8_t> b);

  EncodedMessage msg_;
  int64_t spliced_bytes_ = 0;
  Status status_;
};

}  // namespace kbench::protocol
