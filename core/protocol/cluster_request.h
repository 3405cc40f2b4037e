// Decoding and encoding the kbench-internal cluster API messages (cluster_api_keys.h) in Kafka
// frames. The controller's request handler decodes requests with DecodeClusterRequestBody after
// DecodeRequestHeader; brokers encode requests with EncodeClusterRequest and decode the answers
// with DecodeResponse<T> (response.h), like any Kafka response.
//
// Thread safety: stateless functions.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/allocate_producer_ids.h"
#include "core/protocol/alter_isr.h"
#include "core/protocol/broker_heartbeat.h"
#include "core/protocol/controlled_shutdown.h"
#include "core/protocol/encoded_message.h"
#include "core/protocol/forward_admin.h"
#include "core/protocol/request_header.h"

namespace kbench::protocol {

using ClusterRequestBody =
    std::variant<BrokerHeartbeatRequest, AlterIsrRequest, ControlledShutdownRequest,
                 AllocateProducerIdsRequest, ForwardCreateTopicsRequest,
                 ForwardDeleteTopicsRequest>;

// The body after `header` (r positioned by DecodeRequestHeader). UNSUPPORTED_VERSION for a key
// outside the cluster range or a version other than 0; INVALID_REQUEST for bytes that do not hold
// the body (naming the field and byte).
Result<ClusterRequestBody> DecodeClusterRequestBody(const RequestHeader& header, Reader& r);

// A whole request message (size prefix, header v1, body v0).
template <typename T>
Result<EncodedMessage> EncodeClusterRequest(int32_t correlation_id, std::string_view client_id,
                                            const T& body, std::vector<uint8_t> buffer = {}) {
  Writer w(std::move(buffer));
  EncodeRequestHeader(w, RequestHeader{T::kApiKey, kClusterApiVersion, correlation_id, client_id});
  body.Encode(w, kClusterApiVersion);
  return std::move(w).Finish();
}

// A whole response message (size prefix, header v0, body v0).
template <typename T>
Result<EncodedMessage> EncodeClusterResponse(int32_t correlation_id, const T& body) {
  Writer w;
  EncodeResponseHeader(w, ResponseHeader{correlation_id});
  body.Encode(w, kClusterApiVersion);
  return std::move(w).Finish();
}

}  // namespace kbench::protocol
