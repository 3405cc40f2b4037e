#include "sizing/probe_cpu.h"

#include <functional>
#include <span>
#include <vector>

#include "core/base/clock.h"
#include "core/storage/compression.h"
#include "core/storage/crc32c.h"
#include "sizing/units.h"

namespace kbench::sizing {
namespace {

constexpr size_t kBatch = 64 << 10;
constexpr size_t kSample = 4 << 20;

using Bytes = std::vector<uint8_t>;

// The codecs the broker and clients run (core/storage/compression.h): what a batch costs on a core.
struct Codec {
  storage::Compression codec;
  int level;  // the level Kafka's clients use by default (0 = the library's default)
};

constexpr Codec kCodecs[] = {{storage::Compression::kGzip, 6},
                             {storage::Compression::kSnappy, 0},
                             {storage::Compression::kLz4, 0},
                             {storage::Compression::kZstd, 3}};

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
  std::string name(storage::CompressionName(c.codec));
  std::vector<Bytes> compressed(batches.size());
  double in = 0, packed = 0;
  Bytes scratch;
  for (size_t i = 0; i < batches.size(); ++i) {
    KB_RETURN_IF_ERROR(storage::Compress(c.codec, batches[i], &compressed[i], c.level));
    KB_RETURN_IF_ERROR(storage::Decompress(c.codec, compressed[i], batches[i].size(), &scratch));
    if (scratch != batches[i]) return Status::Internal(name + " did not round-trip a batch");
    in += double(batches[i].size());
    packed += double(compressed[i].size());
  }
  double seconds = ctx.Allow(ctx.budget().codec_s);
  CodecThroughput t;
  t.level = c.level;
  t.ratio = in / packed;
  t.compress_bytes_per_sec = Timed(ctx, batches.size(), seconds, [&](size_t i) {
    scratch.clear();
    (void)storage::Compress(c.codec, batches[i], &scratch, c.level);  // round trip checked above
    return batches[i].size();
  });
  t.decompress_bytes_per_sec = Timed(ctx, batches.size(), seconds, [&](size_t i) {
    (void)storage::Decompress(c.codec, compressed[i], batches[i].size(), &scratch);
    return batches[i].size();
  });
  out->codecs[name] = t;
  ctx.Progress("{}: compress {}, decompress {} per core, ratio {}", name,
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
    crc = storage::Crc32cExtend(
        crc, std::span(reinterpret_cast<const uint8_t*>(sample.data()), sample.size()));
    bytes += double(sample.size());
  } while (double(MonoNanos() - start) / 1e9 < crc_s && !ctx.cancelled());
  out->crc32c_impl = std::string(storage::Crc32cImplementation());
  out->crc32c_bytes_per_sec = bytes / (double(MonoNanos() - start) / 1e9);
  ctx.Progress("CRC-32C ({}): {} per core (checksum {:08x})", out->crc32c_impl,
               FormatByteRate(*out->crc32c_bytes_per_sec), crc);
  std::vector<Bytes> batches;
  for (size_t off = 0; off < sample.size(); off += kBatch) {
    batches.emplace_back(sample.begin() + off,
                         sample.begin() + std::min(sample.size(), off + kBatch));
  }
  for (const Codec& c : kCodecs) {
    if (ctx.cancelled()) break;
    KB_RETURN_IF_ERROR(MeasureCodec(ctx, c, batches, out));
  }
  return Status::Ok();
}

}  // namespace kbench::sizing
