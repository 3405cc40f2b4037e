// StrongInt<Tag, Rep>: an integer that does not mix with integers of another meaning. An Offset cannot be
// passed where a LeaderEpoch is expected, and a log-end offset is never silently compared to a broker id.
// Arithmetic is limited to what the meaning allows: offsets move by counts and differ by counts.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>

namespace kbench {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep_type = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }

  friend constexpr auto operator<=>(StrongInt, StrongInt) = default;
  friend std::ostream& operator<<(std::ostream& os, StrongInt v) { return os << +v.v_; }

  static constexpr StrongInt Max() { return StrongInt(std::numeric_limits<Rep>::max()); }
  static constexpr StrongInt Min() { return StrongInt(std::numeric_limits<Rep>::min()); }

 private:
  Rep v_{};
};

// Offsets move by record counts: Offset + n, Offset - Offset = count.
struct OffsetTag {};
using Offset = StrongInt<OffsetTag, int64_t>;
constexpr Offset operator+(Offset o, int64_t n) { return Offset(o.value() + n); }
constexpr Offset operator-(Offset o, int64_t n) { return Offset(o.value() - n); }
constexpr int64_t operator-(Offset a, Offset b) { return a.value() - b.value(); }
inline Offset& operator+=(Offset& o, int64_t n) { return o = o + n; }
constexpr Offset kInvalidOffset{-1};

using LeaderEpoch = StrongInt<struct LeaderEpochTag, int32_t>;
constexpr LeaderEpoch kNoLeaderEpoch{-1};

using BrokerId = StrongInt<struct BrokerIdTag, int32_t>;
constexpr BrokerId kNoBroker{-1};

using PartitionId = StrongInt<struct PartitionIdTag, int32_t>;

using ProducerId = StrongInt<struct ProducerIdTag, int64_t>;
constexpr ProducerId kNoProducerId{-1};

using ProducerEpoch = StrongInt<struct ProducerEpochTag, int16_t>;
constexpr ProducerEpoch kNoProducerEpoch{-1};

}  // namespace kbench

template <typename Tag, typename Rep>
struct std::hash<kbench::StrongInt<Tag, Rep>> {
  size_t operator()(kbench::StrongInt<Tag, Rep> v) const noexcept { return std::hash<Rep>()(v.value()); }
};
