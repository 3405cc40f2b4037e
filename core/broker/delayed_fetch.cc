#include "core/broker/delayed_fetch.h"

#include <algorithm>

namespace kbench::broker {

bool DelayedFetch::TryComplete() {
  int64_t bytes = 0;
  int64_t remaining = params_.max_bytes;
  for (const FetchEntry& e : entries_) {
    std::shared_ptr<Partition> p = manager_->GetPartition(e.tp);
    if (p == nullptr || !p->is_leader()) return true;
    if (e.current_leader_epoch.value() >= 0 && e.current_leader_epoch != p->leader_epoch()) {
      return true;
    }
    if (e.fetch_offset < p->log_start_offset() || e.fetch_offset > p->log_end_offset()) return true;
    if (p->UpperBound(params_.bound) <= e.fetch_offset) continue;
    if (params_.min_bytes <= 1) return true;
    const int64_t limit = std::min<int64_t>(e.partition_max_bytes, remaining);
    Result<storage::ReadResult> r = p->Read(e.fetch_offset, limit, bytes == 0, params_.bound);
    if (!r.ok()) return true;
    bytes += r->slice.length;
    remaining = std::max<int64_t>(0, remaining - r->slice.length);
    if (bytes >= params_.min_bytes) return true;
  }
  return false;
}

void DelayedFetch::OnComplete(CompletionReason) {
  int64_t bytes = 0;
  bool errors = false;
  std::vector<FetchPartitionData> data =
      manager_->ReadFromLocalLog(params_, entries_, &bytes, &errors);
  FetchCallback done = std::move(done_);
  done(std::move(data));
}

}  // namespace kbench::broker
