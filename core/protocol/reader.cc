#include "core/protocol/reader.h"

#include <fmt/format.h>

namespace kbench::protocol {

void Reader::Fail(std::string_view field, std::string_view what) {
  if (!ok()) return;
  status_ = Status::InvalidArgument(fmt::format("{} at byte {}: {}", field, position(), what));
  end_ = pos_;
}

void Reader::FailShort(std::string_view field, size_t needed) {
  Fail(field, fmt::format("needs {} bytes, {} left", needed, remaining()));
}

Status Reader::ErrorWithContext(std::string_view message, int16_t version) const {
  return status_.WithContext(fmt::format("{} v{}", message, version));
}

uint64_t Reader::ReadUnsignedLeb128(std::string_view field, int max_bytes) {
  uint64_t value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (remaining() == 0) {
      FailShort(field, 1);
      return 0;
    }
    uint8_t b = *pos_++;
    value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  pos_ -= max_bytes;  // report the position where the varint started
  Fail(field, fmt::format("varint longer than {} bytes", max_bytes));
  return 0;
}

uint32_t Reader::ReadUnsignedVarint(std::string_view field) {
  return static_cast<uint32_t>(ReadUnsignedLeb128(field, 5));
}

int32_t Reader::ReadVarint(std::string_view field) {
  uint32_t u = ReadUnsignedVarint(field);
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::ReadVarlong(std::string_view field) {
  uint64_t u = ReadUnsignedLeb128(field, 10);
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

int32_t Reader::ReadLength(std::string_view field, bool is_bytes, bool nullable) {
  if (!ok()) return -2;
  int32_t n = is_bytes ? ReadInt32(field) : ReadInt16(field);
  if (!ok()) return -2;
  if (n == -1 && nullable) return -1;
  if (n == -1) {
    pos_ -= is_bytes ? 4 : 2;
    Fail(field, "is null, which this field does not allow");
    return -2;
  }
  if (n < 0) {
    pos_ -= is_bytes ? 4 : 2;
    Fail(field, fmt::format("invalid length {}", n));
    return -2;
  }
  if (static_cast<size_t>(n) > remaining()) {
    Fail(field, fmt::format("length {} runs past the end ({} bytes left)", n, remaining()));
    return -2;
  }
  return n;
}

std::string_view Reader::ReadStringView(std::string_view field) {
  int32_t n = ReadLength(field, /*is_bytes=*/false, /*nullable=*/false);
  if (n < 0) return {};
  std::string_view s(reinterpret_cast<const char*>(pos_), static_cast<size_t>(n));
  pos_ += n;
  return s;
}

std::optional<std::string_view> Reader::ReadNullableStringView(std::string_view field) {
  int32_t n = ReadLength(field, /*is_bytes=*/false, /*nullable=*/true);
  if (n < 0) return std::nullopt;
  std::string_view s(reinterpret_cast<const char*>(pos_), static_cast<size_t>(n));
  pos_ += n;
  return s;
}

std::optional<std::string> Reader::ReadNullableString(std::string_view field) {
  std::optional<std::string_view> s = ReadNullableStringView(field);
  if (!s) return std::nullopt;
  return std::string(*s);
}

std::span<const uint8_t> Reader::ReadBytesView(std::string_view field) {
  int32_t n = ReadLength(field, /*is_bytes=*/true, /*nullable=*/false);
  if (n < 0) return {};
  std::span<const uint8_t> b(pos_, static_cast<size_t>(n));
  pos_ += n;
  return b;
}

std::vector<uint8_t> Reader::ReadBytes(std::string_view field) {
  std::span<const uint8_t> b = ReadBytesView(field);
  return std::vector<uint8_t>(b.begin(), b.end());
}

std::optional<std::span<const uint8_t>> Reader::ReadNullableBytesView(std::string_view field) {
  int32_t n = ReadLength(field, /*is_bytes=*/true, /*nullable=*/true);
  if (n < 0) return std::nullopt;
  std::span<const uint8_t> b(pos_, static_cast<size_t>(n));
  pos_ += n;
  return b;
}

std::optional<std::span<uint8_t>> Reader::ReadNullableMutableBytes(std::string_view field) {
  if (writable_ == nullptr) {
    Fail(field, "needs a writable buffer (the Reader was built over const bytes)");
    return std::nullopt;
  }
  size_t offset = position();
  std::optional<std::span<const uint8_t>> b = ReadNullableBytesView(field);
  if (!b) return std::nullopt;
  size_t header = 4;  // the int32 length just read
  return std::span<uint8_t>(writable_ + offset + header, b->size());
}

int32_t Reader::ReadArrayLength(std::string_view field, size_t min_element_size, bool nullable) {
  int32_t n = ReadInt32(field);
  if (!ok()) return 0;
  if (n == -1 && nullable) return -1;
  if (n < 0) {
    pos_ -= 4;
    Fail(field, n == -1 ? std::string("is a null array, which this field does not allow")
                        : fmt::format("invalid array length {}", n));
    return 0;
  }
  if (static_cast<uint64_t>(n) * std::max<size_t>(min_element_size, 1) > remaining()) {
    pos_ -= 4;
    Fail(field,
         fmt::format("array of {} elements cannot fit in the {} bytes left", n, remaining() - 4));
    return 0;
  }
  return n;
}

void Reader::Skip(std::string_view field, size_t n) {
  if (remaining() < n) {
    FailShort(field, n);
    return;
  }
  pos_ += n;
}

void Reader::SkipTaggedFields(std::string_view field) {
  uint32_t count = ReadUnsignedVarint(field);
  for (uint32_t i = 0; i < count && ok(); ++i) {
    ReadUnsignedVarint(field);  // tag
    uint32_t size = ReadUnsignedVarint(field);
    Skip(field, size);
  }
}

}  // namespace kbench::protocol
