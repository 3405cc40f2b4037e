#include "core/storage/crc32c.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string_view>
#include <vector>

namespace kbench::storage {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 3720 (iSCSI) appendix B.4 and the common "123456789" check value.
struct Vector {
  const char* name;
  std::vector<uint8_t> data;
  uint32_t crc;
};

std::vector<Vector> PublishedVectors() {
  std::vector<uint8_t> ascending(32), descending(32);
  std::iota(ascending.begin(), ascending.end(), 0);
  for (int i = 0; i < 32; ++i) descending[i] = static_cast<uint8_t>(31 - i);
  std::vector<uint8_t> read_pdu = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                   0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::string_view check = "123456789";
  return {
      {"rfc3720 32 zeros", std::vector<uint8_t>(32, 0x00), 0x8A9136AA},
      {"rfc3720 32 ones", std::vector<uint8_t>(32, 0xFF), 0x62A8AB43},
      {"rfc3720 ascending", ascending, 0x46DD794E},
      {"rfc3720 descending", descending, 0x113FDB5C},
      {"rfc3720 scsi read pdu", read_pdu, 0xD9963A56},
      {"check 123456789", std::vector<uint8_t>(check.begin(), check.end()), 0xE3069283},
      {"empty", {}, 0x00000000},
  };
}

TEST(Crc32cTest, MatchesPublishedVectors) {
  for (const Vector& v : PublishedVectors()) {
    EXPECT_EQ(Crc32c(v.data), v.crc) << v.name;
    EXPECT_EQ(crc32c_internal::ExtendPortable(0, v.data.data(), v.data.size()), v.crc) << v.name;
    if (crc32c_internal::HardwareAvailable()) {
      EXPECT_EQ(crc32c_internal::ExtendHardware(0, v.data.data(), v.data.size()), v.crc) << v.name;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWholeBufferAtEverySplit) {
  std::string_view text = "The quick brown fox jumps over the lazy dog, then checks its CRC-32C.";
  const uint32_t whole = Crc32c(Bytes(text));
  for (size_t split = 0; split <= text.size(); ++split) {
    uint32_t crc = Crc32c(Bytes(text.substr(0, split)));
    crc = Crc32cExtend(crc, Bytes(text.substr(split)));
    EXPECT_EQ(crc, whole) << "split at " << split;
  }
}

// The hardware path switches between three-lane block sizes and tails; every length and alignment
// up to a few blocks of each size must agree with the table implementation.
TEST(Crc32cTest, HardwareAgreesWithPortableForAllLengthsAndAlignments) {
  if (!crc32c_internal::HardwareAvailable()) GTEST_SKIP() << "no SSE4.2/PCLMUL on this CPU";
  std::mt19937_64 rng(42);
  std::vector<uint8_t> buf(3 * 4096 * 3 + 64);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 2000; ++n) lengths.push_back(n);
  for (size_t n : {3 * 512 - 1, 3 * 512, 3 * 4096 - 8, 3 * 4096, 3 * 4096 + 7,
                   2 * 3 * 4096 + 3 * 512 + 3 * 64 + 9, 3 * 4096 * 3}) {
    lengths.push_back(n);
  }
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n : lengths) {
      if (offset + n > buf.size()) continue;
      const uint8_t* p = buf.data() + offset;
      ASSERT_EQ(crc32c_internal::ExtendHardware(0x12345678, p, n),
                crc32c_internal::ExtendPortable(0x12345678, p, n))
          << "length " << n << " offset " << offset;
    }
  }
}

TEST(Crc32cTest, DetectsSingleBitFlip) {
  std::vector<uint8_t> data(16 * 1024, 0x5A);
  const uint32_t before = Crc32c(data);
  data[9000] ^= 0x10;
  EXPECT_NE(Crc32c(data), before);
}

TEST(Crc32cTest, ReportsImplementation) { EXPECT_FALSE(Crc32cImplementation().empty()); }

}  // namespace
}  // namespace kbench::storage
