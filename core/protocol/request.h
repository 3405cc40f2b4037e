// Decoding whole request frames (broker side) and encoding requests (client side: the replica
// fetcher, tests). The broker's dispatch table keys its handlers by ApiKey and holds
// std::visit-able bodies:
//
//   Reader r(frame);                                   // frame: the bytes after the size prefix,
//   writable Result<RequestHeader> header = DecodeRequestHeader(r); if (!header.ok()) -> close the
//   connection (not even a correlation id to answer) Result<RequestBody> body =
//   DecodeRequestBody(*header, r); if (!body.ok()) {
//     if (IsUnsupportedApiVersionsRequest(*header)) -> send
//     EncodeUnsupportedApiVersionsResponse(...) else body.status().kafka_error() is
//     UNSUPPORTED_VERSION (API key or version kbench does not
//          serve: Kafka closes the connection, it cannot encode a body at a version it does not
//          know) or INVALID_REQUEST (malformed bytes: Kafka closes the connection)
//   }
//   std::visit(handler, *body) ...
//
// Ownership: a decoded request may point into the frame (Produce topic names, transactional id and
// records; the header's client_id). Keep the frame alive, unmoved, while the request is in use. All
// other fields are copies. Thread safety: stateless functions; call from any thread.
#pragma once

#include <cstdint>
#include <span>
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

using RequestBody =
    std::variant<ProduceRequest, FetchRequest, ListOffsetsRequest, MetadataRequest,
                 OffsetCommitRequest, OffsetFetchRequest, FindCoordinatorRequest, JoinGroupRequest,
                 HeartbeatRequest, LeaveGroupRequest, SyncGroupRequest, ApiVersionsRequest,
                 CreateTopicsRequest, DeleteTopicsRequest, InitProducerIdRequest,
                 OffsetForLeaderEpochRequest>;

struct DecodedRequest {
  RequestHeader header;
  RequestBody body;
};

ApiKey ApiKeyOf(const RequestBody& body);

// Decodes the body that follows `header` (r positioned by DecodeRequestHeader; built over the
// writable frame). Errors carry the Kafka code to act on: UNSUPPORTED_VERSION (Status::Unsupported)
// when kbench does not serve header.api_key at header.api_version, the body left unread;
// INVALID_REQUEST (Status::InvalidArgument) when the bytes do not hold the body, naming the field
// and byte. Bytes after the body are ignored, as Kafka does.
Result<RequestBody> DecodeRequestBody(const RequestHeader& header, Reader& r);

// Header and body in one call (tools and tests; the broker uses the two steps above so it keeps the
// correlation id when the body fails).
Result<DecodedRequest> DecodeRequest(std::span<uint8_t> frame);

// The one unsupported request Kafka answers instead of closing the connection: ApiVersions above
// the maximum (librdkafka's first request is ApiVersions v3).
bool IsUnsupportedApiVersionsRequest(const RequestHeader& header);

// Kafka's answer to it: response header v0 + an ApiVersions v0 body with UNSUPPORTED_VERSION
// listing ApiVersions 0..2; the client retries at v2.
Result<EncodedMessage> EncodeUnsupportedApiVersionsResponse(int32_t correlation_id,
                                                            std::vector<uint8_t> buffer = {});

// A whole request message (size prefix, header, body). header.api_key must match the body's API and
// header.api_version be one kbench serves.
Result<EncodedMessage> EncodeRequest(const RequestHeader& header, const RequestBody& body,
                                     std::vector<uint8_t> buffer = {});

template <typename T>
Result<EncodedMessage> EncodeRequest(const RequestHeader& header, const T& body,
                                     std::vector<uint8_t> buffer = {}) {
  if (header.api_key != T::kApiKey || !IsVersionSupported(T::kApiKey, header.api_version)) {
    return Status::InvalidArgument(
        "cannot encode a " + std::string(ApiName(T::kApiKey)) + " request with header api_key " +
        std::to_string(ToWire(header.api_key)) + " v" + std::to_string(header.api_version));
  }
  Writer w(std::move(buffer));
  EncodeRequestHeader(w, header);
  body.Encode(w, header.api_version);
  Result<EncodedMessage> msg = std::move(w).Finish();
  if (!msg.ok()) {
    return msg.status().WithContext(std::string(ApiName(T::kApiKey)) + " v" +
                                    std::to_string(header.api_version) + " request");
  }
  return msg;
}

}  // namespace kbench::protocol
