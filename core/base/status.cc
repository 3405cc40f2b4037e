#include "core/base/status.h"

#include <cstring>

namespace kbench {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIoError: return "IoError";
    case StatusCode::kOutOfRange: return "OutOfRange";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kTimedOut: return "TimedOut";
    case StatusCode::kUnsupported: return "Unsupported";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::FromErrno(std::string_view what, int err) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  return IoError(std::move(msg));
}

Status Status::Kafka(ErrorCode kafka, std::string msg) {
  StatusCode code = StatusCode::kUnavailable;
  switch (kafka) {
    case ErrorCode::kNone: return Status();
    case ErrorCode::kCorruptMessage:
    case ErrorCode::kInvalidRecord: code = StatusCode::kCorruption; break;
    case ErrorCode::kOffsetOutOfRange: code = StatusCode::kOutOfRange; break;
    case ErrorCode::kRequestTimedOut: code = StatusCode::kTimedOut; break;
    case ErrorCode::kUnsupportedVersion: code = StatusCode::kUnsupported; break;
    case ErrorCode::kUnknownTopicOrPartition: code = StatusCode::kNotFound; break;
    case ErrorCode::kTopicAlreadyExists: code = StatusCode::kAlreadyExists; break;
    case ErrorCode::kKafkaStorageError: code = StatusCode::kIoError; break;
    case ErrorCode::kUnknownServerError: code = StatusCode::kInternal; break;
    default:
      code = IsRetriable(kafka) ? StatusCode::kUnavailable : StatusCode::kInvalidArgument;
      break;
  }
  if (msg.empty()) msg = std::string(ErrorName(kafka));
  return Status(code, kafka, std::move(msg));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code()));
  s += ": ";
  s += rep_->msg;
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += rep_->msg;
  return Status(rep_->code, rep_->kafka, std::move(msg));
}

}  // namespace kbench
