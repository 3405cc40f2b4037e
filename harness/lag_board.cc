#include "harness/lag_board.h"

namespace kbench::harness {

void LagBoard::Post(const std::string& group, uint32_t partition, const LagPost& post) {
  std::lock_guard<std::mutex> lock(mu_);
  latest_[{group, partition}] = post;
  pending_.push_back({{group, partition}, post});
}

std::map<std::pair<std::string, uint32_t>, LagPost> LagBoard::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

std::vector<std::pair<std::pair<std::string, uint32_t>, LagPost>> LagBoard::Drain() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(pending_, {});
}

}  // namespace kbench::harness
