#include "tests/unit/protocol/flatten.h"

#include <unistd.h>

#include <cerrno>

namespace kbench::protocol::testing {

Result<std::vector<uint8_t>> Flatten(const EncodedMessage& msg) {
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(msg.WireSize()));
  size_t done = 0;
  for (const Splice& s : msg.splices) {
    out.insert(out.end(), msg.bytes.begin() + done, msg.bytes.begin() + s.at);
    done = s.at;
    size_t old = out.size();
    out.resize(old + static_cast<size_t>(s.slice.length));
    ssize_t n = ::pread(s.slice.file->fd(), out.data() + old, s.slice.length, s.slice.position);
    if (n != s.slice.length) return Status::FromErrno("pread " + s.slice.file->path(), errno);
  }
  out.insert(out.end(), msg.bytes.begin() + done, msg.bytes.end());
  return out;
}

}  // namespace kbench::protocol::testing
