#include "tests/fuzz/request_decode_target.h"

#include <span>
#include <vector>

#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::protocol::fuzz {
namespace {

using Bytes = std::vector<uint8_t>;

bool IsDecodeError(const Status& s) {
  return s.kafka_error() == ErrorCode::kInvalidRequest ||
         s.kafka_error() == ErrorCode::kUnsupportedVersion;
}

// encode(decoded) must decode again and encode to the same bytes.
std::string CheckRequestRoundTrip(const RequestHeader& header, const RequestBody& body) {
  Result<EncodedMessage> first = EncodeRequest(header, body);
  if (!first.ok()) return "decoded request does not re-encode: " + first.status().ToString();
  Bytes copy(first->bytes.begin() + 4, first->bytes.end());
  Result<DecodedRequest> again = DecodeRequest(copy);
  if (!again.ok()) return "re-encoded request does not decode: " + again.status().ToString();
  Result<EncodedMessage> second = EncodeRequest(again->header, again->body);
  if (!second.ok() || second->bytes != first->bytes) return "request encoding is not stable";
  return "";
}

std::string CheckResponse(ApiKey key, int16_t version, std::span<const uint8_t> body_bytes) {
  Reader r(body_bytes);
  Result<ResponseBody> body = DecodeResponseBody(key, version, r);
  if (!body.ok()) {
    return IsDecodeError(body.status())
               ? ""
               : "response error with an unexpected code: " + body.status().ToString();
  }
  Result<EncodedMessage> first = EncodeResponse(1, version, *body);
  if (!first.ok()) return "decoded response does not re-encode: " + first.status().ToString();
  Reader r2(std::span<const uint8_t>(first->bytes).subspan(8));  // size prefix + header v0
  Result<ResponseBody> again = DecodeResponseBody(key, version, r2);
  if (!again.ok()) return "re-encoded response does not decode: " + again.status().ToString();
  Result<EncodedMessage> second = EncodeResponse(1, version, *again);
  if (!second.ok() || second->bytes != first->bytes) return "response encoding is not stable";
  return "";
}

}  // namespace

std::string CheckRequestFrame(const uint8_t* data, size_t size) {
  Bytes frame(data, data + size);  // the broker decodes its own writable frame buffer
  Reader r{std::span<uint8_t>(frame)};
  Result<RequestHeader> header = DecodeRequestHeader(r);
  if (!header.ok()) {
    return header.status().kafka_error() == ErrorCode::kInvalidRequest
               ? ""
               : "header error with an unexpected code: " + header.status().ToString();
  }
  const size_t body_at = r.position();
  Result<RequestBody> body = DecodeRequestBody(*header, r);
  std::string violation;
  if (!body.ok()) {
    if (!IsDecodeError(body.status())) {
      violation = "body error with an unexpected code: " + body.status().ToString();
    }
  } else {
    violation = CheckRequestRoundTrip(*header, *body);
  }
  if (!violation.empty()) return violation;
  std::span<const uint8_t> body_bytes(data + body_at, size - body_at);
  return CheckResponse(header->api_key, header->api_version, body_bytes);
}

}  // namespace kbench::protocol::fuzz
