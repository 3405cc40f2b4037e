// The fuzz seed corpus, generated from the encoders: every API's sample request at every version,
// the same header followed by that API's sample response body (so the response decoders start from
// valid input too), and librdkafka's captured ApiVersions v3 frame. Each entry is a request frame
// without its size prefix, named "<Api>_v<N>[_response]".
#pragma once

#include <vector>

#include "tests/unit/protocol/samples.h"

namespace kbench::protocol::fuzz {

std::vector<testing::SeedFrame> SeedCorpus();

}  // namespace kbench::protocol::fuzz
