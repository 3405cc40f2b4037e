// The dispatch table: {API key, min version, max version, handler} for every API the broker
// answers (librdkafka's mock-handler shape). A decoded request whose key is in the table and whose
// version lies in [min, max] goes to its handler; anything else closes the connection, as Kafka
// does for versions it cannot parse (ApiVersions above its maximum is answered by KafkaApis with
// Kafka's UNSUPPORTED_VERSION reply before the table is consulted).
//
// Versions: every version the codec decodes (0 .. the advertised maximum) is dispatched, because
// kafka-python pins old versions, and ApiVersions advertises `advertised_min`..max. Fetch is
// advertised from 4 (older versions carry message formats v0/v1: the broker answers them per
// partition with UNSUPPORTED_FOR_MESSAGE_FORMAT). Produce is advertised from 0, as Kafka does,
// although v0-2 get the same per-partition error: librdkafka (<= 2.11) sends gzip, snappy and lz4
// batches only to a broker whose Produce range includes v0 (rd_kafka_msgset_writer's compr_req
// asks for Produce [0, 0]) and silently sends them uncompressed otherwise.
//
// Handlers (one file each, *_handler.cc) follow the RequestHandler contract: never block a network
// thread (blocking work goes to ApiContext::admin), answer exactly once through the call's
// Responder, now or later.
#pragma once

#include <cstdint>
#include <span>

#include "core/broker/api_call.h"
#include "core/broker/api_context.h"
#include "core/protocol/api_keys.h"
#include "core/protocol/api_versions.h"

namespace kbench::broker {

using ApiHandlerFn = void (*)(ApiContext& ctx, ApiCall call);

struct ApiHandlerEntry {
  protocol::ApiKey key;
  int16_t min_version;
  int16_t max_version;
  ApiHandlerFn handler;
  int16_t advertised_min = 0;  // what ApiVersions advertises as the minimum
};

std::span<const ApiHandlerEntry> DispatchTable();
// The entry for `key`, or nullptr when the broker does not answer that API.
const ApiHandlerEntry* FindHandler(protocol::ApiKey key);
// What ApiVersions advertises: one row per table entry.
protocol::ApiVersionsResponse AdvertisedApiVersions();

// The handlers.
void HandleApiVersions(ApiContext& ctx, ApiCall call);
void HandleMetadata(ApiContext& ctx, ApiCall call);
void HandleProduce(ApiContext& ctx, ApiCall call);
void HandleFetch(ApiContext& ctx, ApiCall call);
void HandleListOffsets(ApiContext& ctx, ApiCall call);
void HandleCreateTopics(ApiContext& ctx, ApiCall call);
void HandleDeleteTopics(ApiContext& ctx, ApiCall call);
void HandleInitProducerId(ApiContext& ctx, ApiCall call);
void HandleOffsetForLeaderEpoch(ApiContext& ctx, ApiCall call);
// Consumer groups (groups_handler.cc), answered by the GroupCoordinator.
void HandleFindCoordinator(ApiContext& ctx, ApiCall call);
void HandleJoinGroup(ApiContext& ctx, ApiCall call);
void HandleSyncGroup(ApiContext& ctx, ApiCall call);
void HandleHeartbeat(ApiContext& ctx, ApiCall call);
void HandleLeaveGroup(ApiContext& ctx, ApiCall call);
void HandleOffsetCommit(ApiContext& ctx, ApiCall call);
void HandleOffsetFetch(ApiContext& ctx, ApiCall call);

}  // namespace kbench::broker
