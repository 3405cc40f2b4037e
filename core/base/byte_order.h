// Big-endian loads and stores (Kafka's wire and disk order). Unaligned access is fine: memcpy compiles
// to a single mov + bswap.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace kbench {

template <typename T>
inline T LoadBigEndian(const void* p) {
  static_assert(std::is_integral_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
  return v;
}

template <typename T>
inline void StoreBigEndian(void* p, T v) {
  static_assert(std::is_integral_v<T>);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace kbench
