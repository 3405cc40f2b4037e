#include "harness/lag_evaluator.h"

#include <algorithm>

namespace kbench::harness {

std::string_view PartitionLagStatusName(PartitionLagStatus s) {
  switch (s) {
    case PartitionLagStatus::kOk:
      return "OK";
    case PartitionLagStatus::kWarning:
      return "WARNING";
    case PartitionLagStatus::kStalled:
      return "STALLED";
    case PartitionLagStatus::kStopped:
      return "STOPPED";
    case PartitionLagStatus::kRewind:
      return "REWIND";
  }
  return "?";
}

std::string_view GroupLagStatusName(GroupLagStatus s) {
  switch (s) {
    case GroupLagStatus::kOk:
      return "OK";
    case GroupLagStatus::kWarning:
      return "WARNING";
    case GroupLagStatus::kError:
      return "ERROR";
  }
  return "?";
}

void LagEvaluator::AddCommit(const std::string& group, const std::string& partition,
                             int64_t time_ms, int64_t offset, int64_t log_end) {
  std::deque<LagCommit>& w = groups_[group][partition];
  w.push_back({time_ms, offset, std::max<int64_t>(0, log_end - offset)});
  while (w.size() > window_) w.pop_front();
  int64_t& known = log_end_[partition];
  known = std::max(known, log_end);
}

PartitionLagStatus LagEvaluator::EvaluateWindow(const std::deque<LagCommit>& c, int64_t current_lag,
                                                int64_t now_ms) {
  if (c.empty() || current_lag <= 0) return PartitionLagStatus::kOk;
  if (std::any_of(c.begin(), c.end(), [](const LagCommit& x) { return x.lag == 0; }))
    return PartitionLagStatus::kOk;
  bool rewind = false, moved = false, lag_decreased = false;
  for (size_t i = 1; i < c.size(); ++i) {
    rewind |= c[i].offset < c[i - 1].offset;
    moved |= c[i].offset != c[i - 1].offset;
    lag_decreased |= c[i].lag < c[i - 1].lag;
  }
  if (rewind) return PartitionLagStatus::kRewind;
  if (now_ms - c.back().time_ms > c.back().time_ms - c.front().time_ms)
    return PartitionLagStatus::kStopped;
  if (!moved) return PartitionLagStatus::kStalled;
  if (!lag_decreased) return PartitionLagStatus::kWarning;
  return PartitionLagStatus::kOk;
}

GroupLagEvaluation LagEvaluator::Evaluate(const std::string& group, int64_t now_ms) const {
  GroupLagEvaluation out;
  auto g = groups_.find(group);
  if (g == groups_.end()) return out;
  for (const auto& [partition, commits] : g->second) {
    int64_t lag = commits.empty() ? 0 : commits.back().lag;
    if (auto le = log_end_.find(partition); le != log_end_.end() && !commits.empty()) {
      lag = std::max<int64_t>(0, le->second - commits.back().offset);
    }
    const PartitionLagStatus s = EvaluateWindow(commits, lag, now_ms);
    out.partitions[partition] = s;
    out.current_lag[partition] = lag;
    out.total_lag += lag;
    if (s == PartitionLagStatus::kWarning && out.status == GroupLagStatus::kOk)
      out.status = GroupLagStatus::kWarning;
    if (s == PartitionLagStatus::kStalled || s == PartitionLagStatus::kStopped ||
        s == PartitionLagStatus::kRewind) {
      out.status = GroupLagStatus::kError;
    }
  }
  return out;
}

std::map<std::string, GroupLagEvaluation> LagEvaluator::EvaluateAll(int64_t now_ms) const {
  std::map<std::string, GroupLagEvaluation> out;
  for (const auto& [group, partitions] : groups_) out[group] = Evaluate(group, now_ms);
  return out;
}

}  // namespace kbench::harness
