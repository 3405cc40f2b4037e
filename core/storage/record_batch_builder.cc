#include "core/storage/record_batch_builder.h"

#include <algorithm>

#include "core/base/byte_order.h"
#include "core/storage/varint.h"

namespace kbench::storage {
namespace bf = batch_format;
namespace {

void PutBytes(std::vector<uint8_t>* out, std::string_view bytes) {
  out->insert(out->end(), bytes.begin(), bytes.end());
}

void PutNullable(std::vector<uint8_t>* out, const std::optional<std::string_view>& bytes) {
  if (!bytes) {
    WriteVarlong(out, -1);
    return;
  }
  WriteVarlong(out, static_cast<int64_t>(bytes->size()));
  PutBytes(out, *bytes);
}

}  // namespace

RecordBatchBuilder::RecordBatchBuilder(BatchOptions options) : options_(std::move(options)) {}

void RecordBatchBuilder::Reset(const BatchOptions& options) {
  options_ = options;
  records_.clear();
  count_ = 0;
  last_delta_ = -1;
  max_timestamp_ = -1;
}

void RecordBatchBuilder::Add(int64_t timestamp, std::optional<std::string_view> key,
                             std::optional<std::string_view> value,
                             std::span<const RecordHeader> headers) {
  AddWithOffsetDelta(last_delta_ + 1, timestamp, key, value, headers);
}

void RecordBatchBuilder::AddWithOffsetDelta(int32_t offset_delta, int64_t timestamp,
                                            std::optional<std::string_view> key,
                                            std::optional<std::string_view> value,
                                            std::span<const RecordHeader> headers) {
  if (count_ == 0) base_timestamp_ = options_.base_timestamp.value_or(timestamp);
  body_.clear();
  body_.push_back(0);  // record attributes: unused in v2
  WriteVarlong(&body_, timestamp - base_timestamp_);
  WriteVarlong(&body_, offset_delta);
  PutNullable(&body_, key);
  PutNullable(&body_, value);
  WriteVarlong(&body_, static_cast<int64_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    WriteVarlong(&body_, static_cast<int64_t>(h.key.size()));
    PutBytes(&body_, h.key);
    PutNullable(&body_, h.value ? std::optional<std::string_view>(*h.value) : std::nullopt);
  }
  WriteVarlong(&records_, static_cast<int64_t>(body_.size()));
  records_.insert(records_.end(), body_.begin(), body_.end());
  ++count_;
  last_delta_ = offset_delta;
  max_timestamp_ = std::max(max_timestamp_, timestamp);
}

Status RecordBatchBuilder::BuildInto(std::vector<uint8_t>* out) const {
  const size_t start = out->size();
  out->resize(start + bf::kHeaderSize);
  KB_RETURN_IF_ERROR(Compress(options_.compression, records_, out, options_.compression_level));
  uint8_t* h = out->data() + start;
  const size_t size = out->size() - start;
  int16_t attributes = static_cast<int16_t>(options_.compression);
  if (options_.timestamp_type == TimestampType::kLogAppendTime) attributes |= bf::kTimestampTypeBit;
  if (options_.transactional) attributes |= bf::kTransactionalBit;
  if (options_.control) attributes |= bf::kControlBit;
  const int64_t base_ts = count_ > 0 ? base_timestamp_ : options_.base_timestamp.value_or(-1);
  StoreBigEndian<int64_t>(h + bf::kBaseOffsetPos, options_.base_offset.value());
  StoreBigEndian<int32_t>(h + bf::kLengthPos, static_cast<int32_t>(size - bf::kLogOverhead));
  StoreBigEndian<int32_t>(h + bf::kPartitionLeaderEpochPos,
                          options_.partition_leader_epoch.value());
  h[bf::kMagicPos] = static_cast<uint8_t>(bf::kMagic);
  StoreBigEndian<int16_t>(h + bf::kAttributesPos, attributes);
  StoreBigEndian<int32_t>(h + bf::kLastOffsetDeltaPos,
                          options_.last_offset_delta.value_or(std::max(last_delta_, 0)));
  StoreBigEndian<int64_t>(h + bf::kBaseTimestampPos, base_ts);
  StoreBigEndian<int64_t>(h + bf::kMaxTimestampPos,
                          options_.max_timestamp.value_or(count_ > 0 ? max_timestamp_ : base_ts));
  StoreBigEndian<int64_t>(h + bf::kProducerIdPos, options_.producer_id.value());
  StoreBigEndian<int16_t>(h + bf::kProducerEpochPos, options_.producer_epoch.value());
  StoreBigEndian<int32_t>(h + bf::kBaseSequencePos, options_.base_sequence);
  StoreBigEndian<int32_t>(h + bf::kRecordCountPos, count_);
  StoreBigEndian<uint32_t>(h + bf::kCrcPos, ComputeBatchCrc({h, size}));
  return Status::Ok();
}

Result<std::vector<uint8_t>> RecordBatchBuilder::Build() const {
  std::vector<uint8_t> out;
  out.reserve(records_.size() + bf::kHeaderSize + 64);
  KB_RETURN_IF_ERROR(BuildInto(&out));
  return out;
}

Result<std::vector<uint8_t>> BuildEndTxnMarker(ControlRecordType type, ProducerId producer_id,
                                               ProducerEpoch producer_epoch,
                                               int32_t coordinator_epoch, int64_t timestamp_ms) {
  char key[4], value[6];
  StoreBigEndian<int16_t>(key, 0);
  StoreBigEndian<int16_t>(key + 2, static_cast<int16_t>(type));
  StoreBigEndian<int16_t>(value, 0);
  StoreBigEndian<int32_t>(value + 2, coordinator_epoch);
  BatchOptions options;
  options.producer_id = producer_id;
  options.producer_epoch = producer_epoch;
  options.transactional = true;
  options.control = true;
  RecordBatchBuilder builder(options);
  builder.Add(timestamp_ms, std::string_view(key, sizeof(key)),
              std::string_view(value, sizeof(value)));
  return builder.Build();
}

}  // namespace kbench::storage
