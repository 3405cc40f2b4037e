#include "core/protocol/writer.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace kbench::protocol {

Writer::Writer(std::vector<uint8_t> buffer) {
  msg_.bytes = std::move(buffer);
  msg_.bytes.clear();
  Append(4);  // size prefix, set by Finish()
}

void Writer::Fail(std::string_view field, std::string_view what) {
  if (!ok()) return;
  status_ =
      Status::InvalidArgument(fmt::format("{}: {}", field, what), ErrorCode::kUnknownServerError);
}

void Writer::WriteRaw(std::span<const uint8_t> b) {
  if (b.empty()) return;
  std::memcpy(Append(b.size()), b.data(), b.size());
}

void Writer::WriteUnsignedVarint(uint32_t v) {
  while (v >= 0x80) {
    WriteFixed<uint8_t>(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  WriteFixed<uint8_t>(static_cast<uint8_t>(v));
}

void Writer::WriteVarint(int32_t v) {
  uint32_t u = v;
  WriteUnsignedVarint((u << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::WriteVarlong(int64_t v) {
  uint64_t u = v;
  u = (u << 1) ^ static_cast<uint64_t>(v >> 63);
  while (u >= 0x80) {
    WriteFixed<uint8_t>(static_cast<uint8_t>(u | 0x80));
    u >>= 7;
  }
  WriteFixed<uint8_t>(static_cast<uint8_t>(u));
}

void Writer::WriteString(std::string_view field, std::string_view s) {
  if (s.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    Fail(field, fmt::format("string of {} bytes exceeds the 32767-byte limit", s.size()));
    return;
  }
  WriteInt16(static_cast<int16_t>(s.size()));
  WriteRaw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

void Writer::WriteNullableString(std::string_view field, std::optional<std::string_view> s) {
  if (!s) {
    WriteInt16(-1);
    return;
  }
  WriteString(field, *s);
}

void Writer::WriteBytes(std::string_view field, std::span<const uint8_t> b) {
  if (b.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    Fail(field, fmt::format("{} bytes exceed the BYTES limit", b.size()));
    return;
  }
  WriteInt32(static_cast<int32_t>(b.size()));
  WriteRaw(b);
}

void Writer::WriteNullableBytes(std::string_view field, std::optional<std::span<const uint8_t>> b) {
  if (!b) {
    WriteInt32(-1);
    return;
  }
  WriteBytes(field, *b);
}

void Writer::WriteSplicedBytes(std::string_view field, const FileSlice& slice) {
  if (slice.length < 0 || slice.length > std::numeric_limits<int32_t>::max() ||
      (slice.length > 0 && slice.file == nullptr)) {
    Fail(field, fmt::format("cannot splice a slice of {} bytes{}", slice.length,
                            slice.file ? "" : " without a file"));
    return;
  }
  WriteInt32(static_cast<int32_t>(slice.length));
  if (slice.empty()) return;  // nothing for the sender to do
  msg_.splices.push_back(Splice{msg_.bytes.size(), slice});
  spliced_bytes_ += slice.length;
}

void Writer::WriteArrayLength(std::string_view field, size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    Fail(field, fmt::format("array of {} elements exceeds the int32 count", n));
    return;
  }
  WriteInt32(static_cast<int32_t>(n));
}

Result<EncodedMessage> Writer::Finish() && {
  if (!ok()) return status_;
  int64_t size = static_cast<int64_t>(msg_.bytes.size()) - 4 + spliced_bytes_;
  if (size > std::numeric_limits<int32_t>::max()) {
    return Status::InvalidArgument(
        fmt::format("message of {} bytes exceeds the 2 GiB frame limit", size),
        ErrorCode::kUnknownServerError);
  }
  StoreBigEndian(msg_.bytes.data(), static_cast<int32_t>(size));
  return std::move(msg_);
}

}  // namespace kbench::protocol
