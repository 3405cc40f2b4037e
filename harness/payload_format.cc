#include "harness/payload_format.h"

#include <fmt/format.h>

#include <cassert>

#include "core/base/byte_order.h"

namespace kbench::harness {

void EncodePayloadHeader(const PayloadHeader& header, uint8_t* buf, size_t size) {
  assert(size >= kPayloadHeaderSize);
  (void)size;
  StoreBigEndian<uint16_t>(buf, kPayloadMagic);
  buf[2] = kPayloadVersion;
  buf[3] = 0;
  StoreBigEndian<uint32_t>(buf + 4, header.producer_id);
  StoreBigEndian<uint64_t>(buf + 8, header.sequence);
  StoreBigEndian<int64_t>(buf + 16, header.intended_send_wall_ns);
}

Result<PayloadHeader> DecodePayloadHeader(const uint8_t* buf, size_t size) {
  if (size < kPayloadHeaderSize) {
    return Status::Corruption(fmt::format(
        "payload of {} bytes is shorter than the {}-byte kbench header", size, kPayloadHeaderSize));
  }
  const uint16_t magic = LoadBigEndian<uint16_t>(buf);
  if (magic != kPayloadMagic) {
    return Status::Corruption(fmt::format(
        "payload magic {:#06x}, expected {:#06x}: not a kbench message", magic, kPayloadMagic));
  }
  if (buf[2] != kPayloadVersion) {
    return Status::Corruption(
        fmt::format("payload version {}, this kbench reads version {}", buf[2], kPayloadVersion));
  }
  PayloadHeader h;
  h.producer_id = LoadBigEndian<uint32_t>(buf + 4);
  h.sequence = LoadBigEndian<uint64_t>(buf + 8);
  h.intended_send_wall_ns = LoadBigEndian<int64_t>(buf + 16);
  return h;
}

}  // namespace kbench::harness
