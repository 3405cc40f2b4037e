// Kafka API keys and the version table kbench's broker serves.
//
// Every supported API is decoded and encoded at every version from 0 to `max_version` (kafka-python
// pins old versions), while ApiVersions advertises `advertised_min`..`max_version` (Produce starts
// at 3 and Fetch at 4 because the broker stores RecordBatch v2 only). All versions here are
// non-flexible: the first flexible version (`first_flexible`, header v2 + tagged fields) is always
// above `max_version`; it is kept so the header decoder knows when a request it cannot serve
// carries a v2 header.
//
// Source: apache/kafka 3.4.0 clients/src/main/resources/common/message/*.json and KAFKA_NOTES.md.
// Thread safety: immutable tables; call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace kbench::protocol {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
};

struct ApiSupport {
  ApiKey key;
  std::string_view name;   // Kafka's name, e.g. "Produce"
  int16_t advertised_min;  // lowest version ApiVersions advertises
  int16_t max_version;     // highest version decoded, encoded and advertised
  int16_t first_flexible;  // first version Kafka encodes with tagged fields (never served here)
};

// Every API kbench serves, in API-key order: the rows ApiVersions advertises.
std::span<const ApiSupport> SupportedApis();

// The row for `key`, or nullptr when kbench does not serve that API.
const ApiSupport* FindApi(ApiKey key);

// Kafka's name for the API ("Fetch"), or "Unknown" for an API kbench does not serve.
std::string_view ApiName(ApiKey key);

// True when `version` of `key` can be decoded and encoded: 0 <= version <= max_version.
bool IsVersionSupported(ApiKey key, int16_t version);

// The request header version Kafka uses for this API and version: 2 from the first flexible version
// on (and for API keys kbench does not know, Kafka's generated code treats them as non-flexible:
// 1).
int16_t RequestHeaderVersion(ApiKey key, int16_t version);

}  // namespace kbench::protocol
