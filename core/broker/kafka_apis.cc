#include "core/broker/kafka_apis.h"

#include <fmt/format.h>

#include "core/base/log.h"
#include "core/broker/api_dispatch.h"
#include "core/protocol/cluster_api_keys.h"

namespace kbench::broker {

void KafkaApis::Handle(Request request, Responder responder) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  if (cluster_handler_ != nullptr && protocol::IsClusterApiKey(request.api_key())) {
    cluster_handler_->Handle(std::move(request), std::move(responder));
    return;
  }
  if (!ready_.load(std::memory_order_acquire)) {
    counters_.not_ready.fetch_add(1, std::memory_order_relaxed);
    responder.CloseConnection("broker is starting");
    return;
  }
  std::shared_ptr<const std::string> peer = request.shared_peer();
  FrameBuffer frame = std::move(request).TakeBuffer();
  protocol::Reader reader(std::span<uint8_t>(frame.data(), frame.size()));
  Result<protocol::RequestHeader> header = protocol::DecodeRequestHeader(reader);
  if (!header.ok()) {
    counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    responder.CloseConnection(
        fmt::format("malformed request header: {}", header.status().message()));
    return;
  }
  Result<protocol::RequestBody> body = protocol::DecodeRequestBody(*header, reader);
  if (!body.ok()) {
    if (protocol::IsUnsupportedApiVersionsRequest(*header)) {
      counters_.unsupported.fetch_add(1, std::memory_order_relaxed);
      Result<protocol::EncodedMessage> reply =
          protocol::EncodeUnsupportedApiVersionsResponse(header->correlation_id);
      if (reply.ok()) {
        responder.Send(std::move(*reply));
      } else {
        responder.CloseConnection(reply.status().ToString());
      }
      return;
    }
    const bool unsupported = body.status().kafka_error() == ErrorCode::kUnsupportedVersion;
    (unsupported ? counters_.unsupported : counters_.malformed)
        .fetch_add(1, std::memory_order_relaxed);
    log::Debug("broker.api", "closing the connection: {}", body.status().ToString());
    responder.CloseConnection(std::string(body.status().message()));
    return;
  }
  const ApiHandlerEntry* entry = FindHandler(header->api_key);
  if (entry == nullptr || header->api_version < entry->min_version ||
      header->api_version > entry->max_version) {
    counters_.unsupported.fetch_add(1, std::memory_order_relaxed);
    responder.CloseConnection(fmt::format("{} v{} is not served",
                                          protocol::ApiName(header->api_key), header->api_version));
    return;
  }
  entry->handler(ctx_, ApiCall{*header, std::move(*body), std::move(frame), std::move(responder),
                               std::move(peer)});
}

}  // namespace kbench::broker
