#include "core/broker/controller_apis.h"

#include <fmt/format.h>

#include <memory>

#include "core/base/log.h"
#include "core/protocol/cluster_request.h"

namespace kbench::broker {
namespace {

// Answers one request exactly once, from whatever thread the controller completes it on.
class ClusterSlot {
 public:
  ClusterSlot(Responder responder, int32_t correlation_id)
      : responder_(std::make_shared<Responder>(std::move(responder))),
        correlation_id_(correlation_id) {}

  template <typename T>
  void operator()(const T& body) const {
    Result<protocol::EncodedMessage> msg = protocol::EncodeClusterResponse(correlation_id_, body);
    if (!msg.ok()) {
      log::Error("controller", "cannot encode a response: {}", msg.status().ToString());
      responder_->CloseConnection("response encoding failed");
      return;
    }
    responder_->Send(std::move(*msg));
  }

 private:
  std::shared_ptr<Responder> responder_;
  int32_t correlation_id_;
};

}  // namespace

void ControllerApis::Handle(Request request, Responder responder) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  protocol::Reader reader(request.bytes());
  Result<protocol::RequestHeader> header = protocol::DecodeRequestHeader(reader);
  if (!header.ok()) {
    responder.CloseConnection(fmt::format("malformed request header: {}", header.status().message()));
    return;
  }
  Result<protocol::ClusterRequestBody> body = protocol::DecodeClusterRequestBody(*header, reader);
  if (!body.ok()) {
    log::Debug("controller", "closing the connection: {}", body.status().ToString());
    responder.CloseConnection(std::string(body.status().message()));
    return;
  }
  ClusterSlot slot(std::move(responder), header->correlation_id);
  std::visit(
      [&](auto& req) {
        using T = std::decay_t<decltype(req)>;
        if constexpr (std::is_same_v<T, protocol::BrokerHeartbeatRequest>) {
          controller_->HandleHeartbeat(std::move(req), slot);
        } else if constexpr (std::is_same_v<T, protocol::AlterIsrRequest>) {
          controller_->HandleAlterIsr(std::move(req), slot);
        } else if constexpr (std::is_same_v<T, protocol::ControlledShutdownRequest>) {
          controller_->HandleControlledShutdown(std::move(req), slot);
        } else if constexpr (std::is_same_v<T, protocol::AllocateProducerIdsRequest>) {
          controller_->HandleAllocateProducerIds(std::move(req), slot);
        } else if constexpr (std::is_same_v<T, protocol::ForwardCreateTopicsRequest>) {
          controller_->HandleCreateTopics(std::move(req.body), [slot](protocol::CreateTopicsResponse r) {
            slot(protocol::ForwardCreateTopicsResponse{std::move(r)});
          });
        } else {
          controller_->HandleDeleteTopics(std::move(req.body), [slot](protocol::DeleteTopicsResponse r) {
            slot(protocol::ForwardDeleteTopicsResponse{std::move(r)});
          });
        }
      },
      *body);
}

}  // namespace kbench::broker
