// Encoding responses (broker side) and decoding them (client side: the replica fetcher, tests).
//
//   Result<EncodedMessage> msg = EncodeResponse(header.correlation_id, header.api_version,
//   fetch_response,
//                                               std::move(recycled_buffer));
//
// Every response kbench serves uses response header v0 (the correlation id). A Fetch response whose
// records are FileSlices comes out with Splices (see encoded_message.h); everything else is owned
// bytes. Decoded responses may point into the frame (Fetch records): keep it alive while they are
// used. Thread safety: stateless functions; call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/api_versions.h"
#include "core/protocol/create_topics.h"
#include "core/protocol/delete_topics.h"
#include "core/protocol/encoded_message.h"
#include "core/protocol/fetch.h"
#include "core/protocol/find_coordinator.h"
#include "core/protocol/heartbeat.h"
#include "core/protocol/init_producer_id.h"
#include "core/protocol/join_group.h"
#include "core/protocol/leave_group.h"
#include "core/protocol/list_offsets.h"
#include "core/protocol/metadata.h"
#include "core/protocol/offset_commit.h"
#include "core/protocol/offset_fetch.h"
#include "core/protocol/offset_for_leader_epoch.h"
#include "core/protocol/produce.h"
#include "core/protocol/reader.h"
#include "core/protocol/request_header.h"
#include "core/protocol/sync_group.h"
#include "core/protocol/writer.h"

namespace kbench::protocol {

using ResponseBody =
    std::variant<ProduceResponse, FetchResponse, ListOffsetsResponse, MetadataResponse,
                 OffsetCommitResponse, OffsetFetchResponse, FindCoordinatorResponse,
                 JoinGroupResponse, HeartbeatResponse, LeaveGroupResponse, SyncGroupResponse,
                 ApiVersionsResponse, CreateTopicsResponse, DeleteTopicsResponse,
                 InitProducerIdResponse, OffsetForLeaderEpochResponse>;

ApiKey ApiKeyOf(const ResponseBody& body);

// A whole response message (size prefix, header v0, body at `version`). Fails for a version kbench
// does not serve, or a value the version cannot carry (named in the error).
template <typename T>
Result<EncodedMessage> EncodeResponse(int32_t correlation_id, int16_t version, const T& body,
                                      std::vector<uint8_t> buffer = {}) {
  std::string context =
      std::string(ApiName(T::kApiKey)) + " v" + std::to_string(version) + " response";
  if (!IsVersionSupported(T::kApiKey, version)) {
    return Status::InvalidArgument("cannot encode " + context + ": version not served",
                                   ErrorCode::kUnknownServerError);
  }
  Writer w(std::move(buffer));
  EncodeResponseHeader(w, ResponseHeader{correlation_id});
  body.Encode(w, version);
  Result<EncodedMessage> msg = std::move(w).Finish();
  if (!msg.ok()) return msg.status().WithContext(context);
  return msg;
}

Result<EncodedMessage> EncodeResponse(int32_t correlation_id, int16_t version,
                                      const ResponseBody& body, std::vector<uint8_t> buffer = {});

template <typename T>
struct DecodedResponse {
  ResponseHeader header;
  T body;
};

// Decodes a response frame (the bytes after the size prefix) the caller knows to be a `T` at
// `version` (it sent the request). Errors: INVALID_REQUEST-coded InvalidArgument naming the field
// and byte.
template <typename T>
Result<DecodedResponse<T>> DecodeResponse(std::span<const uint8_t> frame, int16_t version) {
  Reader r(frame);
  KB_ASSIGN_OR_RETURN(ResponseHeader header, DecodeResponseHeader(r));
  KB_ASSIGN_OR_RETURN(T body, T::Decode(r, version));
  return DecodedResponse<T>{header, std::move(body)};
}

// The body of a response to `key` at `version` (r positioned after the response header).
Result<ResponseBody> DecodeResponseBody(ApiKey key, int16_t version, Reader& r);

}  // namespace kbench::protocol
