#include "core/broker/partition_offset_log.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "core/base/clock.h"
#include "core/storage/record.h"
#include "core/storage/record_batch_builder.h"

namespace kbench::broker {
namespace {

std::string_view AsText(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<uint8_t> Copy(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

}  // namespace

PartitionOffsetLog::PartitionOffsetLog(std::shared_ptr<Partition> partition,
                                       ReplicaManager* replicas, int64_t commit_timeout_ms)
    : partition_(std::move(partition)),
      replicas_(replicas),
      commit_timeout_ms_(commit_timeout_ms),
      epoch_(partition_->leader_epoch()) {}

Status PartitionOffsetLog::CheckLeader() const {
  if (!partition_->is_leader() || partition_->leader_epoch() != epoch_) {
    return Status::Kafka(ErrorCode::kNotLeaderOrFollower,
                         fmt::format("{}: no longer led here at epoch {}",
                                     partition_->topic_partition().ToString(), epoch_.value()));
  }
  return Status::Ok();
}

Result<Offset> PartitionOffsetLog::Append(std::span<const OffsetLogRecord> records) {
  if (records.empty()) return Status::InvalidArgument("offset log append without records");
  KB_RETURN_IF_ERROR(CheckLeader());
  storage::RecordBatchBuilder builder({.partition_leader_epoch = epoch_});
  const int64_t now = WallMillis();
  for (const OffsetLogRecord& r : records) {
    std::optional<std::string_view> value;
    if (r.value) value = AsText(*r.value);
    builder.Add(r.timestamp_ms >= 0 ? r.timestamp_ms : now, AsText(r.key), value);
  }
  KB_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.Build());
  KB_ASSIGN_OR_RETURN(PartitionAppendResult appended,
                      replicas_->AppendAsCoordinator(partition_, batch));
  return appended.last_offset;
}

void PartitionOffsetLog::WhenCommitted(Offset last, std::function<void(Status)> done) {
  replicas_->AwaitReplication(
      partition_, last + 1, commit_timeout_ms_,
      [done = std::move(done), tp = partition_->topic_partition()](ErrorCode error) {
        if (error == ErrorCode::kNone) {
          done(Status::Ok());
        } else {
          done(Status::Kafka(error, fmt::format("{}: offsets not committed", tp.ToString())));
        }
      });
}

Status PartitionOffsetLog::Replay(const std::function<Status(const OffsetLogRecord&)>& fn) {
  const storage::PartitionLog& log = *partition_->log();
  const Offset end = partition_->high_watermark();
  std::vector<uint8_t> scratch;
  return log.ForEachBatch(
      log.log_start_offset(),
      [&](const storage::BatchHeader& h, std::span<const uint8_t> batch) -> Result<bool> {
        if (h.base_offset >= end) return false;
        if (h.is_control()) return true;
        KB_RETURN_IF_ERROR(
            storage::ForEachRecord(batch, &scratch, [&](const storage::RecordView& rec) {
              if (!rec.key) return Status::Ok();  // not a coordinator record
              OffsetLogRecord record;
              record.key = Copy(*rec.key);
              if (rec.value) record.value = Copy(*rec.value);
              record.timestamp_ms = rec.timestamp;
              return fn(record);
            }));
        return true;
      });
}

}  // namespace kbench::broker
