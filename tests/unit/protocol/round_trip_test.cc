// Every API at every version, requests and responses: encode -> decode -> encode gives the same
// bytes, the decoder consumes exactly what the encoder wrote, the maximum version carries every
// field, and every truncation of an encoded message is an error (never a crash or a silent
// success).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/protocol/request.h"
#include "core/protocol/response.h"
#include "tests/unit/protocol/flatten.h"
#include "tests/unit/protocol/samples.h"

namespace kbench::protocol {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::SampleRequest;
using testing::SampleResponse;

std::string Label(const ApiSupport& api, int16_t v) {
  return std::string(api.name) + " v" + std::to_string(v);
}

Bytes Wire(const Result<EncodedMessage>& msg) {
  EXPECT_TRUE(msg.ok()) << msg.status().ToString();
  if (!msg.ok()) return {};
  Result<Bytes> wire = testing::Flatten(*msg);
  EXPECT_TRUE(wire.ok());
  EXPECT_EQ(LoadBigEndian<int32_t>(wire->data()), static_cast<int32_t>(wire->size() - 4));
  return *wire;
}

Bytes EncodeRequestBytes(const ApiSupport& api, int16_t v, const RequestBody& body) {
  RequestHeader header{api.key, v, 0x01020304, "kbench-test"};
  return Wire(EncodeRequest(header, body));
}

TEST(RoundTripTest, EveryRequestAtEveryVersion) {
  for (const ApiSupport& api : SupportedApis()) {
    const RequestBody sample = SampleRequest(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      SCOPED_TRACE(Label(api, v));
      Bytes wire = EncodeRequestBytes(api, v, sample);
      ASSERT_FALSE(wire.empty());

      Reader r(testing::FrameOf(wire));
      Result<RequestHeader> header = DecodeRequestHeader(r);
      ASSERT_TRUE(header.ok()) << header.status().ToString();
      EXPECT_EQ(header->api_key, api.key);
      EXPECT_EQ(header->api_version, v);
      EXPECT_EQ(header->correlation_id, 0x01020304);
      EXPECT_EQ(header->client_id, std::optional<std::string_view>("kbench-test"));
      Result<RequestBody> body = DecodeRequestBody(*header, r);
      ASSERT_TRUE(body.ok()) << body.status().ToString();
      EXPECT_EQ(r.remaining(), 0u) << "decoder left bytes unread";
      EXPECT_EQ(ApiKeyOf(*body), api.key);

      EXPECT_EQ(EncodeRequestBytes(api, v, *body), wire) << "re-encoding changed the bytes";
      if (v == api.max_version) {
        EXPECT_TRUE(*body == sample) << "a field was lost at the max version";
      }
    }
  }
}

TEST(RoundTripTest, EveryResponseAtEveryVersion) {
  for (const ApiSupport& api : SupportedApis()) {
    const ResponseBody sample = SampleResponse(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      SCOPED_TRACE(Label(api, v));
      Bytes wire = Wire(EncodeResponse(77, v, sample));
      ASSERT_FALSE(wire.empty());

      Reader r(std::span<const uint8_t>(wire).subspan(4));
      Result<ResponseHeader> header = DecodeResponseHeader(r);
      ASSERT_TRUE(header.ok());
      EXPECT_EQ(header->correlation_id, 77);
      Result<ResponseBody> body = DecodeResponseBody(api.key, v, r);
      ASSERT_TRUE(body.ok()) << body.status().ToString();
      EXPECT_EQ(r.remaining(), 0u) << "decoder left bytes unread";

      EXPECT_EQ(Wire(EncodeResponse(77, v, *body)), wire) << "re-encoding changed the bytes";
      if (v == api.max_version) {
        EXPECT_TRUE(*body == sample) << "a field was lost at the max version";
      }
    }
  }
}

TEST(RoundTripTest, EveryTruncatedRequestIsAnError) {
  for (const ApiSupport& api : SupportedApis()) {
    const RequestBody sample = SampleRequest(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      SCOPED_TRACE(Label(api, v));
      Bytes wire = EncodeRequestBytes(api, v, sample);
      Bytes frame(wire.begin() + 4, wire.end());
      for (size_t len = 0; len < frame.size(); ++len) {
        Bytes prefix(frame.begin(), frame.begin() + len);
        Result<DecodedRequest> decoded = DecodeRequest(prefix);
        ASSERT_FALSE(decoded.ok())
            << "a " << len << "-byte prefix of " << frame.size() << " bytes decoded";
        EXPECT_EQ(decoded.status().kafka_error(), ErrorCode::kInvalidRequest);
      }
    }
  }
}

TEST(RoundTripTest, EveryTruncatedResponseIsAnError) {
  for (const ApiSupport& api : SupportedApis()) {
    const ResponseBody sample = SampleResponse(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      SCOPED_TRACE(Label(api, v));
      Bytes wire = Wire(EncodeResponse(77, v, sample));
      for (size_t len = 4; len < wire.size(); ++len) {
        Reader r(std::span<const uint8_t>(wire).subspan(4, len - 4));
        Result<ResponseHeader> header = DecodeResponseHeader(r);
        if (!header.ok()) continue;
        ASSERT_FALSE(DecodeResponseBody(api.key, v, r).ok()) << "a truncated response decoded";
      }
    }
  }
}

// Fields only old versions carry (the samples leave them at their defaults).
TEST(RoundTripTest, ListOffsetsV0CarriesMaxNumOffsetsAndOldStyleOffsets) {
  ListOffsetsRequest req;
  req.topics = {{"t", {{PartitionId(0), kListOffsetsLatest, 5}}}};
  Bytes wire = Wire(EncodeRequest(RequestHeader{ApiKey::kListOffsets, 0, 1, "c"}, req));
  Result<DecodedRequest> d = DecodeRequest(testing::FrameOf(wire));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<ListOffsetsRequest>(d->body).topics[0].partitions[0].max_num_offsets, 5);

  Bytes v1 = Wire(EncodeRequest(RequestHeader{ApiKey::kListOffsets, 1, 1, "c"}, req));
  EXPECT_EQ(v1.size() + 4, wire.size());  // v1 drops max_num_offsets (no isolation level before v2)

  ListOffsetsResponse resp;
  resp.topics = {
      {"t", {{PartitionId(0), ErrorCode::kNone, {Offset(9), Offset(3)}, -1, Offset(-1)}}}};
  Bytes rw = Wire(EncodeResponse(1, 0, resp));
  Result<DecodedResponse<ListOffsetsResponse>> rd =
      DecodeResponse<ListOffsetsResponse>(std::span<const uint8_t>(rw).subspan(4), 0);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(rd->body, resp);
}

TEST(RoundTripTest, OffsetCommitCarriesCommitTimestampInV1AndRetentionInV2To4) {
  OffsetCommitRequest req;
  req.group_id = "g";
  req.retention_time_ms = 86400000;
  req.topics = {{"t", {{PartitionId(0), Offset(5), LeaderEpoch(-1), 1700000000000, "m"}}}};
  for (int16_t v = 0; v <= 7; ++v) {
    SCOPED_TRACE(v);
    Bytes wire = Wire(EncodeRequest(RequestHeader{ApiKey::kOffsetCommit, v, 1, "c"}, req));
    Result<DecodedRequest> d = DecodeRequest(testing::FrameOf(wire));
    ASSERT_TRUE(d.ok());
    const auto& m = std::get<OffsetCommitRequest>(d->body);
    EXPECT_EQ(m.topics[0].partitions[0].commit_timestamp, v == 1 ? 1700000000000 : -1);
    EXPECT_EQ(m.retention_time_ms, v >= 2 && v <= 4 ? 86400000 : -1);
  }
}

// Spot checks that version gates sit where the specs put them.
TEST(RoundTripTest, VersionGatedFieldsTakeKafkaDefaultsBelowTheirVersion) {
  auto fetch = std::get<FetchRequest>(SampleRequest(ApiKey::kFetch));
  Bytes v4 = Wire(EncodeRequest(RequestHeader{ApiKey::kFetch, 4, 1, "c"}, fetch));
  Result<DecodedRequest> d = DecodeRequest(testing::FrameOf(v4));
  ASSERT_TRUE(d.ok());
  const auto& f = std::get<FetchRequest>(d->body);
  EXPECT_EQ(f.isolation_level, 1);                                             // v4+
  EXPECT_EQ(f.session_epoch, -1);                                              // v7+
  EXPECT_EQ(f.topics[0].partitions[0].log_start_offset, Offset(-1));           // v5+
  EXPECT_EQ(f.topics[0].partitions[0].current_leader_epoch, LeaderEpoch(-1));  // v9+
  EXPECT_EQ(f.rack_id, "");                                                    // v11+

  auto metadata = std::get<MetadataResponse>(SampleResponse(ApiKey::kMetadata));
  Bytes m6 = Wire(EncodeResponse(1, 6, metadata));
  Result<DecodedResponse<MetadataResponse>> md =
      DecodeResponse<MetadataResponse>(std::span<const uint8_t>(m6).subspan(4), 6);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->body.topics[0].partitions[0].leader_epoch, LeaderEpoch(-1));  // v7+
  EXPECT_EQ(md->body.topics[0].partitions[0].offline_replicas,
            std::vector<BrokerId>{BrokerId(2)});  // v5+
  EXPECT_EQ(md->body.cluster_id, std::optional<std::string>("kbench-cluster"));
}

TEST(RoundTripTest, MetadataV0EmptyTopicListMeansAllTopics) {
  MetadataRequest all;
  all.topics.reset();
  for (int16_t v : {0, 1, 8}) {
    Bytes wire = Wire(EncodeRequest(RequestHeader{ApiKey::kMetadata, v, 1, "c"}, all));
    Result<DecodedRequest> d = DecodeRequest(testing::FrameOf(wire));
    ASSERT_TRUE(d.ok());
    EXPECT_FALSE(std::get<MetadataRequest>(d->body).topics.has_value()) << v;
  }
  Bytes v0 = Wire(EncodeRequest(RequestHeader{ApiKey::kMetadata, 0, 1, "c"}, all));
  EXPECT_EQ(LoadBigEndian<int32_t>(v0.data() + v0.size() - 4), 0);  // empty array, not -1

  MetadataRequest none;  // an empty list: "no topics", which v0 cannot say
  EXPECT_FALSE(EncodeRequest(RequestHeader{ApiKey::kMetadata, 0, 1, "c"}, none).ok());
  EXPECT_TRUE(EncodeRequest(RequestHeader{ApiKey::kMetadata, 1, 1, "c"}, none).ok());
}

TEST(RoundTripTest, OffsetFetchNullTopicsNeedV2) {
  OffsetFetchRequest all;
  all.group_id = "g";
  all.topics.reset();
  Result<EncodedMessage> v1 = EncodeRequest(RequestHeader{ApiKey::kOffsetFetch, 1, 1, "c"}, all);
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("OffsetFetch v1 request"), std::string_view::npos);
  Bytes v2 = Wire(EncodeRequest(RequestHeader{ApiKey::kOffsetFetch, 2, 1, "c"}, all));
  Result<DecodedRequest> d = DecodeRequest(testing::FrameOf(v2));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(std::get<OffsetFetchRequest>(d->body).topics.has_value());
}

TEST(RoundTripTest, EncodeRejectsAMismatchedHeaderOrUnservedVersion) {
  EXPECT_FALSE(EncodeRequest(RequestHeader{ApiKey::kFetch, 4, 1, "c"}, ProduceRequest{}).ok());
  EXPECT_FALSE(EncodeRequest(RequestHeader{ApiKey::kProduce, 8, 1, "c"}, ProduceRequest{}).ok());
  EXPECT_FALSE(EncodeResponse(1, 12, FetchResponse{}).ok());
  EXPECT_FALSE(EncodeResponse(1, -1, FetchResponse{}).ok());
}

}  // namespace
}  // namespace kbench::protocol
