// Consumer lag judged the way Burrow judges it: by the shape of a sliding window of offset commits,
// not by a threshold (github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules).
//
// For each (group, partition) the evaluator keeps the last `window` commits, each with its time,
// the committed offset and the lag at that moment (log-end - committed). A partition is:
//   OK       lag is 0 now, or was 0 at any commit in the window (Burrow's rule 1), or no rule below
//   fires REWIND   the committed offset went backwards within the window (error) STOPPED  the time
//   since the last commit exceeds the time the window spans            (error) STALLED  the
//   committed offset did not move over the window, while there is lag        (error) WARNING
//   offsets advance but the lag never decreased between consecutive commits      (falling behind)
// checked in that order (worst first). A group is ERROR when any partition is REWIND, STOPPED or
// STALLED, WARNING when any is WARNING, OK otherwise.
//
// In kbench a "commit" is a consumer reporting its position: the harness's consumer threads report
// once per interval, so a consumer that is alive but stuck shows as STALLED and one that stopped
// reporting (a dead thread, a consumer that left the group) as STOPPED.
//
// Threads: not thread-safe; the harness's collector thread owns it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

namespace kbench::harness {

enum class PartitionLagStatus { kOk, kWarning, kStalled, kStopped, kRewind };
enum class GroupLagStatus { kOk, kWarning, kError };

std::string_view PartitionLagStatusName(PartitionLagStatus s);  // "OK", "WARNING", "STALLED", ...
std::string_view GroupLagStatusName(GroupLagStatus s);

struct LagCommit {
  int64_t time_ms = 0;
  int64_t offset = 0;  // committed (next offset to consume)
  int64_t lag = 0;     // log-end - offset at that time (>= 0)
};

struct GroupLagEvaluation {
  GroupLagStatus status = GroupLagStatus::kOk;
  std::map<std::string, PartitionLagStatus> partitions;
  std::map<std::string, int64_t> current_lag;
  int64_t total_lag = 0;
};

class LagEvaluator {
 public:
  explicit LagEvaluator(size_t window = 10) : window_(window < 2 ? 2 : window) {}

  // A consumer of `group` committed `offset` on `partition` when the log end was `log_end`.
  void AddCommit(const std::string& group, const std::string& partition, int64_t time_ms,
                 int64_t offset, int64_t log_end);
  // The partition's log end moved (producers keep writing while a consumer may not commit).
  void UpdateLogEnd(const std::string& partition, int64_t log_end) {
    log_end_[partition] = log_end;
  }

  GroupLagEvaluation Evaluate(const std::string& group, int64_t now_ms) const;
  std::map<std::string, GroupLagEvaluation> EvaluateAll(int64_t now_ms) const;

  // The rules on one window (exposed for tests): `commits` oldest first, `current_lag` = log end
  // now minus the last committed offset.
  static PartitionLagStatus EvaluateWindow(const std::deque<LagCommit>& commits,
                                           int64_t current_lag, int64_t now_ms);

 private:
  size_t window_;
  std::map<std::string, std::map<std::string, std::deque<LagCommit>>> groups_;
  std::map<std::string, int64_t> log_end_;
};

}  // namespace kbench::harness
