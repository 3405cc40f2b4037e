// Golden bytes written by hand from apache/kafka 3.4.0's message definitions (ProduceRequest.json,
// ProduceResponse.json, FetchRequest.json, FetchResponse.json), field by field, independent of the
// encoders: decoding them must give the named values and encoding those values must give the bytes
// back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/protocol/request.h"
#include "core/protocol/response.h"
#include "tests/unit/protocol/flatten.h"

namespace kbench::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A size prefix of `size` followed by `frame` (size defaults to the frame's own length).
Bytes WithSizePrefix(const Bytes& frame, int32_t size = -1) {
  Bytes out(4 + frame.size());
  StoreBigEndian<int32_t>(out.data(), size >= 0 ? size : static_cast<int32_t>(frame.size()));
  std::copy(frame.begin(), frame.end(), out.begin() + 4);
  return out;
}

const Bytes kRecords = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};

// Produce v3 from a client "kcat": header v1 | transactional_id null | acks -1 | timeout_ms 30000
// | topic_data [ "orders" [ index 2 | records (6 bytes) ] ]
const Bytes kProduceV3 = Cat({
    {0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x04, 'k', 'c', 'a', 't'},  // header
    {0xff, 0xff},                                                                      // txn id
    {0xff, 0xff},                                                                      // acks
    {0x00, 0x00, 0x75, 0x30},                                                          // timeout
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'},                // topic
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02},  // partition 2
    {0x00, 0x00, 0x00, 0x06},
    kRecords,
});

TEST(GoldenBytesTest, ProduceV3Request) {
  Bytes frame = kProduceV3;
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->header, (RequestHeader{ApiKey::kProduce, 3, 42, "kcat"}));
  const auto& p = std::get<ProduceRequest>(d->body);
  EXPECT_EQ(p.transactional_id, std::nullopt);
  EXPECT_EQ(p.acks, -1);
  EXPECT_EQ(p.timeout_ms, 30000);
  ASSERT_EQ(p.topics.size(), 1u);
  EXPECT_EQ(p.topics[0].name, "orders");
  ASSERT_EQ(p.topics[0].partitions.size(), 1u);
  EXPECT_EQ(p.topics[0].partitions[0].index, PartitionId(2));
  std::span<uint8_t> records = p.topics[0].partitions[0].records.bytes;
  EXPECT_EQ(Bytes(records.begin(), records.end()), kRecords);

  ProduceRequest expected;
  expected.acks = -1;
  expected.timeout_ms = 30000;
  Bytes records_copy = kRecords;
  expected.topics = {{"orders", {{PartitionId(2), {records_copy, false}}}}};
  Result<EncodedMessage> msg =
      EncodeRequest(RequestHeader{ApiKey::kProduce, 3, 42, "kcat"}, expected);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->bytes, WithSizePrefix(kProduceV3));
}

TEST(GoldenBytesTest, ProduceV7Response) {
  // header v0 | responses [ "orders" [ index 2 | error 0 | base_offset 1000 | log_append_time -1
  // | log_start_offset 0 ] ] | throttle_time_ms 0
  Bytes frame = Cat({
      {0x00, 0x00, 0x00, 0x2a},
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'},
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8},
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x00, 0x00, 0x00, 0x00},
  });
  ProduceResponse resp;
  resp.topics = {{"orders", {{PartitionId(2), ErrorCode::kNone, Offset(1000), -1, Offset(0)}}}};
  Result<EncodedMessage> msg = EncodeResponse(42, 7, resp);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->bytes, WithSizePrefix(frame));
  Result<DecodedResponse<ProduceResponse>> d = DecodeResponse<ProduceResponse>(frame, 7);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->header.correlation_id, 42);
  EXPECT_EQ(d->body, resp);
}

// Fetch v4 from a consumer "rdkafka": header v1 | replica_id -1 | max_wait_ms 500 | min_bytes 1
// | max_bytes 52428800 | isolation_level 0 | topics [ "orders" [ partition 0 | fetch_offset 100
// | partition_max_bytes 1048576 ] ]
const Bytes kFetchV4 = Cat({
    {0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a'},
    {0xff, 0xff, 0xff, 0xff},
    {0x00, 0x00, 0x01, 0xf4},
    {0x00, 0x00, 0x00, 0x01},
    {0x03, 0x20, 0x00, 0x00},
    {0x00},
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'},
    {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64},
    {0x00, 0x10, 0x00, 0x00},
});

TEST(GoldenBytesTest, FetchV4Request) {
  Bytes frame = kFetchV4;
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->header, (RequestHeader{ApiKey::kFetch, 4, 7, "rdkafka"}));
  FetchRequest expected;
  expected.replica_id = kConsumerReplicaId;
  expected.max_wait_ms = 500;
  expected.min_bytes = 1;
  expected.max_bytes = 52428800;
  expected.isolation_level = 0;
  expected.topics = {
      {"orders", {{PartitionId(0), LeaderEpoch(-1), Offset(100), Offset(-1), 1048576}}}};
  EXPECT_EQ(std::get<FetchRequest>(d->body), expected);
  Result<EncodedMessage> msg = EncodeRequest(d->header, expected);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->bytes, WithSizePrefix(kFetchV4));
}

TEST(GoldenBytesTest, FetchV4ResponseSplicesRecordsFromTheSegmentFile) {
  char path[] = "/tmp/kbench_golden_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  Bytes segment = {0x11, 0x22, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x33};
  ASSERT_EQ(::write(fd, segment.data(), segment.size()), static_cast<ssize_t>(segment.size()));
  auto file = std::make_shared<FileHandle>(fd, path);
  ::unlink(path);  // the slice keeps the file readable, as after retention deletes a segment

  FetchResponse resp;
  FetchResponse::Partition p;
  p.partition_index = PartitionId(0);
  p.high_watermark = Offset(120);
  p.last_stable_offset = Offset(120);
  p.records = FetchRecords::Slice(FileSlice{file, 2, 6});
  resp.topics = {{"orders", {p}}};
  Result<EncodedMessage> msg = EncodeResponse(7, 4, resp);
  ASSERT_TRUE(msg.ok());

  // header v0 | throttle 0 | responses [ "orders" [ partition 0 | error 0 | hw 120 | lso 120
  // | aborted_transactions null | records (6 bytes from the file) ] ]
  Bytes owned = Cat({
      {0x00, 0x00, 0x00, 0x07},
      {0x00, 0x00, 0x00, 0x00},
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 'o', 'r', 'd', 'e', 'r', 's'},
      {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78},
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78},
      {0xff, 0xff, 0xff, 0xff},
      {0x00, 0x00, 0x00, 0x06},
  });
  Bytes owned_with_prefix = WithSizePrefix(owned, static_cast<int32_t>(owned.size() + 6));
  EXPECT_EQ(msg->bytes, owned_with_prefix);  // the records are not copied...
  ASSERT_EQ(msg->splices.size(), 1u);
  EXPECT_EQ(msg->splices[0].at, owned_with_prefix.size());  // ...they are spliced at the end
  EXPECT_EQ(msg->WireSize(), static_cast<int64_t>(owned_with_prefix.size() + 6));

  Result<Bytes> wire = testing::Flatten(*msg);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, WithSizePrefix(Cat({owned, kRecords})));

  Result<DecodedResponse<FetchResponse>> d =
      DecodeResponse<FetchResponse>(std::span<const uint8_t>(*wire).subspan(4), 4);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const FetchResponse::Partition& got = d->body.topics[0].partitions[0];
  EXPECT_EQ(got.high_watermark, Offset(120));
  EXPECT_FALSE(got.aborted_transactions.has_value());
  EXPECT_EQ(Bytes(got.records.bytes().begin(), got.records.bytes().end()), kRecords);
  EXPECT_EQ(d->body.RecordBytes(), 6);
}

}  // namespace
}  // namespace kbench::protocol
