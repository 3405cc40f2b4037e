#include "sizing/probe_cpu.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <functional>
#include <memory>
#include <vector>

#include "core/base/clock.h"
#include "sizing/probe_crc32c.h"
#include "sizing/units.h"

namespace kbench::sizing {
namespace {

constexpr size_t kBatch = 64 << 10;
constexpr size_t kSample = 4 << 20;

using Bytes = std::vector<char>;
// Compresses or decompresses one batch into `out`; false on a codec error.
using Transform = std::function<bool(const Bytes& in, size_t original_size, Bytes* out)>;

struct Codec {
  std::string name;
  int level;
  Transform compress;
  Transform decompress;
};

bool GzipCompress(const Bytes& in, size_t, Bytes* out) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->resize(deflateBound(&z, uLong(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = uInt(out->size());
  int rc = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool GzipDecompress(const Bytes& in, size_t original, Bytes* out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
  out->resize(original);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = uInt(out->size());
  int rc = inflate(&z, Z_FINISH);
  out->resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool SnappyCompress(const Bytes& in, size_t, Bytes* out) {
  out->resize(snappy::MaxCompressedLength(in.size()));
  size_t n = 0;
  snappy::RawCompress(in.data(), in.size(), out->data(), &n);
  out->resize(n);
  return true;
}

bool SnappyDecompress(const Bytes& in, size_t original, Bytes* out) {
  out->resize(original);
  return snappy::RawUncompress(in.data(), in.size(), out->data());
}

bool Lz4Compress(const Bytes& in, size_t, Bytes* out) {
  out->resize(LZ4F_compressFrameBound(in.size(), nullptr));
  size_t n = LZ4F_compressFrame(out->data(), out->size(), in.data(), in.size(), nullptr);
  if (LZ4F_isError(n)) return false;
  out->resize(n);
  return true;
}

bool Lz4Decompress(const Bytes& in, size_t original, Bytes* out) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return false;
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> guard(
      dctx, LZ4F_freeDecompressionContext);
  out->resize(original);
  size_t dst = out->size(), src = in.size();
  size_t rc = LZ4F_decompress(dctx, out->data(), &dst, in.data(), &src, nullptr);
  out->resize(dst);
  return !LZ4F_isError(rc) && rc == 0;
}

bool ZstdCompress(const Bytes& in, size_t, Bytes* out) {
  static thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(),
                                                                                ZSTD_freeCCtx);
  out->resize(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(cctx.get(), out->data(), out->size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return false;
  out->resize(n);
  return true;
}

bool ZstdDecompress(const Bytes& in, size_t original, Bytes* out) {
  static thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(),
                                                                                ZSTD_freeDCtx);
  out->resize(original);
  size_t n = ZSTD_decompressDCtx(dctx.get(), out->data(), out->size(), in.data(), in.size());
  if (ZSTD_isError(n)) return false;
  out->resize(n);
  return true;
}

std::vector<Codec> Codecs() {
  return {{"gzip", 6, GzipCompress, GzipDecompress},
          {"snappy", 0, SnappyCompress, SnappyDecompress},
          {"lz4", 0, Lz4Compress, Lz4Decompress},
          {"zstd", 3, ZstdCompress, ZstdDecompress}};
}

// Runs `step(i)` over batches round-robin for `seconds`; returns bytes/s of `size_of(i)`.
double Timed(const ProbeContext& ctx, size_t batches, double seconds,
             const std::function<size_t(size_t)>& step) {
  int64_t start = MonoNanos();
  double bytes = 0;
  size_t i = 0;
  do {
    bytes += double(step(i % batches));
    ++i;
  } while (double(MonoNanos() - start) / 1e9 < seconds && !ctx.cancelled());
  return bytes / (double(MonoNanos() - start) / 1e9);
}

Status MeasureCodec(const ProbeContext& ctx, const Codec& c, const std::vector<Bytes>& batches,
                    HardwareProfile* out) {
  std::vector<Bytes> compressed(batches.size());
  double in = 0, packed = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    Bytes round;
    if (!c.compress(batches[i], batches[i].size(), &compressed[i]) ||
        !c.decompress(compressed[i], batches[i].size(), &round) || round != batches[i]) {
      return Status::Internal(fmt::format("{} did not round-trip a batch", c.name));
    }
    in += double(batches[i].size());
    packed += double(compressed[i].size());
  }
  Bytes scratch;
  double seconds = ctx.Allow(ctx.budget().codec_s);
  CodecThroughput t;
  t.level = c.level;
  t.ratio = in / packed;
  t.compress_bytes_per_sec = Timed(ctx, batches.size(), seconds, [&](size_t i) {
    c.compress(batches[i], batches[i].size(), &scratch);
    return batches[i].size();
  });
  t.decompress_bytes_per_sec = Timed(ctx, batches.size(), seconds, [&](size_t i) {
    c.decompress(compressed[i], batches[i].size(), &scratch);
    return batches[i].size();
  });
  out->codecs[c.name] = t;
  ctx.Progress("{}: compress {}, decompress {} per core, ratio {}", c.name,
               FormatByteRate(t.compress_bytes_per_sec), FormatByteRate(t.decompress_bytes_per_sec),
               FormatNumber(t.ratio));
  return Status::Ok();
}

}  // namespace

std::string SampleRecords(size_t bytes) {
  static const char* kEvents[] = {"SIGN_UP", "LOGIN", "LOGOUT", "UPDATE_PROFILE", "WITHDRAW"};
  static const char* kRoles[] = {"USER", "ADMIN", "PARTNER"};
  std::string out;
  out.reserve(bytes + 512);
  uint64_t x = 0x2545F4914F6CDD1Dull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  while (out.size() < bytes) {
    uint64_t r = next();
    out += fmt::format(
        R"({{"accountId":{},"group":"account","email":"user{}@example.com","accountEvent":"{}",)"
        R"("properties":{{"role":"{}","name":"member-{:x}","id":"{}"}},"ts":{}}})"
        "\n",
        r % 10000000, (r >> 20) % 1000000, kEvents[(r >> 40) % 5], kRoles[(r >> 44) % 3],
        next() % 0xFFFFFF, (r >> 8) % 100000000, 1664956976908 + (r >> 50));
  }
  out.resize(bytes);
  return out;
}

Status ProbeCpu(const ProbeContext& ctx, HardwareProfile* out) {
  std::string sample = SampleRecords(kSample);
  double crc_s = ctx.Allow(ctx.budget().crc_s);
  uint32_t crc = 0;
  int64_t start = MonoNanos();
  double bytes = 0;
  do {
    crc = ProbeCrc32c(crc, reinterpret_cast<const uint8_t*>(sample.data()), sample.size());
    bytes += double(sample.size());
  } while (double(MonoNanos() - start) / 1e9 < crc_s && !ctx.cancelled());
  out->crc32c_impl = std::string(ProbeCrc32cImplementation());
  out->crc32c_bytes_per_sec = bytes / (double(MonoNanos() - start) / 1e9);
  ctx.Progress("CRC-32C ({}): {} per core (checksum {:08x})", out->crc32c_impl,
               FormatByteRate(*out->crc32c_bytes_per_sec), crc);
  std::vector<Bytes> batches;
  for (size_t off = 0; off < sample.size(); off += kBatch) {
    batches.emplace_back(sample.begin() + off,
                         sample.begin() + std::min(sample.size(), off + kBatch));
  }
  for (const Codec& c : Codecs()) {
    if (ctx.cancelled()) break;
    KB_RETURN_IF_ERROR(MeasureCodec(ctx, c, batches, out));
  }
  return Status::Ok();
}

}  // namespace kbench::sizing
