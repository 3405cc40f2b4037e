#include "core/protocol/response.h"

#include <fmt/format.h>

namespace kbench::protocol {
namespace {

template <typename T>
Result<ResponseBody> DecodeAs(Reader& r, int16_t version) {
  KB_ASSIGN_OR_RETURN(T m, T::Decode(r, version));
  return ResponseBody(std::move(m));
}

}  // namespace

ApiKey ApiKeyOf(const ResponseBody& body) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kApiKey; }, body);
}

Result<EncodedMessage> EncodeResponse(int32_t correlation_id, int16_t version,
                                      const ResponseBody& body, std::vector<uint8_t> buffer) {
  return std::visit(
      [&](const auto& m) { return EncodeResponse(correlation_id, version, m, std::move(buffer)); },
      body);
}

Result<ResponseBody> DecodeResponseBody(ApiKey key, int16_t version, Reader& r) {
  if (!IsVersionSupported(key, version)) {
    return Status::Unsupported(
        fmt::format("{} v{} responses are not decoded by kbench", ApiName(key), version));
  }
  switch (key) {
    case ApiKey::kProduce:
      return DecodeAs<ProduceResponse>(r, version);
    case ApiKey::kFetch:
      return DecodeAs<FetchResponse>(r, version);
    case ApiKey::kListOffsets:
      return DecodeAs<ListOffsetsResponse>(r, version);
    case ApiKey::kMetadata:
      return DecodeAs<MetadataResponse>(r, version);
    case ApiKey::kOffsetCommit:
      return DecodeAs<OffsetCommitResponse>(r, version);
    case ApiKey::kOffsetFetch:
      return DecodeAs<OffsetFetchResponse>(r, version);
    case ApiKey::kFindCoordinator:
      return DecodeAs<FindCoordinatorResponse>(r, version);
    case ApiKey::kJoinGroup:
      return DecodeAs<JoinGroupResponse>(r, version);
    case ApiKey::kHeartbeat:
      return DecodeAs<HeartbeatResponse>(r, version);
    case ApiKey::kLeaveGroup:
      return DecodeAs<LeaveGroupResponse>(r, version);
    case ApiKey::kSyncGroup:
      return DecodeAs<SyncGroupResponse>(r, version);
    case ApiKey::kApiVersions:
      return DecodeAs<ApiVersionsResponse>(r, version);
    case ApiKey::kCreateTopics:
      return DecodeAs<CreateTopicsResponse>(r, version);
    case ApiKey::kDeleteTopics:
      return DecodeAs<DeleteTopicsResponse>(r, version);
    case ApiKey::kInitProducerId:
      return DecodeAs<InitProducerIdResponse>(r, version);
    case ApiKey::kOffsetForLeaderEpoch:
      return DecodeAs<OffsetForLeaderEpochResponse>(r, version);
  }
  return Status::Internal("unreachable: unknown API key passed the version check");
}

}  // namespace kbench::protocol
