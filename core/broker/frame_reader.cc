#include "core/broker/frame_reader.h"

#include <fmt/format.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "core/base/byte_order.h"

namespace kbench::broker {

FrameReader::FrameReader(int32_t max_request_bytes)
    : max_request_bytes_(max_request_bytes),
      staging_(std::make_unique_for_overwrite<uint8_t[]>(kStagingBytes)) {}

Status FrameReader::CheckSize(int32_t size) const {
  if (size < 0) {
    return Status::InvalidArgument(fmt::format("request size prefix {} is negative", size));
  }
  if (size > max_request_bytes_) {
    return Status::InvalidArgument(fmt::format(
        "request size {} exceeds socket.request.max.bytes {}", size, max_request_bytes_));
  }
  if (static_cast<size_t>(size) < RequestHeader::kWireSize) {
    return Status::InvalidArgument(
        fmt::format("request size {} is shorter than the 8-byte request header", size));
  }
  return Status::Ok();
}

Result<std::optional<FrameBuffer>> FrameReader::NextFrame() {
  if (large_.has_value()) {
    if (large_filled_ < large_->size()) return std::optional<FrameBuffer>();
    std::optional<FrameBuffer> done = std::move(large_);
    large_.reset();
    large_filled_ = 0;
    return done;
  }
  const size_t avail = end_ - begin_;
  if (avail < 4) return std::optional<FrameBuffer>();
  const int32_t size = LoadBigEndian<int32_t>(staging_.get() + begin_);
  KB_RETURN_IF_ERROR(CheckSize(size));
  const size_t frame_end = 4 + static_cast<size_t>(size);
  if (avail >= frame_end) {
    FrameBuffer frame(static_cast<size_t>(size));
    std::memcpy(frame.data(), staging_.get() + begin_ + 4, frame.size());
    begin_ += frame_end;
    return std::optional<FrameBuffer>(std::move(frame));
  }
  if (frame_end <= kStagingBytes) return std::optional<FrameBuffer>();  // fits once more arrives
  // Too big for staging: give it its own buffer, keep what we have, read the rest straight into it.
  large_.emplace(static_cast<size_t>(size));
  large_filled_ = avail - 4;
  std::memcpy(large_->data(), staging_.get() + begin_ + 4, large_filled_);
  begin_ = end_ = 0;
  return std::optional<FrameBuffer>();
}

void FrameReader::Compact() {
  if (begin_ == 0) return;
  std::memmove(staging_.get(), staging_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

Result<FrameReader::Fill> FrameReader::FillFrom(int fd, size_t* bytes_read) {
  Compact();
  iovec iov[2];
  int n = 0;
  size_t large_want = 0;
  if (large_.has_value()) {
    large_want = large_->size() - large_filled_;
    iov[n++] = {large_->data() + large_filled_, large_want};
  }
  // While a large frame is being filled, take at most the next size prefix into staging: if the
  // next frame is large too, it then gets its own buffer before any of its body is read (no staging
  // copy).
  size_t staging_room = kStagingBytes - end_;
  if (large_.has_value()) staging_room = end_ < 4 ? 4 - end_ : 0;
  if (staging_room > 0) iov[n++] = {staging_.get() + end_, staging_room};
  if (n == 0) return Status::Internal("frame reader has no room to read into");
  ssize_t r;
  do {
    r = ::readv(fd, iov, n);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Fill::kWouldBlock;
    return Status::FromErrno("read from client", errno);
  }
  if (r == 0) return Fill::kEndOfStream;
  size_t got = static_cast<size_t>(r);
  *bytes_read += got;
  size_t to_large = std::min(got, large_want);
  large_filled_ += to_large;
  end_ += got - to_large;
  // A short read means the socket had no more at that moment (epoll reports whatever comes next).
  return got < large_want + staging_room ? Fill::kDrained : Fill::kData;
}

}  // namespace kbench::broker
