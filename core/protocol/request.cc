#include "core/protocol/request.h"

#include <fmt/format.h>

namespace kbench::protocol {
namespace {

template <typename T>
Result<RequestBody> DecodeAs(Reader& r, int16_t version) {
  KB_ASSIGN_OR_RETURN(T m, T::Decode(r, version));
  return RequestBody(std::move(m));
}

Result<RequestBody> DecodeByKey(ApiKey key, int16_t version, Reader& r) {
  switch (key) {
    case ApiKey::kProduce:
      return DecodeAs<ProduceRequest>(r, version);
    case ApiKey::kFetch:
      return DecodeAs<FetchRequest>(r, version);
    case ApiKey::kListOffsets:
      return DecodeAs<ListOffsetsRequest>(r, version);
    case ApiKey::kMetadata:
      return DecodeAs<MetadataRequest>(r, version);
    case ApiKey::kOffsetCommit:
      return DecodeAs<OffsetCommitRequest>(r, version);
    case ApiKey::kOffsetFetch:
      return DecodeAs<OffsetFetchRequest>(r, version);
    case ApiKey::kFindCoordinator:
      return DecodeAs<FindCoordinatorRequest>(r, version);
    case ApiKey::kJoinGroup:
      return DecodeAs<JoinGroupRequest>(r, version);
    case ApiKey::kHeartbeat:
      return DecodeAs<HeartbeatRequest>(r, version);
    case ApiKey::kLeaveGroup:
      return DecodeAs<LeaveGroupRequest>(r, version);
    case ApiKey::kSyncGroup:
      return DecodeAs<SyncGroupRequest>(r, version);
    case ApiKey::kApiVersions:
      return DecodeAs<ApiVersionsRequest>(r, version);
    case ApiKey::kCreateTopics:
      return DecodeAs<CreateTopicsRequest>(r, version);
    case ApiKey::kDeleteTopics:
      return DecodeAs<DeleteTopicsRequest>(r, version);
    case ApiKey::kInitProducerId:
      return DecodeAs<InitProducerIdRequest>(r, version);
    case ApiKey::kOffsetForLeaderEpoch:
      return DecodeAs<OffsetForLeaderEpochRequest>(r, version);
  }
  return Status::Internal("unreachable: unknown API key passed the version check");
}

}  // namespace

ApiKey ApiKeyOf(const RequestBody& body) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kApiKey; }, body);
}

Result<RequestBody> DecodeRequestBody(const RequestHeader& header, Reader& r) {
  if (!IsVersionSupported(header.api_key, header.api_version)) {
    const ApiSupport* api = FindApi(header.api_key);
    if (api == nullptr) {
      return Status::Unsupported(
          fmt::format("API key {} is not served by kbench", ToWire(header.api_key)));
    }
    return Status::Unsupported(fmt::format("{} v{} is not served (kbench serves v0-{})", api->name,
                                           header.api_version, api->max_version));
  }
  return DecodeByKey(header.api_key, header.api_version, r);
}

Result<DecodedRequest> DecodeRequest(std::span<uint8_t> frame) {
  Reader r(frame);
  KB_ASSIGN_OR_RETURN(RequestHeader header, DecodeRequestHeader(r));
  KB_ASSIGN_OR_RETURN(RequestBody body, DecodeRequestBody(header, r));
  return DecodedRequest{header, std::move(body)};
}

bool IsUnsupportedApiVersionsRequest(const RequestHeader& header) {
  return header.api_key == ApiKey::kApiVersions &&
         !IsVersionSupported(ApiKey::kApiVersions, header.api_version);
}

Result<EncodedMessage> EncodeUnsupportedApiVersionsResponse(int32_t correlation_id,
                                                            std::vector<uint8_t> buffer) {
  Writer w(std::move(buffer));
  EncodeResponseHeader(w, ResponseHeader{correlation_id});
  ApiVersionsResponse::UnsupportedVersion().Encode(w, /*version=*/0);
  return std::move(w).Finish();
}

Result<EncodedMessage> EncodeRequest(const RequestHeader& header, const RequestBody& body,
                                     std::vector<uint8_t> buffer) {
  return std::visit([&](const auto& m) { return EncodeRequest(header, m, std::move(buffer)); },
                    body);
}

}  // namespace kbench::protocol
