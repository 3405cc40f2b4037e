// Runs the fuzz target's check (request_decode_target.h) in the regular build: over every seed,
// then over deterministic random mutations of the seeds (bit flips, boundary values written over
// length and count fields, truncations, insertions, spliced duplicates), so the normal suite
// exercises the decoder on hostile input even where clang/libFuzzer is not available.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "core/base/byte_order.h"
#include "tests/fuzz/request_decode_target.h"
#include "tests/fuzz/seed_corpus.h"

namespace kbench::protocol::fuzz {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr int kMutantsPerSeed = 1000;

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  Bytes Mutate(Bytes b) {
    int ops = 1 + static_cast<int>(Uniform(4));
    for (int i = 0; i < ops; ++i) Apply(b);
    return b;
  }

 private:
  size_t Uniform(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  void Apply(Bytes& b) {
    static constexpr std::array<int32_t, 9> kBoundaries = {
        0, 1, -1, -2, 0x7f, 0x7fff, 0x8000, 0x7fffffff, INT32_MIN};
    switch (Uniform(6)) {
      case 0:  // flip a bit
        if (!b.empty()) b[Uniform(b.size())] ^= static_cast<uint8_t>(1u << Uniform(8));
        break;
      case 1:  // a boundary value over an int16 (string length, api version)
        if (b.size() >= 2) {
          StoreBigEndian<int16_t>(&b[Uniform(b.size() - 1)],
                                  static_cast<int16_t>(kBoundaries[Uniform(kBoundaries.size())]));
        }
        break;
      case 2:  // a boundary value over an int32 (array count, bytes length)
        if (b.size() >= 4) {
          StoreBigEndian<int32_t>(&b[Uniform(b.size() - 3)],
                                  kBoundaries[Uniform(kBoundaries.size())]);
        }
        break;
      case 3:  // truncate
        b.resize(Uniform(b.size() + 1));
        break;
      case 4:  // insert random bytes
        b.insert(b.begin() + static_cast<ptrdiff_t>(Uniform(b.size() + 1)), 1 + Uniform(8),
                 static_cast<uint8_t>(Uniform(256)));
        break;
      default:  // duplicate a slice somewhere else
        if (!b.empty()) {
          size_t from = Uniform(b.size());
          size_t len = 1 + Uniform(std::min<size_t>(16, b.size() - from));
          Bytes piece(b.begin() + static_cast<ptrdiff_t>(from),
                      b.begin() + static_cast<ptrdiff_t>(from + len));
          b.insert(b.begin() + static_cast<ptrdiff_t>(Uniform(b.size() + 1)), piece.begin(),
                   piece.end());
        }
    }
  }

  std::mt19937 rng_;
};

TEST(RequestDecodeReplayTest, EverySeedSatisfiesTheFuzzProperties) {
  std::vector<testing::SeedFrame> seeds = SeedCorpus();
  ASSERT_GT(seeds.size(), 150u);
  for (const testing::SeedFrame& seed : seeds) {
    EXPECT_EQ(CheckRequestFrame(seed.frame.data(), seed.frame.size()), "") << seed.name;
  }
}

TEST(RequestDecodeReplayTest, RandomMutationsSatisfyTheFuzzProperties) {
  std::vector<testing::SeedFrame> seeds = SeedCorpus();
  Mutator mutator(20240601);
  int checked = 0;
  for (const testing::SeedFrame& seed : seeds) {
    for (int i = 0; i < kMutantsPerSeed; ++i) {
      Bytes input = mutator.Mutate(seed.frame);
      std::string violation = CheckRequestFrame(input.data(), input.size());
      ASSERT_EQ(violation, "") << "mutant " << i << " of " << seed.name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(seeds.size()) * kMutantsPerSeed);
}

TEST(RequestDecodeReplayTest, EmptyAndTinyInputsAreHandled) {
  for (size_t n = 0; n < 16; ++n) {
    Bytes zeros(n, 0);
    Bytes ones(n, 0xff);
    EXPECT_EQ(CheckRequestFrame(zeros.data(), zeros.size()), "");
    EXPECT_EQ(CheckRequestFrame(ones.data(), ones.size()), "");
  }
}

}  // namespace
}  // namespace kbench::protocol::fuzz
