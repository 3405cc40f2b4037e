#include "core/broker/request.h"

#include <fmt/format.h>

#include "core/base/byte_order.h"

namespace kbench::broker {

Result<RequestHeader> RequestHeader::Parse(std::span<const uint8_t> frame) {
  if (frame.size() < kWireSize) {
    return Status::InvalidArgument(
        fmt::format("request frame of {} bytes is shorter than the 8-byte header (api key, "
                    "version, correlation id)",
                    frame.size()));
  }
  RequestHeader h;
  h.api_key = LoadBigEndian<int16_t>(frame.data());
  h.api_version = LoadBigEndian<int16_t>(frame.data() + 2);
  h.correlation_id = LoadBigEndian<int32_t>(frame.data() + 4);
  return h;
}

FrameBuffer::FrameBuffer(size_t size)
    : data_(std::make_unique_for_overwrite<uint8_t[]>(size)), size_(size) {}

}  // namespace kbench::broker
