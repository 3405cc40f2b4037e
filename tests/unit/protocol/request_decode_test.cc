// Whole-frame request decoding as the broker uses it: header versions, UNSUPPORTED_VERSION for API
// keys and versions kbench does not serve, Kafka's reply to a too-new ApiVersions request, and
// malformed bodies answered with INVALID_REQUEST naming the field.
#include <gtest/gtest.h>

#include <vector>

#include "core/protocol/api_keys.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"
#include "tests/unit/protocol/flatten.h"
#include "tests/unit/protocol/samples.h"

namespace kbench::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Frame(ApiKey key, int16_t version, const Bytes& body, int32_t correlation_id = 5) {
  Writer w;
  EncodeRequestHeader(w, RequestHeader{key, version, correlation_id, "c"});
  Result<EncodedMessage> msg = std::move(w).Finish();
  Bytes frame(msg->bytes.begin() + 4, msg->bytes.end());
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

TEST(ApiKeysTest, TableMatchesWhatKbenchAdvertises) {
  struct Row {
    ApiKey key;
    int16_t min, max;
  };
  const Row expected[] = {
      {ApiKey::kProduce, 3, 7},         {ApiKey::kFetch, 4, 11},
      {ApiKey::kListOffsets, 0, 2},     {ApiKey::kMetadata, 0, 8},
      {ApiKey::kOffsetCommit, 0, 7},    {ApiKey::kOffsetFetch, 0, 5},
      {ApiKey::kFindCoordinator, 0, 2}, {ApiKey::kJoinGroup, 0, 5},
      {ApiKey::kHeartbeat, 0, 3},       {ApiKey::kLeaveGroup, 0, 1},
      {ApiKey::kSyncGroup, 0, 3},       {ApiKey::kApiVersions, 0, 2},
      {ApiKey::kCreateTopics, 0, 4},    {ApiKey::kDeleteTopics, 0, 1},
      {ApiKey::kInitProducerId, 0, 1},  {ApiKey::kOffsetForLeaderEpoch, 0, 3},
  };
  ASSERT_EQ(SupportedApis().size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const ApiSupport& api = SupportedApis()[i];
    EXPECT_EQ(api.key, expected[i].key);
    EXPECT_EQ(api.advertised_min, expected[i].min) << api.name;
    EXPECT_EQ(api.max_version, expected[i].max) << api.name;
    EXPECT_GT(api.first_flexible, api.max_version)
        << api.name << ": flexible versions are not served";
  }
  EXPECT_TRUE(IsVersionSupported(ApiKey::kProduce, 0));  // decodable although not advertised
  EXPECT_FALSE(IsVersionSupported(ApiKey::kProduce, 8));
  EXPECT_FALSE(IsVersionSupported(ApiKey::kProduce, -1));
  EXPECT_FALSE(IsVersionSupported(static_cast<ApiKey>(57), 0));
  EXPECT_EQ(ApiName(ApiKey::kOffsetForLeaderEpoch), "OffsetForLeaderEpoch");
  EXPECT_EQ(ApiName(static_cast<ApiKey>(57)), "Unknown");
}

TEST(ApiKeysTest, SupportedApiVersionsResponseListsTheTable) {
  ApiVersionsResponse r = ApiVersionsResponse::Supported();
  EXPECT_EQ(r.error_code, ErrorCode::kNone);
  ASSERT_EQ(r.api_keys.size(), SupportedApis().size());
  EXPECT_EQ(r.api_keys[0].api_key, ApiKey::kProduce);
  EXPECT_EQ(r.api_keys[0].min_version, 3);
  EXPECT_EQ(r.api_keys[0].max_version, 7);
}

TEST(RequestDecodeTest, LibrdkafkaApiVersionsV3GetsKafkasUnsupportedVersionReply) {
  std::span<const uint8_t> captured = testing::LibrdkafkaApiVersionsV3Frame();
  Bytes frame(captured.begin(), captured.end());
  Reader r{std::span<uint8_t>(frame)};
  Result<RequestHeader> header = DecodeRequestHeader(r);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->api_key, ApiKey::kApiVersions);
  EXPECT_EQ(header->api_version, 3);
  EXPECT_EQ(header->correlation_id, 1);
  EXPECT_EQ(header->client_id, std::optional<std::string_view>("rdkafka"));
  EXPECT_EQ(r.position(), 18u);  // header v2: 8 + 2 + 7 + 1 (no tagged fields)

  EXPECT_TRUE(IsUnsupportedApiVersionsRequest(*header));
  Result<RequestBody> body = DecodeRequestBody(*header, r);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().kafka_error(), ErrorCode::kUnsupportedVersion);

  Result<EncodedMessage> reply = EncodeUnsupportedApiVersionsResponse(header->correlation_id);
  ASSERT_TRUE(reply.ok());
  // size 16 | correlation 1 | error 35 | [1 entry: key 18, min 0, max 2]   (header v0, body v0)
  EXPECT_EQ(reply->bytes, (Bytes{0, 0, 0, 16, 0, 0, 0, 1, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2}));
}

TEST(RequestDecodeTest, ApiVersionsV2IsServed) {
  Bytes frame = Frame(ApiKey::kApiVersions, 2, {});
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(std::holds_alternative<ApiVersionsRequest>(d->body));
}

TEST(RequestDecodeTest, UnknownApiKeyIsUnsupportedVersionWithTheHeaderKept) {
  Bytes frame = Frame(static_cast<ApiKey>(57), 0, {1, 2, 3}, 99);
  Reader r{std::span<uint8_t>(frame)};
  Result<RequestHeader> header = DecodeRequestHeader(r);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->correlation_id, 99);
  Result<RequestBody> body = DecodeRequestBody(*header, r);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().kafka_error(), ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(body.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(body.status().message().find("API key 57"), std::string_view::npos);
  EXPECT_FALSE(IsUnsupportedApiVersionsRequest(*header));
}

TEST(RequestDecodeTest, VersionAboveTheMaximumIsUnsupportedVersion) {
  for (const ApiSupport& api : SupportedApis()) {
    Bytes frame = Frame(api.key, static_cast<int16_t>(api.max_version + 1), {0, 0, 0, 0});
    Result<DecodedRequest> d = DecodeRequest(frame);
    ASSERT_FALSE(d.ok()) << api.name;
    EXPECT_EQ(d.status().kafka_error(), ErrorCode::kUnsupportedVersion) << api.name;
  }
  Bytes frame = Frame(ApiKey::kMetadata, -1, {});
  Result<DecodedRequest> negative = DecodeRequest(frame);
  EXPECT_EQ(negative.status().kafka_error(), ErrorCode::kUnsupportedVersion);
}

TEST(RequestDecodeTest, FrameTooShortForAHeaderIsInvalidRequest) {
  Bytes frame = {0, 3, 0};
  Reader r{std::span<uint8_t>(frame)};
  Result<RequestHeader> header = DecodeRequestHeader(r);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().kafka_error(), ErrorCode::kInvalidRequest);
  EXPECT_NE(header.status().message().find("request header"), std::string_view::npos);
}

TEST(RequestDecodeTest, NullClientIdIsAllowed) {
  Writer w;
  EncodeRequestHeader(w, RequestHeader{ApiKey::kMetadata, 1, 7, std::nullopt});
  w.WriteNullArrayLength();  // all topics
  Result<EncodedMessage> msg = std::move(w).Finish();
  Result<DecodedRequest> d = DecodeRequest(std::span<uint8_t>(msg->bytes).subspan(4));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->header.client_id, std::nullopt);
  EXPECT_FALSE(std::get<MetadataRequest>(d->body).topics.has_value());
}

TEST(RequestDecodeTest, MalformedBodyIsInvalidRequestNamingTheField) {
  // Produce v3: transactional_id null, acks 1, timeout 100, one topic whose name is null.
  Bytes body = {0xff, 0xff, 0, 1, 0, 0, 0, 100, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0};
  Bytes frame = Frame(ApiKey::kProduce, 3, body);
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().kafka_error(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(
      d.status().message(),
      "Produce request v3: topic_data.name at byte 23: is null, which this field does not allow");
}

TEST(RequestDecodeTest, NullTopicArrayInMetadataV0IsInvalid) {
  Bytes frame = Frame(ApiKey::kMetadata, 0, {0xff, 0xff, 0xff, 0xff});
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().kafka_error(), ErrorCode::kInvalidRequest);
}

TEST(RequestDecodeTest, NullRecordsInProduceDecodeAsNull) {
  // Produce v3, transactional_id "", acks -1, timeout 0, [topic "t" [partition 4, records null]]
  Bytes body = {0,   0, 0xff, 0xff, 0, 0, 0, 0, 0, 0,    0,    1,    0,   1,
                't', 0, 0,    0,    1, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff};
  Bytes frame = Frame(ApiKey::kProduce, 3, body);
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const auto& p = std::get<ProduceRequest>(d->body);
  EXPECT_EQ(p.transactional_id, std::optional<std::string_view>(""));
  EXPECT_EQ(p.acks, -1);
  ASSERT_EQ(p.topics.size(), 1u);
  EXPECT_EQ(p.topics[0].partitions[0].index, PartitionId(4));
  EXPECT_TRUE(p.topics[0].partitions[0].records.is_null);
}

TEST(RequestDecodeTest, ProduceRecordsAreWritableViewsIntoTheFrame) {
  RequestBody sample = testing::SampleRequest(ApiKey::kProduce);
  Result<EncodedMessage> msg = EncodeRequest(RequestHeader{ApiKey::kProduce, 7, 1, "c"}, sample);
  ASSERT_TRUE(msg.ok());
  std::span<uint8_t> frame = std::span<uint8_t>(msg->bytes).subspan(4);
  Result<DecodedRequest> d = DecodeRequest(frame);
  ASSERT_TRUE(d.ok());
  auto& produce = std::get<ProduceRequest>(d->body);
  std::span<uint8_t> records = produce.topics[0].partitions[0].records.bytes;
  ASSERT_GE(records.size(), 61u);
  EXPECT_GE(records.data(), frame.data());
  EXPECT_LE(records.data() + records.size(), frame.data() + frame.size());
  EXPECT_EQ(records[16], 2);                      // magic
  StoreBigEndian<int64_t>(records.data(), 5000);  // assign the base offset in place
  EXPECT_EQ(LoadBigEndian<int64_t>(frame.data() + (records.data() - frame.data())), 5000);
  EXPECT_EQ(produce.topics[0].name.data() >= reinterpret_cast<const char*>(frame.data()), true);
  EXPECT_TRUE(produce.ExpectsResponse());
}

TEST(RequestDecodeTest, AcksZeroExpectsNoResponse) {
  ProduceRequest p;
  p.acks = 0;
  EXPECT_FALSE(p.ExpectsResponse());
}

}  // namespace
}  // namespace kbench::protocol
