// Builds RecordBatch v2 batches: for tests, the harness's in-process "direct" driver (which appends
// without the wire), the cleaner (rewriting retained records) and the broker's control records. Can
// compress with any codec, so tests and benchmarks get real compressed batches.
//
//   RecordBatchBuilder b({.compression = Compression::kLz4});
//   b.Add(now_ms, "key", "value");
//   KB_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, b.Build());
//
// Offsets: records get offset deltas 0, 1, 2, ... unless AddWithOffsetDelta sets them (the cleaner
// keeps a batch's original deltas and its LastOffsetDelta). BaseOffset is the option's value (0 for
// a producer: the leader assigns offsets on append).
//
// Thread safety: one builder per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/storage/record.h"
#include "core/storage/record_batch.h"

namespace kbench::storage {

struct BatchOptions {
  Offset base_offset{0};
  Compression compression = Compression::kNone;
  int compression_level = 0;  // 0 = the codec's default
  TimestampType timestamp_type = TimestampType::kCreateTime;
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
  // Overrides: LastOffsetDelta (the cleaner keeps the original so the batch's offset range
  // survives; required for an empty batch to cover any offsets), BaseTimestamp (default: the first
  // record's) and MaxTimestamp (default: the largest record timestamp).
  std::optional<int32_t> last_offset_delta = std::nullopt;
  std::optional<int64_t> base_timestamp = std::nullopt;
  std::optional<int64_t> max_timestamp = std::nullopt;
};

class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(BatchOptions options = {});

  // Appends a record at the next offset delta.
  void Add(int64_t timestamp, std::optional<std::string_view> key,
           std::optional<std::string_view> value, std::span<const RecordHeader> headers = {});
  // Appends a record at an explicit offset delta, larger than the previous one.
  void AddWithOffsetDelta(int32_t offset_delta, int64_t timestamp,
                          std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          std::span<const RecordHeader> headers = {});

  int32_t record_count() const { return count_; }
  // Encoded size of the records so far, before compression; the batch is this plus a 61-byte header
  // when uncompressed.
  size_t records_bytes() const { return records_.size(); }

  // Appends the finished batch to *out.
  Status BuildInto(std::vector<uint8_t>* out) const;
  Result<std::vector<uint8_t>> Build() const;

  // Forgets the records; keeps the options (with a new base sequence / base offset if given).
  void Reset(const BatchOptions& options);

 private:
  BatchOptions options_;
  std::vector<uint8_t> records_;
  std::vector<uint8_t> body_;  // scratch for one record
  int32_t count_ = 0;
  int32_t last_delta_ = -1;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = -1;
};

// Transaction markers (control records): key = version i16 (0) + type i16, value = version i16 (0)
// + coordinator epoch i32, in a transactional control batch of one record. Append with
// AppendOrigin::kCoordinator.
enum class ControlRecordType : int16_t { kAbort = 0, kCommit = 1 };
Result<std::vector<uint8_t>> BuildEndTxnMarker(ControlRecordType type, ProducerId producer_id,
                                               ProducerEpoch producer_epoch,
                                               int32_t coordinator_epoch, int64_t timestamp_ms);

}  // namespace kbench::storage
