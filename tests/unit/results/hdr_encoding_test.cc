#include "results/hdr_encoding.h"

#include <gtest/gtest.h>

#include <random>

#include "results/base64.h"

namespace kbench::results {
namespace {

void ExpectSameCounts(const HdrHistogram& a, const HdrHistogram& b) {
  ASSERT_EQ(a.TotalCount(), b.TotalCount());
  ASSERT_EQ(a.lowest(), b.lowest());
  ASSERT_EQ(a.highest(), b.highest());
  ASSERT_EQ(a.significant_digits(), b.significant_digits());
  for (int32_t i = 0; i < a.counts_length(); ++i)
    ASSERT_EQ(a.CountAtIndex(i), b.CountAtIndex(i)) << i;
}

TEST(HdrEncoding, CompressedRoundTripKeepsEveryCount) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(13.0, 2.0);
  HdrHistogram h;
  for (int i = 0; i < 100'000; ++i) h.Record(static_cast<int64_t>(dist(rng)));
  auto decoded = DecodeHdrV2Base64(EncodeHdrV2Base64(h));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameCounts(h, *decoded);
  EXPECT_EQ(decoded->ValueAtPercentile(99.9), h.ValueAtPercentile(99.9));
  EXPECT_TRUE(decoded->ValuesAreEquivalent(decoded->Max(), h.Max()));
}

TEST(HdrEncoding, HugeCountsUseTheNineByteVarint) {
  HdrHistogram h;
  h.RecordN(5, int64_t{1} << 60);  // zigzag needs all 64 bits: exercises the 9th byte
  h.RecordN(1'000'000, 3);
  auto decoded =
      DecodeHdrV2Compressed(EncodeHdrV2Compressed(h).data(), EncodeHdrV2Compressed(h).size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameCounts(h, *decoded);
}

TEST(HdrEncoding, EmptyHistogramRoundTrips) {
  HdrHistogram h;
  auto decoded = DecodeHdrV2Base64(EncodeHdrV2Base64(h));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(HdrEncoding, HeaderCarriesCookieAndLayout) {
  HdrHistogram h;
  h.Record(1);
  const std::vector<uint8_t> raw = EncodeHdrV2(h);
  ASSERT_GE(raw.size(), kHdrV2HeaderSize);
  EXPECT_EQ(raw[0], 0x1c);
  EXPECT_EQ(raw[3], 0x13);
  EXPECT_EQ(raw[15], 3);  // significant digits, big-endian int32
}

TEST(HdrEncoding, RunsOfZerosAreEncodedAsOneNegativeVarint) {
  HdrHistogram h;
  h.Record(0);
  h.Record(2000);  // 1,999 empty counters between the two
  const std::vector<uint8_t> raw = EncodeHdrV2(h);
  // count 1 (1 byte), zero run -1999 (2 bytes), count 1 (1 byte)
  EXPECT_EQ(raw.size(), kHdrV2HeaderSize + 4);
}

TEST(HdrEncoding, RefusesCorruptInput) {
  HdrHistogram h;
  h.Record(12345);
  std::vector<uint8_t> bytes = EncodeHdrV2Compressed(h);
  std::vector<uint8_t> bad_cookie = bytes;
  bad_cookie[0] ^= 0xff;
  EXPECT_EQ(DecodeHdrV2Compressed(bad_cookie.data(), bad_cookie.size()).status().code(),
            StatusCode::kCorruption);
  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 5);
  EXPECT_FALSE(DecodeHdrV2Compressed(truncated.data(), truncated.size()).ok());
  std::vector<uint8_t> garbage = bytes;
  for (size_t i = 10; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 31);
  EXPECT_FALSE(DecodeHdrV2Compressed(garbage.data(), garbage.size()).ok());
  EXPECT_FALSE(DecodeHdrV2Base64("not*base64!").ok());
  const std::vector<uint8_t> raw = EncodeHdrV2(h);
  EXPECT_FALSE(DecodeHdrV2(raw.data(), 20).ok());
}

TEST(HdrEncoding, RefusesCountsBeyondTheLayout) {
  HdrHistogram h;
  h.Record(1);
  std::vector<uint8_t> raw = EncodeHdrV2(h);
  // Replace the payload with a zero run far past the counters, then a count.
  raw.resize(kHdrV2HeaderSize);
  const uint8_t run[] = {0xff, 0xff, 0x7f, 0x02};  // zigzag(-1048576) ... then count 1
  raw.insert(raw.end(), run, run + sizeof(run));
  raw[7] = sizeof(run);
  EXPECT_EQ(DecodeHdrV2(raw.data(), raw.size()).status().code(), StatusCode::kCorruption);
}

TEST(Base64, RoundTripsEveryLength) {
  std::vector<uint8_t> data;
  for (int n = 0; n < 40; ++n) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<uint8_t>(n * 37 + 1));
  }
  EXPECT_EQ(Base64Encode(reinterpret_cast<const uint8_t*>("foobar"), 6), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(reinterpret_cast<const uint8_t*>("fo"), 2), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm8").ok());
  EXPECT_FALSE(Base64Decode("Z=8=").ok());
}

}  // namespace
}  // namespace kbench::results
