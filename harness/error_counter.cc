#include "harness/error_counter.h"

namespace kbench::harness {

void ErrorCounter::Add(std::string_view name, int64_t n) {
  total_.fetch_add(n, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(name);
  if (it == counts_.end()) it = counts_.emplace(std::string(name), 0).first;
  it->second += n;
}

std::map<std::string, int64_t> ErrorCounter::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {counts_.begin(), counts_.end()};
}

}  // namespace kbench::harness
