// Test-only: the exact bytes an EncodedMessage puts on the wire, with spliced file slices read in
// (what the broker's sender produces with write + sendfile).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/protocol/encoded_message.h"

namespace kbench::protocol::testing {

Result<std::vector<uint8_t>> Flatten(const EncodedMessage& msg);

// The frame after the 4-byte size prefix (asserting nothing: callers check the prefix themselves).
inline std::span<uint8_t> FrameOf(std::vector<uint8_t>& wire) {
  return std::span<uint8_t>(wire).subspan(4);
}

}  // namespace kbench::protocol::testing
