// Base64 (RFC 4648, standard alphabet, '=' padding): how encoded HDR histograms travel inside JSON
// and .hlog lines. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace kbench::results {

std::string Base64Encode(const uint8_t* data, size_t size);
inline std::string Base64Encode(const std::vector<uint8_t>& bytes) {
  return Base64Encode(bytes.data(), bytes.size());
}
// Refuses characters outside the alphabet and bad padding (Corruption naming the offset).
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);

}  // namespace kbench::results
