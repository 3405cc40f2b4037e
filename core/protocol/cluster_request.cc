#include "core/protocol/cluster_request.h"

#include <fmt/format.h>

namespace kbench::protocol {
namespace {

template <typename T>
Result<ClusterRequestBody> DecodeAs(Reader& r) {
  KB_ASSIGN_OR_RETURN(T m, T::Decode(r, kClusterApiVersion));
  return ClusterRequestBody(std::move(m));
}

}  // namespace

std::string_view ClusterApiName(ApiKey key) {
  switch (static_cast<int16_t>(key)) {
    case 30000:
      return "BrokerHeartbeat";
    case 30001:
      return "AlterIsr";
    case 30002:
      return "ControlledShutdown";
    case 30003:
      return "AllocateProducerIds";
    case 30004:
      return "ForwardCreateTopics";
    case 30005:
      return "ForwardDeleteTopics";
    default:
      return "Unknown";
  }
}

Result<ClusterRequestBody> DecodeClusterRequestBody(const RequestHeader& header, Reader& r) {
  if (!IsClusterApiKey(header.api_key) || header.api_version != kClusterApiVersion) {
    return Status::Unsupported(fmt::format("API key {} v{} is not a kbench cluster API",
                                           static_cast<int16_t>(header.api_key),
                                           header.api_version));
  }
  switch (static_cast<int16_t>(header.api_key)) {
    case 30000:
      return DecodeAs<BrokerHeartbeatRequest>(r);
    case 30001:
      return DecodeAs<AlterIsrRequest>(r);
    case 30002:
      return DecodeAs<ControlledShutdownRequest>(r);
    case 30003:
      return DecodeAs<AllocateProducerIdsRequest>(r);
    case 30004:
      return DecodeAs<ForwardCreateTopicsRequest>(r);
    default:
      return DecodeAs<ForwardDeleteTopicsRequest>(r);
  }
}

}  // namespace kbench::protocol
