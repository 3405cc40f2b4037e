// Status: the outcome of an operation that can fail, as a value (LevelDB's Status, Abseil's Status).
// An ok Status is cheap (no allocation). A failed one carries a category, the Kafka error code a broker
// would answer with (so storage errors map straight onto protocol responses), and a message a person can
// act on: which file, offset, field, and what was expected.
//
// Thread safety: a Status is a plain value; copy it freely between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/base/error_code.h"

namespace kbench {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,  // bad input from a caller, a file or the wire
  kNotFound,
  kAlreadyExists,
  kCorruption,       // bytes on disk or on the wire fail validation
  kIoError,          // the OS said no (errno in the message)
  kOutOfRange,
  kUnavailable,      // try again later (leader moving, broker down)
  kTimedOut,
  kUnsupported,
  kAborted,          // stopped on request (shutdown)
  kInternal,         // a bug: an invariant did not hold
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, ErrorCode kafka = ErrorCode::kInvalidRequest) {
    return Status(StatusCode::kInvalidArgument, kafka, std::move(msg));
  }
  static Status NotFound(std::string msg, ErrorCode kafka = ErrorCode::kUnknownServerError) {
    return Status(StatusCode::kNotFound, kafka, std::move(msg));
  }
  static Status AlreadyExists(std::string msg, ErrorCode kafka = ErrorCode::kUnknownServerError) {
    return Status(StatusCode::kAlreadyExists, kafka, std::move(msg));
  }
  static Status Corruption(std::string msg, ErrorCode kafka = ErrorCode::kCorruptMessage) {
    return Status(StatusCode::kCorruption, kafka, std::move(msg));
  }
  static Status IoError(std::string msg, ErrorCode kafka = ErrorCode::kKafkaStorageError) {
    return Status(StatusCode::kIoError, kafka, std::move(msg));
  }
  // An I/O error built from errno: "<what>: <strerror(err)>".
  static Status FromErrno(std::string_view what, int err);
  static Status OutOfRange(std::string msg, ErrorCode kafka = ErrorCode::kOffsetOutOfRange) {
    return Status(StatusCode::kOutOfRange, kafka, std::move(msg));
  }
  static Status Unavailable(std::string msg, ErrorCode kafka = ErrorCode::kLeaderNotAvailable) {
    return Status(StatusCode::kUnavailable, kafka, std::move(msg));
  }
  static Status TimedOut(std::string msg, ErrorCode kafka = ErrorCode::kRequestTimedOut) {
    return Status(StatusCode::kTimedOut, kafka, std::move(msg));
  }
  static Status Unsupported(std::string msg, ErrorCode kafka = ErrorCode::kUnsupportedVersion) {
    return Status(StatusCode::kUnsupported, kafka, std::move(msg));
  }
  static Status Aborted(std::string msg, ErrorCode kafka = ErrorCode::kUnknownServerError) {
    return Status(StatusCode::kAborted, kafka, std::move(msg));
  }
  static Status Internal(std::string msg, ErrorCode kafka = ErrorCode::kUnknownServerError) {
    return Status(StatusCode::kInternal, kafka, std::move(msg));
  }
  // A failure whose meaning is exactly a Kafka error code (e.g. NOT_ENOUGH_REPLICAS).
  static Status Kafka(ErrorCode kafka, std::string msg = {});

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The Kafka error a broker answers with for this status (NONE when ok).
  ErrorCode kafka_error() const { return rep_ ? rep_->kafka : ErrorCode::kNone; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->msg) : std::string_view(); }
  // "OK" or "<Code>: <message>".
  std::string ToString() const;

  // Prefixes the message with context ("segment 00000000000000000042.log: "); no-op when ok.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.kafka_error() == b.kafka_error() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    ErrorCode kafka;
    std::string msg;
  };
  Status(StatusCode code, ErrorCode kafka, std::string msg)
      : rep_(std::make_shared<const Rep>(Rep{code, kafka, std::move(msg)})) {}

  std::shared_ptr<const Rep> rep_;  // null when ok; immutable and shared, so copies are cheap
};

}  // namespace kbench

// Early return on failure: KB_RETURN_IF_ERROR(log->Flush());
#define KB_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::kbench::Status kb_status_ = (expr);        \
    if (!kb_status_.ok()) return kb_status_;     \
  } while (0)
