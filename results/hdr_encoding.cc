#include "results/hdr_encoding.h"

#include <fmt/format.h>
#include <zlib.h>

#include <bit>
#include <cstring>

#include "core/base/byte_order.h"
#include "results/base64.h"

namespace kbench::results {
namespace {

void PutZigZag(std::vector<uint8_t>& out, int64_t signed_value) {
  uint64_t v =
      (static_cast<uint64_t>(signed_value) << 1) ^ static_cast<uint64_t>(signed_value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out.push_back(static_cast<uint8_t>(v));
      return;
    }
    out.push_back(static_cast<uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));  // 9th byte: the remaining 8 bits
}

// Reads one varint at *pos; false when the input ends inside it.
bool GetZigZag(const uint8_t* data, size_t end, size_t* pos, int64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (*pos >= end) return false;
    const uint8_t b = data[(*pos)++];
    if (i == 8) {
      v |= uint64_t{b} << 56;
      break;
    }
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) break;
  }
  *out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

template <typename T>
void Put(std::vector<uint8_t>& out, T v) {
  uint8_t buf[sizeof(T)];
  StoreBigEndian(buf, v);
  out.insert(out.end(), buf, buf + sizeof(T));
}

void EncodeCounts(const HdrHistogram& h, std::vector<uint8_t>& out) {
  const int32_t limit = h.IndexOf(h.Max()) + 1;
  int32_t i = 0;
  while (i < limit) {
    const int64_t count = h.CountAtIndex(i++);
    if (count != 0) {
      PutZigZag(out, count);
      continue;
    }
    int64_t zeros = 1;
    while (i < limit && h.CountAtIndex(i) == 0) {
      ++zeros;
      ++i;
    }
    PutZigZag(out, zeros > 1 ? -zeros : 0);
  }
}

Status DecodeCounts(const uint8_t* data, size_t size, HdrHistogram* h) {
  size_t pos = 0;
  int64_t index = 0;
  while (pos < size) {
    int64_t v;
    if (!GetZigZag(data, size, &pos, &v)) {
      return Status::Corruption(fmt::format("HDR V2 payload: truncated varint at byte {}", pos));
    }
    if (v < 0) {
      index += -v;
      continue;
    }
    if (index >= h->counts_length()) {
      return Status::Corruption(
          fmt::format("HDR V2 payload: count at index {} beyond the histogram's {} counters", index,
                      h->counts_length()));
    }
    h->AddCountAtIndex(static_cast<int32_t>(index++), v);
  }
  return Status::Ok();
}

}  // namespace

std::vector<uint8_t> EncodeHdrV2(const HdrHistogram& h) {
  std::vector<uint8_t> out;
  out.reserve(kHdrV2HeaderSize + 256);
  Put<int32_t>(out, kHdrV2EncodingCookie);
  Put<int32_t>(out, 0);  // payload length, patched below
  Put<int32_t>(out, 0);  // normalizing index offset
  Put<int32_t>(out, h.significant_digits());
  Put<int64_t>(out, h.lowest());
  Put<int64_t>(out, h.highest());
  Put<int64_t>(out, std::bit_cast<int64_t>(1.0));
  EncodeCounts(h, out);
  StoreBigEndian<int32_t>(out.data() + 4, static_cast<int32_t>(out.size() - kHdrV2HeaderSize));
  return out;
}

std::vector<uint8_t> EncodeHdrV2Compressed(const HdrHistogram& h) {
  const std::vector<uint8_t> raw = EncodeHdrV2(h);
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> out(8 + bound);
  // compress2 writes a zlib stream (header + deflate + adler32), what java.util.zip.Deflater
  // produces.
  const int rc = compress2(out.data() + 8, &bound, raw.data(), static_cast<uLong>(raw.size()),
                           Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) bound = 0;  // cannot happen with a compressBound-sized buffer
  out.resize(8 + bound);
  StoreBigEndian<int32_t>(out.data(), kHdrV2CompressedEncodingCookie);
  StoreBigEndian<int32_t>(out.data() + 4, static_cast<int32_t>(bound));
  return out;
}

std::string EncodeHdrV2Base64(const HdrHistogram& h) {
  return Base64Encode(EncodeHdrV2Compressed(h));
}

Result<HdrHistogram> DecodeHdrV2(const uint8_t* data, size_t size) {
  if (size < kHdrV2HeaderSize) {
    return Status::Corruption(
        fmt::format("HDR V2: {} bytes, shorter than the 40-byte header", size));
  }
  const int32_t cookie = LoadBigEndian<int32_t>(data);
  if ((cookie & ~0xf0) != (kHdrV2EncodingCookie & ~0xf0)) {
    return Status::Corruption(
        fmt::format("HDR V2: cookie {:#x}, expected {:#x} (not a V2 histogram)",
                    static_cast<uint32_t>(cookie), kHdrV2EncodingCookie));
  }
  const int32_t payload = LoadBigEndian<int32_t>(data + 4);
  const int32_t normalizing = LoadBigEndian<int32_t>(data + 8);
  HdrHistogramOptions options;
  options.significant_digits = LoadBigEndian<int32_t>(data + 12);
  options.lowest = LoadBigEndian<int64_t>(data + 16);
  options.highest = LoadBigEndian<int64_t>(data + 24);
  if (payload < 0 || kHdrV2HeaderSize + static_cast<size_t>(payload) > size) {
    return Status::Corruption(fmt::format(
        "HDR V2: payload length {} exceeds the {} bytes available", payload, size - 40));
  }
  if (normalizing != 0) {
    return Status::Unsupported(
        "HDR V2: shifted histograms (normalizing index offset != 0) are not supported");
  }
  auto created = HdrHistogram::Create(options);
  if (!created.ok())
    return Status::Corruption("HDR V2 header: " + std::string(created.status().message()));
  HdrHistogram h = std::move(created).value();
  KB_RETURN_IF_ERROR(DecodeCounts(data + kHdrV2HeaderSize, static_cast<size_t>(payload), &h));
  return h;
}

Result<HdrHistogram> DecodeHdrV2Compressed(const uint8_t* data, size_t size) {
  if (size < 8)
    return Status::Corruption(fmt::format("HDR V2 compressed: {} bytes, need at least 8", size));
  const int32_t cookie = LoadBigEndian<int32_t>(data);
  if ((cookie & ~0xf0) != (kHdrV2CompressedEncodingCookie & ~0xf0)) {
    return Status::Corruption(fmt::format("HDR V2 compressed: cookie {:#x}, expected {:#x}",
                                          static_cast<uint32_t>(cookie),
                                          kHdrV2CompressedEncodingCookie));
  }
  const int32_t length = LoadBigEndian<int32_t>(data + 4);
  if (length < 0 || static_cast<size_t>(length) > size - 8) {
    return Status::Corruption(fmt::format(
        "HDR V2 compressed: length {} exceeds the {} bytes available", length, size - 8));
  }
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status::Internal("zlib inflateInit failed");
  zs.next_in = const_cast<Bytef*>(data + 8);
  zs.avail_in = static_cast<uInt>(length);
  std::vector<uint8_t> raw;
  int rc = Z_OK;
  while (rc == Z_OK) {
    raw.resize(raw.size() + 64 * 1024);
    zs.next_out = raw.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(raw.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && zs.avail_in > 0) rc = Z_OK;  // output full: grow and go on
    if (raw.size() > (64u << 20)) rc = Z_MEM_ERROR;       // no histogram is this large
  }
  raw.resize(zs.total_out);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status::Corruption(fmt::format("HDR V2 compressed: inflate failed ({})", rc));
  }
  return DecodeHdrV2(raw.data(), raw.size());
}

Result<HdrHistogram> DecodeHdrV2Base64(std::string_view base64) {
  KB_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Base64Decode(base64));
  return DecodeHdrV2Compressed(bytes.data(), bytes.size());
}

}  // namespace kbench::results
