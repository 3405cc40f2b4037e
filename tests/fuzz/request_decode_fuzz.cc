// libFuzzer entry: decodes arbitrary bytes as a request frame through the broker's entry points
// (DecodeRequestHeader + DecodeRequestBody) and checks the properties in request_decode_target.h.
// Built only with -DKBENCH_FUZZ=ON and clang; scripts/test runs it for a bounded time on a seed
// corpus written by request_decode_corpus.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/request_decode_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string violation = kbench::protocol::fuzz::CheckRequestFrame(data, size);
  if (!violation.empty()) {
    std::fprintf(stderr, "request_decode_fuzz: %s\n", violation.c_str());
    std::abort();
  }
  return 0;
}
