// ForwardCreateTopics / ForwardDeleteTopics (kbench-internal keys 30004 / 30005, v0): a broker
// passes a client's CreateTopics or DeleteTopics to the controller, which alone changes topics in
// a bundled cluster, and relays the answer (KRaft brokers forward the same way). The bodies are
// Kafka's CreateTopics v4 and DeleteTopics v1 request and response bodies, whatever version the
// client used; the broker re-encodes the answer at the client's version.
//
//   ForwardCreateTopics  request = CreateTopics v4 request body, response = CreateTopics v4
//                        response body
//   ForwardDeleteTopics  request = DeleteTopics v1 request body, response = DeleteTopics v1
//                        response body
#pragma once

#include "core/base/result.h"
#include "core/protocol/cluster_api_keys.h"
#include "core/protocol/create_topics.h"
#include "core/protocol/delete_topics.h"

namespace kbench::protocol {

inline constexpr int16_t kForwardedCreateTopicsVersion = 4;
inline constexpr int16_t kForwardedDeleteTopicsVersion = 1;

// One wrapper per direction and API: the Kafka struct at its fixed version under a private key.
template <typename Inner, ApiKey kKey, int16_t kInnerVersion>
struct Forwarded {
  static constexpr ApiKey kApiKey = kKey;
  Inner body;

  static Result<Forwarded> Decode(Reader& r, int16_t) {
    KB_ASSIGN_OR_RETURN(Inner inner, Inner::Decode(r, kInnerVersion));
    return Forwarded{std::move(inner)};
  }
  void Encode(Writer& w, int16_t) const { body.Encode(w, kInnerVersion); }
  friend bool operator==(const Forwarded&, const Forwarded&) = default;
};

using ForwardCreateTopicsRequest =
    Forwarded<CreateTopicsRequest, kForwardCreateTopicsKey, kForwardedCreateTopicsVersion>;
using ForwardCreateTopicsResponse =
    Forwarded<CreateTopicsResponse, kForwardCreateTopicsKey, kForwardedCreateTopicsVersion>;
using ForwardDeleteTopicsRequest =
    Forwarded<DeleteTopicsRequest, kForwardDeleteTopicsKey, kForwardedDeleteTopicsVersion>;
using ForwardDeleteTopicsResponse =
    Forwarded<DeleteTopicsResponse, kForwardDeleteTopicsKey, kForwardedDeleteTopicsVersion>;

}  // namespace kbench::protocol
