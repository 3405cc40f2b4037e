// Zigzag varints as RecordBatch v2 records use them (Protocol Buffers' sint32/sint64 encoding), and
// a bounds-checked cursor to read them. Reading never runs past the end: a truncated or over-long
// varint makes the cursor fail, and the caller turns that into INVALID_RECORD naming the field.
//
// Thread safety: plain values; one cursor per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace kbench::storage {

inline constexpr uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline constexpr int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Bytes WriteVarlong(v) takes (1..10).
inline int VarlongSize(int64_t v) {
  uint64_t u = ZigZagEncode(v);
  int n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Appends the zigzag encoding of v; returns the bytes written.
inline int WriteVarlong(std::vector<uint8_t>* out, int64_t v) {
  uint64_t u = ZigZagEncode(v);
  int n = 1;
  while (u >= 0x80) {
    out->push_back(static_cast<uint8_t>(u | 0x80));
    u >>= 7;
    ++n;
  }
  out->push_back(static_cast<uint8_t>(u));
  return n;
}

// Reads from a byte range; every call checks bounds. After a failure ok() is false and stays false.
class ByteCursor {
 public:
  ByteCursor() = default;
  explicit ByteCursor(std::span<const uint8_t> bytes)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* position() const { return p_; }

  // Zigzag varlong of at most 10 bytes.
  bool ReadVarlong(int64_t* out) {
    uint64_t result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return Fail();
      const uint8_t b = *p_++;
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        *out = ZigZagDecode(result);
        return true;
      }
    }
    return Fail();  // more than 10 bytes
  }

  // Zigzag varint that must fit in 32 bits (at most 5 bytes).
  bool ReadVarint(int32_t* out) {
    if (p_ != end_ && (*p_ & 0x80) == 0) {  // one-byte fast path: most lengths and deltas
      *out = static_cast<int32_t>(ZigZagDecode(*p_++));
      return true;
    }
    const uint8_t* start = p_;
    int64_t v;
    if (!ReadVarlong(&v)) return false;
    if (p_ - start > 5 || v < INT32_MIN || v > INT32_MAX) return Fail();
    *out = static_cast<int32_t>(v);
    return true;
  }

  bool ReadInt8(int8_t* out) {
    if (p_ == end_) return Fail();
    *out = static_cast<int8_t>(*p_++);
    return true;
  }

  // A span of n bytes (n >= 0) without copying.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    if (remaining() < n) return Fail();
    *out = {p_, n};
    p_ += n;
    return true;
  }

  bool Skip(size_t n) {
    if (remaining() < n) return Fail();
    p_ += n;
    return true;
  }

 private:
  bool Fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool ok_ = true;
};

}  // namespace kbench::storage
