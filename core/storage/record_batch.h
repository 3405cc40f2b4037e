// RecordBatch v2: decode a batch header, validate batches in place, and rewrite the fields a broker
// owns (BaseOffset, PartitionLeaderEpoch, LogAppendTime) without copying. Layout:
// record_batch_format.h.
//
// The produce path (broker) is:
//   Result<ValidatedRecords> v = ValidateRecords(records_span,
//   log.validation_options(AppendOrigin::kClient));
//   ... idempotence checks on v->batches()[i].header (producer id/epoch/sequence) ...
//   log.AppendAsLeader(*v, {...});        // assigns offsets by rewriting the buffer in place
// Nothing is written anywhere until AppendAsLeader, so a rejected request leaves the log unchanged.
//
// Errors follow Kafka: CORRUPT_MESSAGE when bytes do not add up (CRC mismatch, a Length that
// overruns the buffer or is below the header size), INVALID_RECORD when a batch or record is
// well-framed but structurally wrong (bad magic, count vs LastOffsetDelta, record fields that
// overrun their record, client control batches, keyless records on a compacted topic),
// MESSAGE_TOO_LARGE for a batch above max.message.bytes. Each message names the batch position in
// the buffer and the field.
//
// Thread safety: free functions on caller-owned buffers; ValidatedRecords is a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/base/strong_int.h"
#include "core/storage/compression.h"
#include "core/storage/record_batch_format.h"

namespace kbench::storage {

enum class TimestampType : int8_t { kCreateTime = 0, kLogAppendTime = 1 };

// The 61-byte header, decoded.
struct BatchHeader {
  Offset base_offset{0};
  int32_t length = 0;  // bytes after the Length field
  LeaderEpoch partition_leader_epoch = kNoLeaderEpoch;
  int8_t magic = batch_format::kMagic;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  int32_t size_bytes() const { return length + batch_format::kLogOverhead; }
  Offset last_offset() const { return base_offset + last_offset_delta; }
  Offset next_offset() const { return base_offset + (int64_t{last_offset_delta} + 1); }
  Compression compression() const {
    return static_cast<Compression>(attributes & batch_format::kCompressionMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & batch_format::kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                                          : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & batch_format::kTransactionalBit; }
  bool is_control() const { return attributes & batch_format::kControlBit; }
  bool has_producer_id() const { return producer_id.value() >= 0; }
  // BaseSequence + LastOffsetDelta, wrapping past INT32_MAX to 0 as Kafka's sequences do.
  int32_t last_sequence() const;
};

// Decodes the header at p (at least kHeaderSize readable bytes; nothing is checked).
BatchHeader DecodeBatchHeader(const uint8_t* p);

// Where a batch comes from decides how strict validation is (Kafka's AppendOrigin).
enum class AppendOrigin : uint8_t {
  kClient,       // a producer: RecordCount == LastOffsetDelta + 1, offset deltas 0..n-1, no control
                 // batches
  kReplication,  // a follower copying the leader: offsets as the leader wrote them (gaps after
                 // compaction)
  kCoordinator,  // the broker itself (transaction markers, group metadata): control batches allowed
};

struct ValidationOptions {
  AppendOrigin origin = AppendOrigin::kClient;
  // max.message.bytes: a larger batch is MESSAGE_TOO_LARGE.
  int32_t max_batch_bytes = 1048588;
  // cleanup.policy=compact: a data record without a key is INVALID_RECORD.
  bool require_keys = false;
  // Walk every record (decompressing compressed batches), as Kafka's LogValidator does. When false
  // only headers, framing and CRC are checked.
  bool check_records = true;
  // Kafka's produce v3+ rule (exactly one batch per partition). Off by default: the buffer may hold
  // several.
  bool require_single_batch = false;
  // A compressed batch that inflates beyond this is INVALID_RECORD.
  size_t max_decompressed_bytes = 64 << 20;
};

struct ValidatedBatch {
  size_t position = 0;  // of the batch's first byte within the validated buffer
  BatchHeader header;
};

// The outcome of ValidateRecords: the buffer and where each batch is. Only ValidateRecords makes
// one, so holding it proves the bytes passed validation (the log appends without checking again).
class ValidatedRecords {
 public:
  std::span<uint8_t> buffer() const { return buffer_; }
  const std::vector<ValidatedBatch>& batches() const { return batches_; }
  AppendOrigin origin() const { return origin_; }
  int64_t record_count() const { return record_count_; }
  int64_t size_bytes() const { return static_cast<int64_t>(buffer_.size()); }
  std::span<uint8_t> batch_bytes(size_t i) const {
    return buffer_.subspan(batches_[i].position,
                           static_cast<size_t>(batches_[i].header.size_bytes()));
  }
  // Re-reads header i from the buffer (after AppendAsLeader rewrote offsets/epoch in place).
  BatchHeader CurrentHeader(size_t i) const {
    return DecodeBatchHeader(buffer_.data() + batches_[i].position);
  }

 private:
  friend Result<ValidatedRecords> ValidateRecords(std::span<uint8_t>, const ValidationOptions&);
  std::span<uint8_t> buffer_;
  std::vector<ValidatedBatch> batches_;
  AppendOrigin origin_ = AppendOrigin::kClient;
  int64_t record_count_ = 0;
};

// Validates every batch in `buffer` (batches back to back, e.g. a Produce request's records field,
// a follower's fetched bytes). The buffer must stay alive and unmodified while the result is used.
Result<ValidatedRecords> ValidateRecords(std::span<uint8_t> buffer,
                                         const ValidationOptions& options);

// Validates one batch that fills `batch` exactly (recovery, cleaner, tests). On success *header is
// set.
Status ValidateBatch(std::span<const uint8_t> batch, const ValidationOptions& options,
                     BatchHeader* header);

// Checks only framing, magic and CRC of the batch at the start of `bytes` (which may hold more
// after it): what recovery needs to decide where valid data ends. On success *header is set.
Status CheckBatchFraming(std::span<const uint8_t> bytes, BatchHeader* header);

// CRC-32C of the batch's covered range [Attributes, end).
uint32_t ComputeBatchCrc(std::span<const uint8_t> batch);

// In-place rewrites. BaseOffset and PartitionLeaderEpoch lie outside the CRC, so these keep it
// valid.
void SetBaseOffset(std::span<uint8_t> batch, Offset base);
void SetPartitionLeaderEpoch(std::span<uint8_t> batch, LeaderEpoch epoch);
// Marks the batch LogAppendTime with MaxTimestamp = append_time_ms and recomputes the CRC (both
// fields are covered by it), as Kafka's broker does for message.timestamp.type=LogAppendTime.
void SetLogAppendTime(std::span<uint8_t> batch, int64_t append_time_ms);

}  // namespace kbench::storage
