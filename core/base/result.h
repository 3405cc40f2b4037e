// Result<T>: a T or the Status that explains why there is none (std::expected-shaped; Abseil's StatusOr).
//
//   Result<Segment> s = Segment::Open(dir, base);
//   if (!s.ok()) return s.status();
//   Use(*s);
//
// KB_ASSIGN_OR_RETURN(auto seg, Segment::Open(dir, base)); declares `seg` or returns the error.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/base/status.h"

namespace kbench {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value and from a failed Status, so functions can `return value;` or `return status;`.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Status::Internal("Result constructed from an ok Status without a value");
  }
  template <typename U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, Status> &&
             !std::is_same_v<std::remove_cvref_t<U>, Result>)
  Result(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;  // ok iff value_ is set
};

}  // namespace kbench

#define KB_CONCAT_INNER_(a, b) a##b
#define KB_CONCAT_(a, b) KB_CONCAT_INNER_(a, b)
#define KB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
#define KB_ASSIGN_OR_RETURN(lhs, expr) \
  KB_ASSIGN_OR_RETURN_IMPL_(KB_CONCAT_(kb_result_, __LINE__), lhs, expr)
