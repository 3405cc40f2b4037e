#include "harness/payload_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace kbench::harness {

Result<PayloadGenerator> PayloadGenerator::Create(const Workload& w, uint64_t seed) {
  const MessageSizeSpec& spec = w.message_size;
  const size_t max_size =
      static_cast<size_t>(std::max<int32_t>(spec.MaxSize(), kPayloadHeaderSize));
  std::vector<std::vector<uint8_t>> pool;
  if (spec.kind == MessageSizeSpec::Kind::kFile) {
    std::ifstream in(spec.payload_file, std::ios::binary);
    if (!in)
      return Status::InvalidArgument(fmt::format("payloadFile {}: cannot open", spec.payload_file));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (bytes.size() < kPayloadHeaderSize) {
      return Status::InvalidArgument(
          fmt::format("payloadFile {}: {} bytes, shorter than the {}-byte kbench header",
                      spec.payload_file, bytes.size(), kPayloadHeaderSize));
    }
    pool.push_back(std::move(bytes));
  } else {
    std::mt19937_64 rng(seed ^ 0x5eedULL);
    const int n = w.use_randomized_payloads ? std::max(1, w.randomized_payload_pool_size) : 1;
    const size_t random_bytes =
        static_cast<size_t>(static_cast<double>(max_size) * w.random_bytes_ratio);
    for (int i = 0; i < n; ++i) {
      std::vector<uint8_t> t(max_size, 0);
      for (size_t b = 0; b < random_bytes; ++b) t[b] = static_cast<uint8_t>(rng());
      pool.push_back(std::move(t));
    }
  }
  return PayloadGenerator(spec, std::move(pool), seed);
}

PayloadGenerator::PayloadGenerator(MessageSizeSpec spec, std::vector<std::vector<uint8_t>> pool,
                                   uint64_t seed)
    : spec_(std::move(spec)), pool_(std::move(pool)), rng_(seed) {
  if (spec_.kind == MessageSizeSpec::Kind::kWeighted) {
    std::vector<double> weights;
    for (const auto& [size, weight] : spec_.weighted) weights.push_back(weight);
    weighted_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }
}

int32_t PayloadGenerator::NextSize() {
  switch (spec_.kind) {
    case MessageSizeSpec::Kind::kUniform:
      return std::uniform_int_distribution<int32_t>(spec_.min, spec_.max)(rng_);
    case MessageSizeSpec::Kind::kWeighted:
      return spec_.weighted[weighted_(rng_)].first;
    case MessageSizeSpec::Kind::kFixed:
    case MessageSizeSpec::Kind::kFile:
      return spec_.size;
  }
  return spec_.size;
}

std::span<const uint8_t> PayloadGenerator::Build(const PayloadHeader& header, int32_t size) {
  std::vector<uint8_t>& t = pool_[next_template_];
  next_template_ = (next_template_ + 1) % pool_.size();
  const size_t n = std::clamp<size_t>(static_cast<size_t>(size), kPayloadHeaderSize, t.size());
  EncodePayloadHeader(header, t.data(), n);
  return {t.data(), n};
}

}  // namespace kbench::harness
