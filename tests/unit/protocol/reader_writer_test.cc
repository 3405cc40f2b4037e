// Primitives: fixed-width integers, zigzag varints, strings, bytes, arrays, nulls, the sticky error
// and the writer's size prefix and splices.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/protocol/reader.h"
#include "core/protocol/writer.h"
#include "tests/unit/protocol/flatten.h"

namespace kbench::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

// The body bytes (after the size prefix) of what `write` writes.
template <typename F>
Bytes Encode(F&& write) {
  Writer w;
  write(w);
  Result<EncodedMessage> msg = std::move(w).Finish();
  EXPECT_TRUE(msg.ok()) << msg.status().ToString();
  return Bytes(msg->bytes.begin() + 4, msg->bytes.end());
}

TEST(WriterTest, FixedWidthIntegersAreBigEndian) {
  Bytes b = Encode([](Writer& w) {
    w.WriteInt8(-2);
    w.WriteInt16(0x0102);
    w.WriteInt32(-1);
    w.WriteInt64(0x0102030405060708);
    w.WriteUint32(0xfffffffe);
    w.WriteBool(true);
  });
  EXPECT_EQ(b, (Bytes{0xfe, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03,
                      0x04, 0x05, 0x06, 0x07, 0x08, 0xff, 0xff, 0xff, 0xfe, 0x01}));
  Reader r{std::span<const uint8_t>(b)};
  EXPECT_EQ(r.ReadInt8("a"), -2);
  EXPECT_EQ(r.ReadInt16("b"), 0x0102);
  EXPECT_EQ(r.ReadInt32("c"), -1);
  EXPECT_EQ(r.ReadInt64("d"), 0x0102030405060708);
  EXPECT_EQ(r.ReadUint32("e"), 0xfffffffeu);
  EXPECT_TRUE(r.ReadBool("f"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WriterTest, SizePrefixCountsEverythingAfterIt) {
  Writer w;
  w.WriteInt32(7);
  w.WriteString("s", "abc");
  Result<EncodedMessage> msg = std::move(w).Finish();
  ASSERT_TRUE(msg.ok());
  ASSERT_EQ(msg->bytes.size(), 4u + 4 + 2 + 3);
  EXPECT_EQ(LoadBigEndian<int32_t>(msg->bytes.data()), 9);
  EXPECT_EQ(msg->WireSize(), 13);
}

struct VarintCase {
  int32_t value;
  Bytes wire;
};

TEST(VarintTest, ZigzagEncodingMatchesKafka) {
  // Kafka's ByteUtils.writeVarint: zigzag, then 7 bits per byte, low group first.
  const VarintCase cases[] = {
      {0, {0x00}},
      {-1, {0x01}},
      {1, {0x02}},
      {63, {0x7e}},
      {-64, {0x7f}},
      {64, {0x80, 0x01}},
      {-65, {0x81, 0x01}},
      {std::numeric_limits<int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
      {std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}},
  };
  for (const VarintCase& c : cases) {
    Bytes b = Encode([&](Writer& w) { w.WriteVarint(c.value); });
    EXPECT_EQ(b, c.wire) << c.value;
    Reader r(std::span<const uint8_t>(c.wire));
    EXPECT_EQ(r.ReadVarint("v"), c.value);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(VarintTest, VarlongRoundTripsExtremes) {
  const int64_t values[] = {0,
                            -1,
                            1,
                            1LL << 40,
                            -(1LL << 40),
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};
  for (int64_t v : values) {
    Bytes b = Encode([&](Writer& w) { w.WriteVarlong(v); });
    Reader r{std::span<const uint8_t>(b)};
    EXPECT_EQ(r.ReadVarlong("v"), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  Bytes min = Encode([](Writer& w) { w.WriteVarlong(std::numeric_limits<int64_t>::min()); });
  EXPECT_EQ(min, (Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(VarintTest, OverlongVarintIsAnError) {
  Bytes six = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader r{std::span<const uint8_t>(six)};
  EXPECT_EQ(r.ReadVarint("count"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("count at byte 0: varint longer than 5 bytes"),
            std::string_view::npos)
      << r.status().ToString();

  Bytes eleven(10, 0x80);
  eleven.push_back(0);
  Reader r2{std::span<const uint8_t>(eleven)};
  r2.ReadVarlong("delta");
  EXPECT_FALSE(r2.ok());
}

TEST(VarintTest, TruncatedVarintIsAnError) {
  Bytes b = {0x80};
  Reader r{std::span<const uint8_t>(b)};
  r.ReadVarint("len");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kafka_error(), ErrorCode::kInvalidRequest);
}

TEST(StringTest, NullableStringDistinguishesNullFromEmpty) {
  Bytes b = Encode([](Writer& w) {
    w.WriteNullableString("a", std::nullopt);
    w.WriteNullableString("b", std::optional<std::string_view>(""));
    w.WriteNullableString("c", std::optional<std::string>("xy"));
  });
  EXPECT_EQ(b, (Bytes{0xff, 0xff, 0x00, 0x00, 0x00, 0x02, 'x', 'y'}));
  Reader r{std::span<const uint8_t>(b)};
  EXPECT_EQ(r.ReadNullableString("a"), std::nullopt);
  EXPECT_EQ(r.ReadNullableString("b"), std::optional<std::string>(""));
  EXPECT_EQ(r.ReadNullableStringView("c"), std::optional<std::string_view>("xy"));
  EXPECT_TRUE(r.ok());
}

TEST(StringTest, NullInANonNullableStringIsAnErrorNamingTheField) {
  Bytes b = {0x00, 0x01, 0xff, 0xff};
  Reader r{std::span<const uint8_t>(b)};
  r.ReadInt16("api_key");
  EXPECT_EQ(r.ReadString("topics.name"), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "topics.name at byte 2: is null, which this field does not allow");
}

TEST(StringTest, LengthPastTheEndAndNegativeLengthsAreErrors) {
  Bytes past = {0x00, 0x05, 'a', 'b'};
  Reader r{std::span<const uint8_t>(past)};
  r.ReadStringView("client_id");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("length 5 runs past the end (2 bytes left)"),
            std::string_view::npos);

  Bytes negative = {0xff, 0xfe};
  Reader r2{std::span<const uint8_t>(negative)};
  r2.ReadNullableStringView("client_id");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("invalid length -2"), std::string_view::npos);
}

TEST(StringTest, WriterRejectsStringsLongerThanInt16) {
  Writer w;
  w.WriteString("topics.name", std::string(40000, 'x'));
  Result<EncodedMessage> msg = std::move(w).Finish();
  ASSERT_FALSE(msg.ok());
  EXPECT_NE(msg.status().message().find("topics.name"), std::string_view::npos);
}

TEST(BytesTest, NullableBytesAndViews) {
  Bytes payload = {1, 2, 3};
  Bytes b = Encode([&](Writer& w) {
    w.WriteNullableBytes("a", std::nullopt);
    w.WriteBytes("b", payload);
  });
  EXPECT_EQ(b, (Bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 1, 2, 3}));
  Reader r{std::span<const uint8_t>(b)};
  EXPECT_EQ(r.ReadNullableBytesView("a"), std::nullopt);
  std::span<const uint8_t> view = r.ReadBytesView("b");
  EXPECT_EQ(view.data(), b.data() + 8);  // a view, not a copy
  EXPECT_EQ(Bytes(view.begin(), view.end()), payload);
}

TEST(BytesTest, MutableViewsNeedAWritableBuffer) {
  Bytes b = {0, 0, 0, 2, 7, 8};
  Reader read_only{std::span<const uint8_t>(b)};
  EXPECT_EQ(read_only.ReadNullableMutableBytes("records"), std::nullopt);
  EXPECT_FALSE(read_only.ok());

  Reader writable{std::span<uint8_t>(b)};
  std::optional<std::span<uint8_t>> records = writable.ReadNullableMutableBytes("records");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 2u);
  (*records)[0] = 42;  // the broker rewrites base offsets like this
  EXPECT_EQ(b[4], 42);
}

TEST(ArrayTest, NullArraysOnlyWhereNullable) {
  Bytes b = {0xff, 0xff, 0xff, 0xff};
  std::optional<std::vector<std::string>> out = std::vector<std::string>{"x"};
  Reader r{std::span<const uint8_t>(b)};
  r.ReadNullableArray("topics", 2, out, [&](std::string& s) { s = r.ReadString("topics"); });
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(out.has_value());

  std::vector<int32_t> ints;
  Reader r2{std::span<const uint8_t>(b)};
  r2.ReadIntArray("replica_nodes", ints);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("null array"), std::string_view::npos);
}

TEST(ArrayTest, CountThatCannotFitIsRejectedBeforeAllocating) {
  // 2^31-1 int32 elements announced in an 8-byte buffer: must fail without reserving 8 GiB.
  Bytes b = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
  std::vector<int32_t> ints;
  Reader r{std::span<const uint8_t>(b)};
  r.ReadIntArray("isr_nodes", ints);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(ints.empty());
  EXPECT_EQ(ints.capacity(), 0u);
  EXPECT_NE(r.status().message().find("cannot fit"), std::string_view::npos);

  Bytes negative = {0xff, 0xff, 0xff, 0xfe};
  Reader r2{std::span<const uint8_t>(negative)};
  r2.ReadIntArray("isr_nodes", ints);
  EXPECT_FALSE(r2.ok());
}

TEST(ReaderTest, ErrorIsStickyAndLaterReadsConsumeNothing) {
  Bytes b = {0x00, 0x01, 0x02};
  Reader r{std::span<const uint8_t>(b)};
  EXPECT_EQ(r.ReadInt32("correlation_id"), 0);
  ASSERT_FALSE(r.ok());
  std::string first(r.status().message());
  EXPECT_EQ(first, "correlation_id at byte 0: needs 4 bytes, 3 left");
  EXPECT_EQ(r.ReadInt8("next"), 0);
  EXPECT_EQ(r.ReadString("name"), "");
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(r.status().message(), first);  // the first error wins
}

TEST(ReaderTest, FinishPrefixesTheMessageAndVersion) {
  Bytes b = {0x00};
  Reader r{std::span<const uint8_t>(b)};
  r.ReadInt16("acks");
  Result<int> out = r.Finish(1, "Produce request", 7);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "Produce request v7: acks at byte 0: needs 2 bytes, 1 left");
  EXPECT_EQ(out.status().kafka_error(), ErrorCode::kInvalidRequest);
}

TEST(ReaderTest, SkipsTaggedFields) {
  // two tagged fields: tag 0 size 2, tag 5 size 0; then an int8
  Bytes b = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x00, 0x09};
  Reader r{std::span<const uint8_t>(b)};
  r.SkipTaggedFields("tags");
  EXPECT_EQ(r.ReadInt8("after"), 9);
  EXPECT_TRUE(r.ok());
}

class TempFile {
 public:
  explicit TempFile(const Bytes& contents) {
    char path[] = "/tmp/kbench_protocol_XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    path_ = path;
    EXPECT_EQ(::write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    handle_ = std::make_shared<FileHandle>(fd, path_);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  std::shared_ptr<const FileHandle> handle() const { return handle_; }

 private:
  std::string path_;
  std::shared_ptr<FileHandle> handle_;
};

TEST(WriterTest, SplicedBytesRecordTheSliceWhereItsDataGoes) {
  TempFile file(Bytes{10, 11, 12, 13, 14, 15, 16, 17});
  Writer w;
  w.WriteInt16(1);
  w.WriteSplicedBytes("records", FileSlice{file.handle(), 2, 4});
  w.WriteInt16(2);
  w.WriteSplicedBytes("records", FileSlice{file.handle(), 0, 1});
  w.WriteSplicedBytes("records", FileSlice{});  // empty: a zero length, no splice
  Result<EncodedMessage> msg = std::move(w).Finish();
  ASSERT_TRUE(msg.ok());
  ASSERT_EQ(msg->splices.size(), 2u);
  EXPECT_EQ(msg->splices[0].at, 4u + 2 + 4);
  EXPECT_EQ(msg->splices[1].at, 4u + 2 + 4 + 2 + 4);
  EXPECT_EQ(msg->WireSize(), static_cast<int64_t>(msg->bytes.size()) + 5);
  EXPECT_EQ(LoadBigEndian<int32_t>(msg->bytes.data()), msg->WireSize() - 4);

  Result<Bytes> wire = testing::Flatten(*msg);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, (Bytes{0,  0, 0, 21, 0, 1, 0, 0,  0, 4, 12, 13, 14,
                          15, 0, 2, 0,  0, 0, 1, 10, 0, 0, 0,  0}));
}

TEST(WriterTest, ReusesTheBufferItIsGiven) {
  Bytes buffer;
  buffer.reserve(4096);
  const uint8_t* storage = buffer.data();
  buffer.push_back(99);  // stale content is discarded
  Writer w(std::move(buffer));
  w.WriteInt32(5);
  Result<EncodedMessage> msg = std::move(w).Finish();
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->bytes.data(), storage);
  EXPECT_EQ(msg->bytes, (Bytes{0, 0, 0, 4, 0, 0, 0, 5}));
}

}  // namespace
}  // namespace kbench::protocol
