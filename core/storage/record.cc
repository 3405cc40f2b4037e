#include "core/storage/record.h"

#include <fmt/format.h>

namespace kbench::storage {
namespace {

std::string ToString(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Reads a nullable length-prefixed byte field (length -1 = null).
bool ReadNullableBytes(ByteCursor* c, std::optional<std::span<const uint8_t>>* out) {
  int32_t len;
  if (!c->ReadVarint(&len) || len < -1) return false;
  if (len == -1) {
    out->reset();
    return true;
  }
  std::span<const uint8_t> bytes;
  if (!c->ReadBytes(static_cast<size_t>(len), &bytes)) return false;
  *out = bytes;
  return true;
}

}  // namespace

std::vector<RecordHeaderView> RecordView::Headers() const {
  std::vector<RecordHeaderView> headers;
  headers.reserve(static_cast<size_t>(header_count));
  ByteCursor c(encoded_headers);
  for (int32_t i = 0; i < header_count; ++i) {
    RecordHeaderView h;
    int32_t key_len = 0;
    c.ReadVarint(&key_len);
    c.ReadBytes(static_cast<size_t>(key_len), &h.key);
    ReadNullableBytes(&c, &h.value);
    headers.push_back(h);
  }
  return headers;
}

RecordReader::RecordReader(const BatchHeader& header, std::span<const uint8_t> records,
                           RecordCheck check)
    : header_(header), cursor_(records), check_(check) {}

Status RecordReader::Malformed(std::string_view what) const {
  return Status::Corruption(fmt::format("record {} of {}: {}", index_, header_.record_count, what),
                            ErrorCode::kInvalidRecord);
}

bool RecordReader::ReadHeaders(ByteCursor* c, int32_t count) {
  for (int32_t i = 0; i < count; ++i) {
    int32_t key_len;
    if (!c->ReadVarint(&key_len) || key_len < 0 || !c->Skip(static_cast<size_t>(key_len)))
      return false;
    std::optional<std::span<const uint8_t>> value;
    if (!ReadNullableBytes(c, &value)) return false;
  }
  return true;
}

Result<bool> RecordReader::Next(RecordView* out) {
  if (index_ >= header_.record_count) return false;
  const size_t available = cursor_.remaining();
  int32_t length;
  std::span<const uint8_t> body;
  if (!cursor_.ReadVarint(&length)) return Malformed("truncated length varint");
  if (length < batch_format::kMinRecordSize - 1 ||
      !cursor_.ReadBytes(static_cast<size_t>(length), &body)) {
    return Malformed(
        fmt::format("length {} does not fit the {} bytes left in the batch", length, available));
  }
  ByteCursor c(body);
  int64_t ts_delta;
  int32_t offset_delta;
  bool ok = c.ReadInt8(&out->attributes) && c.ReadVarlong(&ts_delta) &&
            c.ReadVarint(&offset_delta) && ReadNullableBytes(&c, &out->key) &&
            ReadNullableBytes(&c, &out->value) && c.ReadVarint(&out->header_count) &&
            out->header_count >= 0;
  const uint8_t* headers_start = c.position();
  ok = ok && ReadHeaders(&c, out->header_count);
  if (!ok) return Malformed(fmt::format("fields overrun the record's {} byte length", length));
  if (c.remaining() != 0)
    return Malformed(fmt::format("{} bytes left after the last header", c.remaining()));

  const bool in_sequence =
      check_.offset_deltas_dense
          ? offset_delta == index_
          : offset_delta > previous_delta_ && offset_delta <= header_.last_offset_delta;
  if (!in_sequence) {
    return Malformed(
        fmt::format("offset delta {} out of sequence (previous {}, batch last offset delta {})",
                    offset_delta, previous_delta_, header_.last_offset_delta));
  }
  if (check_.require_keys && !out->key && !header_.is_control()) {
    return Malformed("compacted topic cannot accept a record without a key");
  }
  previous_delta_ = offset_delta;
  out->offset_delta = offset_delta;
  out->offset = header_.base_offset + offset_delta;
  out->timestamp = header_.timestamp_type() == TimestampType::kLogAppendTime
                       ? header_.max_timestamp
                       : header_.base_timestamp + ts_delta;
  out->encoded_headers = {headers_start, static_cast<size_t>(c.position() - headers_start)};
  out->encoded_size = static_cast<int32_t>(available - cursor_.remaining());
  ++index_;
  return true;
}

Status RecordReader::Finish() const {
  if (index_ != header_.record_count) {
    return Status::Corruption(
        fmt::format("batch declares {} records but holds {}", header_.record_count, index_),
        ErrorCode::kInvalidRecord);
  }
  if (cursor_.remaining() != 0) {
    return Status::Corruption(fmt::format("{} bytes remain after the batch's {} declared records",
                                          cursor_.remaining(), header_.record_count),
                              ErrorCode::kInvalidRecord);
  }
  return Status::Ok();
}

Status ForEachRecord(std::span<const uint8_t> batch, std::vector<uint8_t>* scratch,
                     const std::function<Status(const RecordView&)>& fn,
                     size_t max_decompressed_bytes) {
  if (batch.size() < static_cast<size_t>(batch_format::kHeaderSize)) {
    return Status::Corruption(fmt::format("{} bytes is shorter than a batch header", batch.size()));
  }
  const BatchHeader header = DecodeBatchHeader(batch.data());
  if (static_cast<size_t>(header.size_bytes()) != batch.size()) {
    return Status::Corruption(fmt::format("batch length field says {} bytes, span holds {}",
                                          header.size_bytes(), batch.size()));
  }
  std::span<const uint8_t> records = batch.subspan(batch_format::kRecordsPos);
  if (header.compression() != Compression::kNone) {
    KB_RETURN_IF_ERROR(Decompress(header.compression(), records, max_decompressed_bytes, scratch));
    records = *scratch;
  }
  RecordReader reader(header, records);
  RecordView view;
  while (true) {
    KB_ASSIGN_OR_RETURN(bool more, reader.Next(&view));
    if (!more) break;
    KB_RETURN_IF_ERROR(fn(view));
  }
  return reader.Finish();
}

namespace {

Status AppendOwned(std::span<const uint8_t> batch, std::vector<Record>* out) {
  std::vector<uint8_t> scratch;
  return ForEachRecord(batch, &scratch, [out](const RecordView& v) {
    Record r;
    r.offset = v.offset;
    r.timestamp = v.timestamp;
    r.attributes = v.attributes;
    if (v.key) r.key = ToString(*v.key);
    if (v.value) r.value = ToString(*v.value);
    for (const RecordHeaderView& h : v.Headers()) {
      RecordHeader owned{ToString(h.key), std::nullopt};
      if (h.value) owned.value = ToString(*h.value);
      r.headers.push_back(std::move(owned));
    }
    out->push_back(std::move(r));
    return Status::Ok();
  });
}

}  // namespace

Result<std::vector<Record>> DecodeRecords(std::span<const uint8_t> batch) {
  ValidationOptions options;
  options.origin = AppendOrigin::kReplication;
  options.max_batch_bytes = INT32_MAX;
  BatchHeader header;
  KB_RETURN_IF_ERROR(ValidateBatch(batch, options, &header));
  std::vector<Record> records;
  KB_RETURN_IF_ERROR(AppendOwned(batch, &records));
  return records;
}

Result<std::vector<Record>> DecodeAllRecords(std::span<const uint8_t> batches) {
  std::vector<Record> records;
  size_t pos = 0;
  while (pos < batches.size()) {
    BatchHeader header;
    KB_RETURN_IF_ERROR(
        CheckBatchFraming(batches.subspan(pos), &header).WithContext(fmt::format("byte {}", pos)));
    KB_RETURN_IF_ERROR(
        AppendOwned(batches.subspan(pos, static_cast<size_t>(header.size_bytes())), &records)
            .WithContext(fmt::format("batch at byte {}", pos)));
    pos += static_cast<size_t>(header.size_bytes());
  }
  return records;
}

}  // namespace kbench::storage
