#include "core/storage/record_batch.h"

#include <fmt/format.h>

#include "core/base/byte_order.h"
#include "core/storage/crc32c.h"
#include "core/storage/record.h"

namespace kbench::storage {
namespace bf = batch_format;
namespace {

Status Corrupt(std::string msg) {
  return Status::Corruption(std::move(msg), ErrorCode::kCorruptMessage);
}
Status Invalid(std::string msg) {
  return Status::Corruption(std::move(msg), ErrorCode::kInvalidRecord);
}

// Header rules that depend on who is appending.
Status CheckHeaderForOrigin(const BatchHeader& h, const ValidationOptions& options) {
  if (h.record_count < 0) return Invalid(fmt::format("negative record count {}", h.record_count));
  if (h.last_offset_delta < 0)
    return Invalid(fmt::format("negative last offset delta {}", h.last_offset_delta));
  if (static_cast<int>(h.compression()) > static_cast<int>(Compression::kZstd)) {
    return Invalid(fmt::format("unknown compression codec {}", static_cast<int>(h.compression())));
  }
  if (h.record_count > int64_t{h.last_offset_delta} + 1) {
    return Invalid(fmt::format("record count {} exceeds the offset range of last offset delta {}",
                               h.record_count, h.last_offset_delta));
  }
  if (h.is_transactional() && !h.has_producer_id()) {
    return Invalid("transactional batch without a producer id");
  }
  if (options.origin != AppendOrigin::kClient) return Status::Ok();
  if (h.record_count == 0) return Invalid("batch holds no records");
  if (h.record_count != int64_t{h.last_offset_delta} + 1) {
    return Invalid(
        fmt::format("record count {} does not match last offset delta {} (expected count {})",
                    h.record_count, h.last_offset_delta, int64_t{h.last_offset_delta} + 1));
  }
  if (h.is_control()) return Invalid("clients may not write control batches");
  if (h.has_producer_id() && h.base_sequence < 0) {
    return Invalid(fmt::format("producer id {} with invalid base sequence {}",
                               h.producer_id.value(), h.base_sequence));
  }
  return Status::Ok();
}

// Walks every record of a batch that already passed framing and header checks.
Status CheckRecords(std::span<const uint8_t> batch, const BatchHeader& h,
                    const ValidationOptions& options, std::vector<uint8_t>* scratch) {
  std::span<const uint8_t> records = batch.subspan(bf::kRecordsPos);
  if (h.compression() != Compression::kNone) {
    KB_RETURN_IF_ERROR(
        Decompress(h.compression(), records, options.max_decompressed_bytes, scratch));
    records = *scratch;
  }
  RecordCheck check;
  check.offset_deltas_dense = options.origin == AppendOrigin::kClient;
  check.require_keys = options.require_keys;
  RecordReader reader(h, records, check);
  RecordView view;
  while (true) {
    KB_ASSIGN_OR_RETURN(bool more, reader.Next(&view));
    if (!more) break;
  }
  return reader.Finish();
}

Status ValidateOne(std::span<const uint8_t> bytes, const ValidationOptions& options,
                   BatchHeader* header, std::vector<uint8_t>* scratch) {
  KB_RETURN_IF_ERROR(CheckBatchFraming(bytes, header));
  if (header->size_bytes() > options.max_batch_bytes) {
    return Status::Kafka(ErrorCode::kMessageTooLarge,
                         fmt::format("batch of {} bytes exceeds max.message.bytes {}",
                                     header->size_bytes(), options.max_batch_bytes));
  }
  KB_RETURN_IF_ERROR(CheckHeaderForOrigin(*header, options));
  if (!options.check_records) return Status::Ok();
  return CheckRecords(bytes.first(static_cast<size_t>(header->size_bytes())), *header, options,
                      scratch);
}

}  // namespace

int32_t BatchHeader::last_sequence() const {
  if (base_sequence < 0) return -1;
  if (base_sequence > INT32_MAX - last_offset_delta)
    return last_offset_delta - (INT32_MAX - base_sequence) - 1;
  return base_sequence + last_offset_delta;
}

BatchHeader DecodeBatchHeader(const uint8_t* p) {
  BatchHeader h;
  h.base_offset = Offset(LoadBigEndian<int64_t>(p + bf::kBaseOffsetPos));
  h.length = LoadBigEndian<int32_t>(p + bf::kLengthPos);
  h.partition_leader_epoch = LeaderEpoch(LoadBigEndian<int32_t>(p + bf::kPartitionLeaderEpochPos));
  h.magic = static_cast<int8_t>(p[bf::kMagicPos]);
  h.crc = LoadBigEndian<uint32_t>(p + bf::kCrcPos);
  h.attributes = LoadBigEndian<int16_t>(p + bf::kAttributesPos);
  h.last_offset_delta = LoadBigEndian<int32_t>(p + bf::kLastOffsetDeltaPos);
  h.base_timestamp = LoadBigEndian<int64_t>(p + bf::kBaseTimestampPos);
  h.max_timestamp = LoadBigEndian<int64_t>(p + bf::kMaxTimestampPos);
  h.producer_id = ProducerId(LoadBigEndian<int64_t>(p + bf::kProducerIdPos));
  h.producer_epoch = ProducerEpoch(LoadBigEndian<int16_t>(p + bf::kProducerEpochPos));
  h.base_sequence = LoadBigEndian<int32_t>(p + bf::kBaseSequencePos);
  h.record_count = LoadBigEndian<int32_t>(p + bf::kRecordCountPos);
  return h;
}

Status CheckBatchFraming(std::span<const uint8_t> bytes, BatchHeader* header) {
  if (bytes.size() < static_cast<size_t>(bf::kLogOverhead)) {
    return Corrupt(
        fmt::format("{} trailing bytes are too few for a batch's offset and length", bytes.size()));
  }
  const int32_t length = LoadBigEndian<int32_t>(bytes.data() + bf::kLengthPos);
  if (length < bf::kHeaderSize - bf::kLogOverhead) {
    return Corrupt(fmt::format("batch length {} is below the minimum {} (a 61-byte header)", length,
                               bf::kHeaderSize - bf::kLogOverhead));
  }
  const size_t size = static_cast<size_t>(length) + bf::kLogOverhead;
  if (size > bytes.size()) {
    return Corrupt(
        fmt::format("batch of {} bytes overruns the {} bytes available", size, bytes.size()));
  }
  *header = DecodeBatchHeader(bytes.data());
  if (header->magic != bf::kMagic) {
    return Invalid(
        fmt::format("magic {} (only RecordBatch v2, magic 2, is supported)", header->magic));
  }
  const uint32_t crc = ComputeBatchCrc(bytes.first(size));
  if (crc != header->crc) {
    return Corrupt(
        fmt::format("CRC-32C mismatch: stored 0x{:08x}, computed 0x{:08x}", header->crc, crc));
  }
  return Status::Ok();
}

Status ValidateBatch(std::span<const uint8_t> batch, const ValidationOptions& options,
                     BatchHeader* header) {
  std::vector<uint8_t> scratch;
  KB_RETURN_IF_ERROR(ValidateOne(batch, options, header, &scratch));
  if (static_cast<size_t>(header->size_bytes()) != batch.size()) {
    return Corrupt(fmt::format("{} bytes follow the {} byte batch",
                               batch.size() - header->size_bytes(), header->size_bytes()));
  }
  return Status::Ok();
}

Result<ValidatedRecords> ValidateRecords(std::span<uint8_t> buffer,
                                         const ValidationOptions& options) {
  ValidatedRecords out;
  out.buffer_ = buffer;
  out.origin_ = options.origin;
  std::vector<uint8_t> scratch;
  size_t pos = 0;
  while (pos < buffer.size()) {
    ValidatedBatch batch;
    batch.position = pos;
    Status s = ValidateOne(buffer.subspan(pos), options, &batch.header, &scratch);
    if (!s.ok()) {
      return s.WithContext(
          fmt::format("batch {} at byte {} of {}", out.batches_.size(), pos, buffer.size()));
    }
    pos += static_cast<size_t>(batch.header.size_bytes());
    out.record_count_ += batch.header.record_count;
    out.batches_.push_back(batch);
  }
  if (out.batches_.empty() && options.origin == AppendOrigin::kClient) {
    return Invalid("produce records hold no record batch");
  }
  if (options.require_single_batch && out.batches_.size() > 1) {
    return Invalid(
        fmt::format("{} record batches where exactly one is allowed", out.batches_.size()));
  }
  return out;
}

uint32_t ComputeBatchCrc(std::span<const uint8_t> batch) {
  return Crc32c(batch.subspan(bf::kCrcCoveredFrom));
}

void SetBaseOffset(std::span<uint8_t> batch, Offset base) {
  StoreBigEndian<int64_t>(batch.data() + bf::kBaseOffsetPos, base.value());
}

void SetPartitionLeaderEpoch(std::span<uint8_t> batch, LeaderEpoch epoch) {
  StoreBigEndian<int32_t>(batch.data() + bf::kPartitionLeaderEpochPos, epoch.value());
}

void SetLogAppendTime(std::span<uint8_t> batch, int64_t append_time_ms) {
  const int16_t attributes = LoadBigEndian<int16_t>(batch.data() + bf::kAttributesPos);
  StoreBigEndian<int16_t>(batch.data() + bf::kAttributesPos,
                          static_cast<int16_t>(attributes | bf::kTimestampTypeBit));
  StoreBigEndian<int64_t>(batch.data() + bf::kMaxTimestampPos, append_time_ms);
  StoreBigEndian<uint32_t>(batch.data() + bf::kCrcPos, ComputeBatchCrc(batch));
}

}  // namespace kbench::storage
