// EncodedMessage: one encoded Kafka message (request or response, including its 4-byte size prefix)
// ready for the socket, made of owned bytes plus zero or more file slices spliced in.
//
// Fetch responses carry record batches straight from segment files: the encoder writes every field
// into `bytes` and, where a partition's records go, records a Splice instead of copying. The sender
// then writes bytes[0, s0.at), sendfile(s0.slice), bytes[s0.at, s1.at), sendfile(s1.slice), ...,
// bytes[last.at, end). Splices are in increasing `at` order; the size prefix already counts the
// spliced lengths.
//
// Ownership: the message owns its bytes and holds a reference to each slice's file (see
// FileHandle), so it may outlive the segment it points into. Not thread-safe; hand it from the
// encoder to the sender.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/file_handle.h"

namespace kbench::protocol {

struct Splice {
  size_t at = 0;  // byte position in EncodedMessage::bytes where the slice's bytes belong
  FileSlice slice;
};

struct EncodedMessage {
  std::vector<uint8_t> bytes;
  std::vector<Splice> splices;

  // Total bytes on the wire (owned bytes + spliced file bytes).
  int64_t WireSize() const {
    int64_t n = static_cast<int64_t>(bytes.size());
    for (const Splice& s : splices) n += s.slice.length;
    return n;
  }
};

}  // namespace kbench::protocol
