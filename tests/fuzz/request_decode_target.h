// The check behind the request-decoding fuzz target, shared by the libFuzzer binary
// (request_decode_fuzz.cc, clang + -fsanitize=fuzzer,address,undefined) and the replay test that
// runs it over the seed corpus and random mutations in the normal build.
//
// Input: one request frame (the bytes after the 4-byte size prefix), decoded exactly as the broker
// does (DecodeRequestHeader, then DecodeRequestBody over a writable copy). Properties checked:
//   - no crash, no sanitizer report, no unbounded allocation (the libFuzzer build enforces these);
//   - a failure carries INVALID_REQUEST (malformed) or UNSUPPORTED_VERSION (not served), nothing
//   else;
//   - a decoded request re-encodes, the re-encoding decodes, and encoding that again gives the same
//     bytes (decoder and encoder agree on every field the input can reach).
// The same body bytes are also decoded as the response of that API and version (what the replica
// fetcher does with a peer's reply) and checked the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kbench::protocol::fuzz {

// Empty when every property holds; otherwise what was violated.
std::string CheckRequestFrame(const uint8_t* data, size_t size);

}  // namespace kbench::protocol::fuzz
