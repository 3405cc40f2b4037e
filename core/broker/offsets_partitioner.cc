#include "core/broker/offsets_partitioner.h"

#include <limits>

namespace kbench::broker {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes one code point starting at s[*i] and advances *i; invalid input yields U+FFFD and
// consumes one byte (overlong forms, surrogates and values above U+10FFFF are invalid, as in Java).
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<uint8_t>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int extra = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++*i;
    return kReplacement;
  }
  if (*i + static_cast<size_t>(extra) >= s.size()) {  // truncated sequence
    ++*i;
    return kReplacement;
  }
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<uint8_t>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return kReplacement;
  }
  *i += static_cast<size_t>(extra) + 1;
  return cp;
}

}  // namespace

int32_t JavaStringHashCode(std::string_view utf8) {
  uint32_t h = 0;  // unsigned: Java's int overflow wraps, C++'s signed overflow is undefined
  auto mix = [&h](uint32_t unit) { h = h * 31 + unit; };
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = NextCodePoint(utf8, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      mix(0xD800 + (cp >> 10));
      mix(0xDC00 + (cp & 0x3FF));
    } else {
      mix(cp);
    }
  }
  return static_cast<int32_t>(h);
}

int32_t KafkaAbs(int32_t n) {
  if (n == std::numeric_limits<int32_t>::min()) return 0;
  return n < 0 ? -n : n;
}

PartitionId OffsetsPartitionFor(std::string_view group_id, int32_t num_partitions) {
  return PartitionId(KafkaAbs(JavaStringHashCode(group_id)) % num_partitions);
}

}  // namespace kbench::broker
