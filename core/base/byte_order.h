// Big-endian loads and stores (Kafka's wire and disk order). Unaligned access is fine: memcpy
// compiles to a single mov + bswap.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace kbench {

// std::byteswap is C++23; g++ 12 in C++20 mode lacks it.
template <typename T>
constexpr T ByteSwap(T v) {
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
  if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
  if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
  return v;
}

template <typename T>
inline T LoadBigEndian(const void* p) {
  static_assert(std::is_integral_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = ByteSwap(v);
  return v;
}

template <typename T>
inline void StoreBigEndian(void* p, T v) {
  static_assert(std::is_integral_v<T>);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) v = ByteSwap(v);
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace kbench
