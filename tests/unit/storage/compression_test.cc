#include "core/storage/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <random>

#include "core/base/byte_order.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_builder.h"

namespace kbench::storage {
namespace {

constexpr Compression kCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                   Compression::kZstd};

std::vector<uint8_t> Payload(size_t n) {
  std::mt19937 rng(7);
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i % 97 < 60 ? 'a' + i % 13 : rng());
  return out;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsThroughTheRealLibrary) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{70'000}, size_t{300'000}}) {
    const auto input = Payload(n);
    std::vector<uint8_t> compressed, back;
    ASSERT_TRUE(Compress(GetParam(), input, &compressed).ok());
    Status s = Decompress(GetParam(), compressed, 1 << 20, &back);
    ASSERT_TRUE(s.ok()) << CompressionName(GetParam()) << " n=" << n << ": " << s.ToString();
    EXPECT_EQ(back, input) << CompressionName(GetParam()) << " n=" << n;
    if (n == 300'000) {
      EXPECT_LT(compressed.size(), input.size());
    }
  }
}

TEST_P(CodecTest, CompressedBatchRoundTripsRecords) {
  RecordBatchBuilder b({.compression = GetParam()});
  for (int i = 0; i < 500; ++i)
    b.Add(1000 + i, "key-" + std::to_string(i % 10), std::string(100, 'a' + i % 26));
  auto batch = *b.Build();
  EXPECT_LT(batch.size(), b.records_bytes());
  auto v = ValidateRecords(batch, {});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->batches()[0].header.compression(), GetParam());
  auto records = DecodeRecords(batch);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 500u);
  EXPECT_EQ((*records)[499].key, "key-9");
  EXPECT_EQ((*records)[499].value, std::string(100, 'a' + 499 % 26));
  EXPECT_EQ((*records)[499].timestamp, 1499);
}

TEST_P(CodecTest, GarbageStreamIsInvalidRecord) {
  RecordBatchBuilder b({.compression = GetParam()});
  for (int i = 0; i < 50; ++i) b.Add(1, "k", std::string(200, 'z'));
  auto batch = *b.Build();
  // Damage the compressed stream, then fix the CRC so the decoder (not the CRC) must catch it.
  for (size_t i = batch_format::kRecordsPos + 4; i < batch.size(); i += 5) batch[i] ^= 0x5A;
  StoreBigEndian<uint32_t>(batch.data() + batch_format::kCrcPos, ComputeBatchCrc(batch));
  Status s = ValidateRecords(batch, {}).status();
  EXPECT_EQ(s.kafka_error(), ErrorCode::kInvalidRecord)
      << CompressionName(GetParam()) << ": " << s.ToString();
}

TEST_P(CodecTest, DecompressionLimitStopsInflationBombs) {
  const std::vector<uint8_t> zeros(4 << 20, 0);
  std::vector<uint8_t> compressed, back;
  ASSERT_TRUE(Compress(GetParam(), zeros, &compressed).ok());
  Status s = Decompress(GetParam(), compressed, 1 << 20, &back);
  EXPECT_EQ(s.kafka_error(), ErrorCode::kInvalidRecord) << s.ToString();
}

TEST_P(CodecTest, OutputExactlyAtTheLimitIsAccepted) {
  for (size_t n : {size_t{1}, size_t{65'536}, size_t{100'000}}) {
    const auto input = Payload(n);
    std::vector<uint8_t> compressed, back(7, 0xEE);  // a reused, non-empty output buffer
    ASSERT_TRUE(Compress(GetParam(), input, &compressed).ok());
    Status s = Decompress(GetParam(), compressed, n, &back);
    ASSERT_TRUE(s.ok()) << CompressionName(GetParam()) << " n=" << n << ": " << s.ToString();
    EXPECT_EQ(back, input);
    EXPECT_FALSE(Decompress(GetParam(), compressed, n - 1, &back).ok());
  }
}

TEST_P(CodecTest, TruncatedStreamIsRejected) {
  const auto input = Payload(100'000);
  std::vector<uint8_t> compressed, back;
  ASSERT_TRUE(Compress(GetParam(), input, &compressed).ok());
  compressed.resize(compressed.size() / 2);
  EXPECT_FALSE(Decompress(GetParam(), compressed, 1 << 20, &back).ok());
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, ::testing::ValuesIn(kCodecs),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(SnappyTest, WritesXerialFramingAndReadsRawSnappyToo) {
  const auto input = Payload(100'000);
  std::vector<uint8_t> xerial;
  ASSERT_TRUE(Compress(Compression::kSnappy, input, &xerial).ok());
  const uint8_t magic[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(xerial.size(), sizeof(magic));
  EXPECT_TRUE(std::equal(std::begin(magic), std::end(magic), xerial.begin()));

  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &raw);
  std::vector<uint8_t> back;
  ASSERT_TRUE(Decompress(Compression::kSnappy,
                         {reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}, 1 << 20, &back)
                  .ok());
  EXPECT_EQ(back, input);
}

TEST(Lz4Test, WritesKafkaFrameHeader) {
  std::vector<uint8_t> out;
  ASSERT_TRUE(Compress(Compression::kLz4, Payload(1000), &out).ok());
  ASSERT_GE(out.size(), 7u);
  // Frame magic 0x184D2204 (little-endian), FLG: version 01, independent blocks, no checksums or
  // size; BD: 64 KiB maximum block size. KafkaLZ4BlockOutputStream writes the same.
  EXPECT_EQ(out[0], 0x04);
  EXPECT_EQ(out[1], 0x22);
  EXPECT_EQ(out[2], 0x4D);
  EXPECT_EQ(out[3], 0x18);
  EXPECT_EQ(out[4], 0x60);
  EXPECT_EQ(out[5], 0x40);
}

TEST(GzipTest, WritesGzipMember) {
  std::vector<uint8_t> out;
  ASSERT_TRUE(Compress(Compression::kGzip, Payload(1000), &out).ok());
  EXPECT_EQ(out[0], 0x1f);
  EXPECT_EQ(out[1], 0x8b);
}

TEST(CompressionNameTest, ParsesKafkaNames) {
  EXPECT_EQ(*ParseCompression("zstd"), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("brotli").ok());
}

}  // namespace
}  // namespace kbench::storage
