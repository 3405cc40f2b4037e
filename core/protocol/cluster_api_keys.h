// kbench-internal cluster APIs: the messages between the brokers of a bundled cluster and its
// controller (docs/architecture.md, "Replication and the bundled cluster"). They are not Kafka
// APIs: they live in a private key range (30000-30005) that no Kafka client or broker uses, travel
// in ordinary Kafka frames (request header v1, response header v0, Kafka's non-flexible primitives)
// and exist at version 0 only. ApiVersions never advertises them; a client that sends one to a
// broker that does not host the controller has its connection closed like any other unknown API.
//
//   30000 BrokerHeartbeat       broker -> controller: register, heartbeat, long-poll for metadata
//   30001 AlterIsr              leader -> controller: propose an ISR change
//   30002 ControlledShutdown    broker -> controller: move my leaders away, then fence me
//   30003 AllocateProducerIds   broker -> controller: a block of producer ids
//   30004 ForwardCreateTopics   broker -> controller: a client's CreateTopics (v4 body)
//   30005 ForwardDeleteTopics   broker -> controller: a client's DeleteTopics (v1 body)
//
// Thread safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/protocol/api_keys.h"

namespace kbench::protocol {

inline constexpr ApiKey kBrokerHeartbeatKey = static_cast<ApiKey>(30000);
inline constexpr ApiKey kAlterIsrKey = static_cast<ApiKey>(30001);
inline constexpr ApiKey kControlledShutdownKey = static_cast<ApiKey>(30002);
inline constexpr ApiKey kAllocateProducerIdsKey = static_cast<ApiKey>(30003);
inline constexpr ApiKey kForwardCreateTopicsKey = static_cast<ApiKey>(30004);
inline constexpr ApiKey kForwardDeleteTopicsKey = static_cast<ApiKey>(30005);

inline constexpr int16_t kFirstClusterApiKey = 30000;
inline constexpr int16_t kLastClusterApiKey = 30005;
// The only version of every cluster API.
inline constexpr int16_t kClusterApiVersion = 0;

inline bool IsClusterApiKey(int16_t key) {
  return key >= kFirstClusterApiKey && key <= kLastClusterApiKey;
}
inline bool IsClusterApiKey(ApiKey key) { return IsClusterApiKey(static_cast<int16_t>(key)); }

// "BrokerHeartbeat", ... or "Unknown".
std::string_view ClusterApiName(ApiKey key);

}  // namespace kbench::protocol
