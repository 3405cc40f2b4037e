// Test-only builders: one request and one response per API with every field set to a value
// different from its default, so a round trip at any version shows exactly which fields that
// version carries; and the seed frames the fuzz corpus and the replay test start from.
//
// Fields that exist only in old versions (ListOffsets max_num_offsets / old_style_offsets,
// OffsetCommit commit_timestamp / retention_time_ms) keep their defaults here so that a round trip
// at the maximum version returns the sample unchanged; dedicated tests cover them.
//
// Views in the samples (Produce topic names and records, records of the Fetch response) point into
// static storage and stay valid for the whole program.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/protocol/api_keys.h"
#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::protocol::testing {

RequestBody SampleRequest(ApiKey key);
ResponseBody SampleResponse(ApiKey key);

// Bytes shaped like a RecordBatch v2 (61-byte header, magic 2 at byte 16); the codec does not parse
// them.
std::span<uint8_t> SampleRecordBytes();

// The first request librdkafka 2.0.2 sends (captured from `kcat -L` against a listener):
// ApiVersions v3 with request header v2, correlation id 1, client id "rdkafka", without the 4-byte
// size prefix.
std::span<const uint8_t> LibrdkafkaApiVersionsV3Frame();

struct SeedFrame {
  std::string name;            // e.g. "Produce_v7"
  std::vector<uint8_t> frame;  // a request frame without its size prefix
};
// Every API at every version from the samples, plus librdkafka's ApiVersions v3 frame.
std::vector<SeedFrame> SeedRequestFrames();

}  // namespace kbench::protocol::testing
