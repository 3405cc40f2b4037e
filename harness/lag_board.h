// Where consumer threads post their positions and the collector reads them: per (group, partition)
// the latest position, the log end it saw, and when. The collector turns each post into a lag
// sample (the time series) and a "commit" for Burrow's evaluation (lag_evaluator.h): a consumer
// that stops posting goes STOPPED, one that posts the same position goes STALLED.
//
// Threads: Post() from any consumer thread; Snapshot() from the collector. One mutex; posts are
// rare (once per interval per partition).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kbench::harness {

struct LagPost {
  int64_t time_ms = 0;   // monotonic ms of the post
  int64_t position = 0;  // next offset the group will consume
  int64_t log_end = 0;   // high watermark as the consumer last saw it
  int64_t lag() const { return log_end > position ? log_end - position : 0; }
};

class LagBoard {
 public:
  void Post(const std::string& group, uint32_t partition, const LagPost& post);
  // (group, partition) -> latest post.
  std::map<std::pair<std::string, uint32_t>, LagPost> Snapshot() const;
  // Posts since the previous Drain(), oldest first (each one is a Burrow commit).
  std::vector<std::pair<std::pair<std::string, uint32_t>, LagPost>> Drain();

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, uint32_t>, LagPost> latest_;
  std::vector<std::pair<std::pair<std::string, uint32_t>, LagPost>> pending_;
};

}  // namespace kbench::harness
