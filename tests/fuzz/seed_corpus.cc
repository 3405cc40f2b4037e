#include "tests/fuzz/seed_corpus.h"

#include <cstdlib>
#include <string>

#include "core/protocol/request.h"
#include "core/protocol/response.h"

namespace kbench::protocol::fuzz {

std::vector<testing::SeedFrame> SeedCorpus() {
  std::vector<testing::SeedFrame> seeds = testing::SeedRequestFrames();
  for (const ApiSupport& api : SupportedApis()) {
    ResponseBody body = testing::SampleResponse(api.key);
    for (int16_t v = 0; v <= api.max_version; ++v) {
      Writer w;
      EncodeRequestHeader(w, RequestHeader{api.key, v, 2000 + v, "kbench-seed"});
      std::visit([&](const auto& m) { m.Encode(w, v); }, body);
      Result<EncodedMessage> msg = std::move(w).Finish();
      if (!msg.ok()) std::abort();  // the samples encode at every version (see the round-trip test)
      seeds.push_back({std::string(api.name) + "_v" + std::to_string(v) + "_response",
                       std::vector<uint8_t>(msg->bytes.begin() + 4, msg->bytes.end())});
    }
  }
  return seeds;
}

}  // namespace kbench::protocol::fuzz
