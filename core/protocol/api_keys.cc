#include "core/protocol/api_keys.h"

#include <algorithm>
#include <array>

namespace kbench::protocol {
namespace {

constexpr std::array<ApiSupport, 16> kApis = {{
    {ApiKey::kProduce, "Produce", 3, 7, 9},
    {ApiKey::kFetch, "Fetch", 4, 11, 12},
    {ApiKey::kListOffsets, "ListOffsets", 0, 2, 6},
    {ApiKey::kMetadata, "Metadata", 0, 8, 9},
    {ApiKey::kOffsetCommit, "OffsetCommit", 0, 7, 8},
    {ApiKey::kOffsetFetch, "OffsetFetch", 0, 5, 6},
    {ApiKey::kFindCoordinator, "FindCoordinator", 0, 2, 3},
    {ApiKey::kJoinGroup, "JoinGroup", 0, 5, 6},
    {ApiKey::kHeartbeat, "Heartbeat", 0, 3, 4},
    {ApiKey::kLeaveGroup, "LeaveGroup", 0, 1, 4},
    {ApiKey::kSyncGroup, "SyncGroup", 0, 3, 4},
    {ApiKey::kApiVersions, "ApiVersions", 0, 2, 3},
    {ApiKey::kCreateTopics, "CreateTopics", 0, 4, 5},
    {ApiKey::kDeleteTopics, "DeleteTopics", 0, 1, 4},
    {ApiKey::kInitProducerId, "InitProducerId", 0, 1, 2},
    {ApiKey::kOffsetForLeaderEpoch, "OffsetForLeaderEpoch", 0, 3, 4},
}};

static_assert(std::ranges::is_sorted(kApis, {}, &ApiSupport::key));

}  // namespace

std::span<const ApiSupport> SupportedApis() { return kApis; }

const ApiSupport* FindApi(ApiKey key) {
  auto it = std::ranges::lower_bound(kApis, key, {}, &ApiSupport::key);
  return it != kApis.end() && it->key == key ? &*it : nullptr;
}

std::string_view ApiName(ApiKey key) {
  const ApiSupport* api = FindApi(key);
  return api != nullptr ? api->name : "Unknown";
}

bool IsVersionSupported(ApiKey key, int16_t version) {
  const ApiSupport* api = FindApi(key);
  return api != nullptr && version >= 0 && version <= api->max_version;
}

int16_t RequestHeaderVersion(ApiKey key, int16_t version) {
  const ApiSupport* api = FindApi(key);
  return api != nullptr && version >= api->first_flexible ? 2 : 1;
}

}  // namespace kbench::protocol
