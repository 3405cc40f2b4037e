#include "core/storage/compression.h"

#include <fmt/format.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/base/byte_order.h"

namespace kbench::storage {
namespace {

// xerial snappy-java framing.
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic + version i32 + compatible version i32
constexpr size_t kXerialBlockSize = 32 * 1024;

Status BadStream(Compression codec, std::string_view what) {
  return Status::Corruption(fmt::format("{} stream: {}", CompressionName(codec), what),
                            ErrorCode::kInvalidRecord);
}

Status TooLarge(Compression codec, size_t max_output) {
  return BadStream(codec, fmt::format("decompresses to more than the {} byte limit", max_output));
}

// Grows *out for a streaming decoder: doubles, starting from a guess, never past max_output.
bool Grow(std::vector<uint8_t>* out, size_t used, size_t input_size, size_t max_output) {
  if (out->size() >= max_output) return false;
  size_t next = out->empty() ? std::max<size_t>(input_size * 4, 64 * 1024) : out->size() * 2;
  next = std::min(next, max_output);
  if (next <= used) return false;
  out->resize(next);
  return true;
}

// ---- gzip ----

Status CompressGzip(std::span<const uint8_t> in, std::vector<uint8_t>* out, int level) {
  z_stream z{};
  if (deflateInit2(&z, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("deflateInit2 failed");
  }
  const size_t start = out->size();
  out->resize(start + deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out->data() + start;
  z.avail_out = static_cast<uInt>(out->size() - start);
  const int rc = deflate(&z, Z_FINISH);
  const size_t produced = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal(fmt::format("deflate: rc {}", rc));
  out->resize(start + produced);
  return Status::Ok();
}

Status DecompressGzip(std::span<const uint8_t> in, size_t max_output, std::vector<uint8_t>* out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  while (true) {
    if (used == out->size() && !Grow(out, used, in.size(), max_output)) {
      return TooLarge(Compression::kGzip, max_output);
    }
    z.next_out = out->data() + used;
    z.avail_out = static_cast<uInt>(out->size() - used);
    const int rc = inflate(&z, Z_NO_FLUSH);
    used = out->size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK)
        return BadStream(Compression::kGzip, "cannot read the next member");
      continue;  // concatenated gzip members
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) return BadStream(Compression::kGzip, "truncated");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return BadStream(Compression::kGzip, z.msg != nullptr ? z.msg : "inflate failed");
    }
  }
  out->resize(used);
  return Status::Ok();
}

// ---- snappy ----

Status CompressSnappy(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  out->insert(out->end(), std::begin(kXerialMagic), std::end(kXerialMagic));
  uint8_t versions[8];
  StoreBigEndian<int32_t>(versions, 1);
  StoreBigEndian<int32_t>(versions + 4, 1);
  out->insert(out->end(), versions, versions + 8);
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    const size_t n = std::min(kXerialBlockSize, in.size() - pos);
    const size_t at = out->size();
    out->resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                        reinterpret_cast<char*>(out->data() + at + 4), &written);
    StoreBigEndian<int32_t>(out->data() + at, static_cast<int32_t>(written));
    out->resize(at + 4 + written);
  }
  return Status::Ok();
}

Status AppendRawSnappy(std::span<const uint8_t> block, size_t max_output,
                       std::vector<uint8_t>* out) {
  const char* src = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &n)) {
    return BadStream(Compression::kSnappy, "bad block header");
  }
  if (n > max_output || out->size() > max_output - n) {
    return TooLarge(Compression::kSnappy, max_output);
  }
  const size_t at = out->size();
  out->resize(at + n);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out->data() + at))) {
    return BadStream(Compression::kSnappy, "corrupt block");
  }
  return Status::Ok();
}

bool IsXerial(std::span<const uint8_t> in) {
  return in.size() >= kXerialHeaderSize &&
         std::memcmp(in.data(), kXerialMagic, sizeof(kXerialMagic)) == 0;
}

Status DecompressSnappy(std::span<const uint8_t> in, size_t max_output, std::vector<uint8_t>* out) {
  out->clear();
  if (!IsXerial(in)) return AppendRawSnappy(in, max_output, out);
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4)
      return BadStream(Compression::kSnappy, "truncated xerial block length");
    const int32_t len = LoadBigEndian<int32_t>(in.data() + pos);
    pos += 4;
    if (len < 0 || static_cast<size_t>(len) > in.size() - pos) {
      return BadStream(Compression::kSnappy,
                       fmt::format("xerial block of {} bytes at {} overruns the {} byte stream",
                                   len, pos, in.size()));
    }
    KB_RETURN_IF_ERROR(AppendRawSnappy(in.subspan(pos, static_cast<size_t>(len)), max_output, out));
    pos += static_cast<size_t>(len);
  }
  return Status::Ok();
}

// ---- lz4 (frame format) ----

Status CompressLz4(std::span<const uint8_t> in, std::vector<uint8_t>* out, int level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.compressionLevel = level;
  const size_t start = out->size();
  out->resize(start + LZ4F_compressFrameBound(in.size(), &prefs));
  const size_t n =
      LZ4F_compressFrame(out->data() + start, out->size() - start, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n))
    return Status::Internal(fmt::format("LZ4F_compressFrame: {}", LZ4F_getErrorName(n)));
  out->resize(start + n);
  return Status::Ok();
}

Status DecompressLz4(std::span<const uint8_t> in, size_t max_output, std::vector<uint8_t>* out) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return Status::Internal("LZ4F_createDecompressionContext failed");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(ctx,
                                                                     LZ4F_freeDecompressionContext);
  size_t in_pos = 0, used = 0, hint = 1;
  while (in_pos < in.size()) {
    if (used == out->size() && !Grow(out, used, in.size(), max_output)) {
      return TooLarge(Compression::kLz4, max_output);
    }
    size_t dst_size = out->size() - used;
    size_t src_size = in.size() - in_pos;
    hint =
        LZ4F_decompress(ctx, out->data() + used, &dst_size, in.data() + in_pos, &src_size, nullptr);
    if (LZ4F_isError(hint)) return BadStream(Compression::kLz4, LZ4F_getErrorName(hint));
    used += dst_size;
    in_pos += src_size;
    if (src_size == 0 && dst_size == 0 && hint != 0 && used < out->size()) {
      return BadStream(Compression::kLz4, "decoder made no progress");
    }
  }
  // Drain output the decoder still holds.
  while (hint != 0) {
    if (used == out->size() && !Grow(out, used, in.size(), max_output)) {
      return TooLarge(Compression::kLz4, max_output);
    }
    size_t dst_size = out->size() - used;
    size_t src_size = 0;
    hint = LZ4F_decompress(ctx, out->data() + used, &dst_size, nullptr, &src_size, nullptr);
    if (LZ4F_isError(hint)) return BadStream(Compression::kLz4, LZ4F_getErrorName(hint));
    if (dst_size == 0) return BadStream(Compression::kLz4, "truncated frame");
    used += dst_size;
  }
  out->resize(used);
  return Status::Ok();
}

// ---- zstd ----

// zstd contexts hold megabytes of tables: creating one per batch costs more than compressing a 64
// KiB batch, so each thread keeps one of each and resets it per stream.
ZSTD_CCtx* ThreadCompressionContext() {
  static thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(),
                                                                             ZSTD_freeCCtx);
  return ctx.get();
}

ZSTD_DStream* ThreadDecompressionStream() {
  static thread_local std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(
      ZSTD_createDStream(), ZSTD_freeDStream);
  return ds.get();
}

Status CompressZstd(std::span<const uint8_t> in, std::vector<uint8_t>* out, int level) {
  ZSTD_CCtx* ctx = ThreadCompressionContext();
  if (ctx == nullptr) return Status::Internal("ZSTD_createCCtx failed");
  const size_t start = out->size();
  out->resize(start + ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compressCCtx(ctx, out->data() + start, out->size() - start, in.data(),
                                     in.size(), level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
  if (ZSTD_isError(n))
    return Status::Internal(fmt::format("ZSTD_compress: {}", ZSTD_getErrorName(n)));
  out->resize(start + n);
  return Status::Ok();
}

Status DecompressZstd(std::span<const uint8_t> in, size_t max_output, std::vector<uint8_t>* out) {
  ZSTD_DStream* ds = ThreadDecompressionStream();
  if (ds == nullptr || ZSTD_isError(ZSTD_DCtx_reset(ds, ZSTD_reset_session_only)))
    return Status::Internal("ZSTD_DCtx_reset failed");
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t used = 0, last = 0;
  while (true) {
    if (used == out->size() && !Grow(out, used, in.size(), max_output)) {
      return TooLarge(Compression::kZstd, max_output);
    }
    ZSTD_outBuffer dst{out->data(), out->size(), used};
    last = ZSTD_decompressStream(ds, &dst, &src);
    if (ZSTD_isError(last)) return BadStream(Compression::kZstd, ZSTD_getErrorName(last));
    used = dst.pos;
    if (src.pos == src.size) {
      if (last == 0) break;           // every frame decoded and flushed (output may be full)
      if (used < out->size()) break;  // input ended mid-frame: truncated, reported below
    }
  }
  if (last != 0) return BadStream(Compression::kZstd, "truncated frame");
  out->resize(used);
  return Status::Ok();
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<Compression> ParseCompression(std::string_view name) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                        Compression::kLz4, Compression::kZstd}) {
    if (name == CompressionName(c)) return c;
  }
  return Status::InvalidArgument(
      fmt::format("unknown compression '{}' (expected none, gzip, snappy, lz4 or zstd)", name),
      ErrorCode::kInvalidConfig);
}

Status Compress(Compression codec, std::span<const uint8_t> input, std::vector<uint8_t>* out,
                int level) {
  switch (codec) {
    case Compression::kNone:
      out->insert(out->end(), input.begin(), input.end());
      return Status::Ok();
    case Compression::kGzip:
      return CompressGzip(input, out, level);
    case Compression::kSnappy:
      return CompressSnappy(input, out);
    case Compression::kLz4:
      return CompressLz4(input, out, level);
    case Compression::kZstd:
      return CompressZstd(input, out, level);
  }
  return Status::InvalidArgument(
      fmt::format("unknown compression codec {}", static_cast<int>(codec)),
      ErrorCode::kInvalidRecord);
}

Status Decompress(Compression codec, std::span<const uint8_t> input, size_t max_output,
                  std::vector<uint8_t>* out) {
  out->clear();
  switch (codec) {
    case Compression::kNone:
      if (input.size() > max_output) return TooLarge(codec, max_output);
      out->assign(input.begin(), input.end());
      return Status::Ok();
    case Compression::kGzip:
      return DecompressGzip(input, max_output, out);
    case Compression::kSnappy:
      return DecompressSnappy(input, max_output, out);
    case Compression::kLz4:
      return DecompressLz4(input, max_output, out);
    case Compression::kZstd:
      return DecompressZstd(input, max_output, out);
  }
  return Status::Corruption(fmt::format("unknown compression codec {}", static_cast<int>(codec)),
                            ErrorCode::kInvalidRecord);
}

}  // namespace kbench::storage
