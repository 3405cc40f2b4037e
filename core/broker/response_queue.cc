#include "core/broker/response_queue.h"

#include <fmt/format.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "core/base/byte_order.h"

namespace kbench::broker {
namespace {

constexpr int kMaxIov = 64;
constexpr size_t kMaxSendfileChunk = size_t{1} << 30;

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

}  // namespace

Status CheckEncodedMessage(const protocol::EncodedMessage& message) {
  if (message.bytes.size() < 4) {
    return Status::Internal(
        fmt::format("response of {} owned bytes has no 4-byte size prefix", message.bytes.size()));
  }
  const int64_t prefix = LoadBigEndian<int32_t>(message.bytes.data());
  if (prefix != message.WireSize() - 4) {
    return Status::Internal(
        fmt::format("response size prefix {} does not match its {} bytes after "
                    "the prefix",
                    prefix, message.WireSize() - 4));
  }
  size_t last_at = 0;
  for (const protocol::Splice& s : message.splices) {
    if (s.at < last_at || s.at > message.bytes.size()) {
      return Status::Internal(
          fmt::format("response splice at byte {} is out of order or past the "
                      "{} owned bytes",
                      s.at, message.bytes.size()));
    }
    if (s.slice.length < 0 || s.slice.position < 0 || (s.slice.length > 0 && !s.slice.file)) {
      return Status::Internal(
          fmt::format("response splice at byte {} has an invalid file slice "
                      "(position {}, length {})",
                      s.at, s.slice.position, s.slice.length));
    }
    last_at = s.at;
  }
  return Status::Ok();
}

void ResponseQueue::Push(Entry entry) {
  owned_bytes_ += static_cast<int64_t>(entry.message.bytes.size());
  entries_.push_back(std::move(entry));
}

void ResponseQueue::Clear() {
  entries_.clear();
  part_ = 0;
  part_offset_ = 0;
  owned_bytes_ = 0;
}

size_t ResponseQueue::PartStart(const protocol::EncodedMessage& m, size_t part) const {
  if (part % 2 == 1) return m.splices[part / 2].at;  // (position in bytes; not a byte range)
  size_t index = part / 2;
  return index == 0 ? 0 : m.splices[index - 1].at;
}

size_t ResponseQueue::PartLength(const protocol::EncodedMessage& m, size_t part) const {
  if (part % 2 == 1) return static_cast<size_t>(m.splices[part / 2].slice.length);
  size_t index = part / 2;
  size_t end = index < m.splices.size() ? m.splices[index].at : m.bytes.size();
  return end - PartStart(m, part);
}

Result<ResponseQueue::Progress> ResponseQueue::WriteTo(int fd, int64_t now_ns,
                                                       LoopCounters* counters) {
  now_ns_ = now_ns;
  SkipEmptyParts(counters);
  while (!entries_.empty()) {
    Progress progress;
    if (part_ % 2 == 1) {
      KB_ASSIGN_OR_RETURN(progress, WriteSplice(fd, counters));
    } else {
      KB_ASSIGN_OR_RETURN(progress, WriteOwnedRanges(fd, counters));
    }
    if (progress == Progress::kSocketFull) {
      counters->writes_blocked.Add();
      return progress;
    }
  }
  return Progress::kAllWritten;
}

// Gathers owned byte ranges from the cursor on, across messages, up to the next non-empty splice.
Result<ResponseQueue::Progress> ResponseQueue::WriteOwnedRanges(int fd, LoopCounters* counters) {
  iovec iov[kMaxIov];
  int n = 0;
  size_t total = 0;
  bool ends_at_splice = false;
  size_t part = part_;
  size_t offset = part_offset_;
  for (size_t e = 0; e < entries_.size() && n < kMaxIov && !ends_at_splice; ++e) {
    const protocol::EncodedMessage& m = entries_[e].message;
    for (; part < PartCount(m) && n < kMaxIov; ++part, offset = 0) {
      size_t len = PartLength(m, part);
      if (part % 2 == 1) {
        if (len == 0) continue;
        ends_at_splice = true;
        break;
      }
      if (len <= offset) continue;
      iov[n++] = {const_cast<uint8_t*>(m.bytes.data()) + PartStart(m, part) + offset, len - offset};
      total += len - offset;
    }
    part = 0;
    offset = 0;
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<size_t>(n);
  const int flags = MSG_NOSIGNAL | (ends_at_splice ? MSG_MORE : 0);
  ssize_t r;
  do {
    r = ::sendmsg(fd, &msg, flags);
  } while (r < 0 && errno == EINTR);
  counters->writev_calls.Add();
  if (r < 0) {
    if (WouldBlock(errno)) return Progress::kSocketFull;
    return Status::FromErrno("write to client", errno);
  }
  counters->bytes_out.Add(static_cast<uint64_t>(r));
  Advance(static_cast<size_t>(r), counters);
  return static_cast<size_t>(r) == total ? Progress::kAllWritten : Progress::kSocketFull;
}

Result<ResponseQueue::Progress> ResponseQueue::WriteSplice(int fd, LoopCounters* counters) {
  const protocol::Splice& splice = entries_.front().message.splices[part_ / 2];
  const FileSlice& slice = splice.slice;
  off_t position = static_cast<off_t>(slice.position + static_cast<int64_t>(part_offset_));
  size_t chunk = std::min(static_cast<size_t>(slice.length) - part_offset_, kMaxSendfileChunk);
  ssize_t r;
  do {
    r = ::sendfile(fd, slice.file->fd(), &position, chunk);
  } while (r < 0 && errno == EINTR);
  counters->sendfile_calls.Add();
  if (r < 0) {
    if (WouldBlock(errno)) return Progress::kSocketFull;
    return Status::FromErrno(fmt::format("sendfile from {} at byte {}", slice.file->path(),
                                         static_cast<int64_t>(position)),
                             errno);
  }
  if (r == 0) {
    return Status::IoError(fmt::format("{} ends at byte {}, inside the slice [{}, {}) being sent",
                                       slice.file->path(), static_cast<int64_t>(position),
                                       slice.position, slice.position + slice.length));
  }
  counters->bytes_out.Add(static_cast<uint64_t>(r));
  counters->sendfile_bytes.Add(static_cast<uint64_t>(r));
  Advance(static_cast<size_t>(r), counters);
  return static_cast<size_t>(r) == chunk ? Progress::kAllWritten : Progress::kSocketFull;
}

void ResponseQueue::Advance(size_t n, LoopCounters* counters) {
  while (n > 0) {
    const protocol::EncodedMessage& m = entries_.front().message;
    size_t take = std::min(n, PartLength(m, part_) - part_offset_);
    part_offset_ += take;
    n -= take;
    SkipEmptyParts(counters);
  }
}

void ResponseQueue::SkipEmptyParts(LoopCounters* counters) {
  while (!entries_.empty()) {
    const protocol::EncodedMessage& m = entries_.front().message;
    if (part_ >= PartCount(m)) {
      FinishFront(counters);
    } else if (part_offset_ >= PartLength(m, part_)) {
      ++part_;
      part_offset_ = 0;
    } else {
      return;
    }
  }
}

void ResponseQueue::FinishFront(LoopCounters* counters) {
  Entry& e = entries_.front();
  counters->response_queue.Record(now_ns_ - e.completed_ns);
  counters->total.Record(now_ns_ - e.received_ns);
  counters->responses_sent.Add();
  owned_bytes_ -= static_cast<int64_t>(e.message.bytes.size());
  entries_.pop_front();  // releases the message's file references
  part_ = 0;
  part_offset_ = 0;
}

}  // namespace kbench::broker
