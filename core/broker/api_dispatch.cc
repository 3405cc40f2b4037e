#include "core/broker/api_dispatch.h"

#include <algorithm>
#include <array>

namespace kbench::broker {
namespace {

using protocol::ApiKey;

constexpr std::array<ApiHandlerEntry, 16> kTable = {{
    {ApiKey::kProduce, 0, 7, &HandleProduce},
    {ApiKey::kFetch, 0, 11, &HandleFetch, /*advertised_min=*/4},
    {ApiKey::kListOffsets, 0, 2, &HandleListOffsets},
    {ApiKey::kMetadata, 0, 8, &HandleMetadata},
    {ApiKey::kOffsetCommit, 0, 7, &HandleOffsetCommit},
    {ApiKey::kOffsetFetch, 0, 5, &HandleOffsetFetch},
    {ApiKey::kFindCoordinator, 0, 2, &HandleFindCoordinator},
    {ApiKey::kJoinGroup, 0, 5, &HandleJoinGroup},
    {ApiKey::kHeartbeat, 0, 3, &HandleHeartbeat},
    {ApiKey::kLeaveGroup, 0, 1, &HandleLeaveGroup},
    {ApiKey::kSyncGroup, 0, 3, &HandleSyncGroup},
    {ApiKey::kApiVersions, 0, 2, &HandleApiVersions},
    {ApiKey::kCreateTopics, 0, 4, &HandleCreateTopics},
    {ApiKey::kDeleteTopics, 0, 1, &HandleDeleteTopics},
    {ApiKey::kInitProducerId, 0, 1, &HandleInitProducerId},
    {ApiKey::kOffsetForLeaderEpoch, 0, 3, &HandleOffsetForLeaderEpoch},
}};

}  // namespace

std::span<const ApiHandlerEntry> DispatchTable() { return kTable; }

const ApiHandlerEntry* FindHandler(protocol::ApiKey key) {
  for (const ApiHandlerEntry& e : kTable) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

protocol::ApiVersionsResponse AdvertisedApiVersions() {
  protocol::ApiVersionsResponse r;
  for (const ApiHandlerEntry& e : kTable) {
    r.api_keys.push_back({e.key, std::max(e.min_version, e.advertised_min), e.max_version});
  }
  std::sort(r.api_keys.begin(), r.api_keys.end(),
            [](const auto& a, const auto& b) { return a.api_key < b.api_key; });
  return r;
}

void HandleApiVersions(ApiContext&, ApiCall call) { SendResponse(call, AdvertisedApiVersions()); }

}  // namespace kbench::broker
