#include "core/storage/crc32c.h"

#include <immintrin.h>

#include <array>
#include <bit>
#include <cstring>

namespace kbench::storage {
namespace {

constexpr uint32_t kPoly = 0x82F63B78;  // CRC-32C, bit-reflected

// ---- Polynomial arithmetic modulo P, in the reflected representation (bit 31 is x^0). ----

constexpr uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;  // b *= x
  }
  return product;
}

// x^n mod P.
constexpr uint32_t XPowModP(uint64_t n) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 30;  // x^1, squared each round: x^(2^k)
  while (n != 0) {
    if (n & 1) result = MultModP(result, square);
    square = MultModP(square, square);
    n >>= 1;
  }
  return result;
}

// ---- Portable path: slice-by-8. ----

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

uint32_t RawPortable(uint32_t c, const uint8_t* p, size_t n) {
  while (n >= 8) {
    const uint64_t v = LoadLe64(p) ^ c;
    c = kTables[7][v & 0xFF] ^ kTables[6][(v >> 8) & 0xFF] ^ kTables[5][(v >> 16) & 0xFF] ^
        kTables[4][(v >> 24) & 0xFF] ^ kTables[3][(v >> 32) & 0xFF] ^ kTables[2][(v >> 40) & 0xFF] ^
        kTables[1][(v >> 48) & 0xFF] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
  return c;
}

// ---- Hardware path: three crc32 chains per block, joined by carry-less multiplication. ----
//
// For a block A|B|C of three lanes of L bytes each, crc(A|B|C) = shift(crcA, 2L) ^ shift(crcB, L) ^
// crcC, where shift(c, n) = c * x^(8n) mod P. With c and k = x^(8n-33) mod P in the low halves of
// 64-bit registers, clmul(c, k) holds c*k*x in its low 64 bits (reflected), and crc32_u64(0, w)
// multiplies by x^32 and reduces, giving c * x^(8n). crc32_u64 is linear, so both shifted values
// are folded into the last 8-byte word of lane C instead of being reduced separately.

struct LaneConstants {
  size_t lane_bytes;
  uint64_t k_double;  // x^(8*2L - 33) mod P: shifts lane A past lanes B and C
  uint64_t k_single;  // x^(8*L - 33) mod P: shifts lane B past lane C
};

constexpr LaneConstants MakeLane(size_t lane_bytes) {
  return {lane_bytes, XPowModP(8 * 2 * lane_bytes - 33), XPowModP(8 * lane_bytes - 33)};
}

// Long lanes for bulk data; shorter ones so mid-sized tails still run three chains.
constexpr std::array<LaneConstants, 3> kLanes = {MakeLane(4096), MakeLane(512), MakeLane(64)};

__attribute__((target("sse4.2,pclmul"))) uint64_t ThreeLaneBlock(uint64_t crc, const uint8_t* p,
                                                                 const LaneConstants& lane) {
  const size_t len = lane.lane_bytes;
  const uint8_t* a = p;
  const uint8_t* b = p + len;
  const uint8_t* c = p + 2 * len;
  uint64_t ca = crc, cb = 0, cc = 0;
  for (size_t i = 0; i < len - 8; i += 8) {
    ca = _mm_crc32_u64(ca, LoadLe64(a + i));
    cb = _mm_crc32_u64(cb, LoadLe64(b + i));
    cc = _mm_crc32_u64(cc, LoadLe64(c + i));
  }
  ca = _mm_crc32_u64(ca, LoadLe64(a + len - 8));
  cb = _mm_crc32_u64(cb, LoadLe64(b + len - 8));
  const __m128i crcs = _mm_set_epi64x(static_cast<int64_t>(cb), static_cast<int64_t>(ca));
  const __m128i keys =
      _mm_set_epi64x(static_cast<int64_t>(lane.k_single), static_cast<int64_t>(lane.k_double));
  const __m128i shifted_a = _mm_clmulepi64_si128(crcs, keys, 0x00);  // ca * k_double
  const __m128i shifted_b = _mm_clmulepi64_si128(crcs, keys, 0x11);  // cb * k_single
  const uint64_t fold =
      static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_xor_si128(shifted_a, shifted_b)));
  return _mm_crc32_u64(cc, LoadLe64(c + len - 8) ^ fold);
}

__attribute__((target("sse4.2,pclmul"))) uint32_t RawHardware(uint32_t crc32, const uint8_t* p,
                                                              size_t n) {
  uint64_t crc = crc32;
  for (const LaneConstants& lane : kLanes) {
    while (n >= 3 * lane.lane_bytes) {
      crc = ThreeLaneBlock(crc, p, lane);
      p += 3 * lane.lane_bytes;
      n -= 3 * lane.lane_bytes;
    }
  }
  while (n >= 8) {
    crc = _mm_crc32_u64(crc, LoadLe64(p));
    p += 8;
    n -= 8;
  }
  uint32_t c = static_cast<uint32_t>(crc);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return c;
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}

using ExtendFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

// A function-local static, so callers from other translation units' static initializers are safe.
ExtendFn Extend() {
  static const ExtendFn fn =
      DetectHardware() ? &crc32c_internal::ExtendHardware : &crc32c_internal::ExtendPortable;
  return fn;
}

}  // namespace

namespace crc32c_internal {

uint32_t ExtendPortable(uint32_t crc, const uint8_t* data, size_t size) {
  return ~RawPortable(~crc, data, size);
}

uint32_t ExtendHardware(uint32_t crc, const uint8_t* data, size_t size) {
  return ~RawHardware(~crc, data, size);
}

bool HardwareAvailable() {
  static const bool available = DetectHardware();
  return available;
}

}  // namespace crc32c_internal

uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data) {
  return Extend()(crc, data.data(), data.size());
}

uint32_t Crc32c(std::span<const uint8_t> data) { return Crc32cExtend(0, data); }

std::string_view Crc32cImplementation() {
  return crc32c_internal::HardwareAvailable() ? "sse4.2+pclmul (3 lanes)" : "table (slice-by-8)";
}

}  // namespace kbench::storage
