#include "harness/key_generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

namespace kbench::harness {

int32_t KafkaMurmur2(std::string_view key) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const uint32_t length = static_cast<uint32_t>(key.size());
  uint32_t h = kSeed ^ length;
  const uint32_t blocks = length / 4;
  for (uint32_t i = 0; i < blocks; ++i) {
    const uint8_t* b = data + i * 4;
    uint32_t k =
        uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint8_t* tail = data + blocks * 4;
  switch (length % 4) {
    case 3:
      h ^= uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t{tail[0]};
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

namespace {

// One table per (count, exponent), built once and shared by every producer thread.
std::shared_ptr<const std::vector<double>> ZipfCdf(int64_t count, double exponent) {
  static std::mutex mu;
  static std::map<std::pair<int64_t, double>, std::shared_ptr<const std::vector<double>>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{count, exponent}];
  if (!slot) {
    auto cdf = std::make_shared<std::vector<double>>(static_cast<size_t>(count));
    double sum = 0;
    for (int64_t k = 0; k < count; ++k) {
      sum += 1.0 / std::pow(static_cast<double>(k + 1), exponent);
      (*cdf)[static_cast<size_t>(k)] = sum;
    }
    for (double& c : *cdf) c /= sum;
    slot = std::move(cdf);
  }
  return slot;
}

}  // namespace

KeyGenerator::KeyGenerator(KeyDistributor kind, int64_t key_count, double zipf_exponent,
                           uint64_t seed)
    : kind_(kind), key_count_(std::max<int64_t>(1, key_count)), rng_(seed) {
  if (kind_ == KeyDistributor::kZipf) zipf_cdf_ = ZipfCdf(key_count_, zipf_exponent);
}

int64_t KeyGenerator::NextIndex() {
  switch (kind_) {
    case KeyDistributor::kNoKey:
      return -1;
    case KeyDistributor::kKeyRoundRobin: {
      const int64_t k = next_;
      next_ = (next_ + 1) % key_count_;
      return k;
    }
    case KeyDistributor::kRandom:
      return static_cast<int64_t>(rng_() % static_cast<uint64_t>(key_count_));
    case KeyDistributor::kZipf: {
      const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
      const auto it = std::lower_bound(zipf_cdf_->begin(), zipf_cdf_->end(), u);
      return std::min<int64_t>(it - zipf_cdf_->begin(), key_count_ - 1);
    }
  }
  return -1;
}

}  // namespace kbench::harness
