// Records inside a RecordBatch v2: a zero-copy reader over the (decompressed) records section, and
// an owning decode for callers that keep records (tests, the direct driver's consumer, the
// cleaner).
//
//   RecordReader reader(header, records_bytes);
//   RecordView r;
//   while (true) { KB_ASSIGN_OR_RETURN(bool more, reader.Next(&r)); if (!more) break; ... }
//   KB_RETURN_IF_ERROR(reader.Finish());   // no trailing bytes, count matched
//
// Offsets and timestamps in a RecordView are absolute (base + delta). In a LogAppendTime batch
// every record's timestamp is the batch's MaxTimestamp, as Kafka defines it.
//
// Errors: INVALID_RECORD naming the record index and the field that was malformed or overran its
// record. Thread safety: a reader is used by one thread; RecordViews point into the caller's
// buffer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/storage/record_batch.h"
#include "core/storage/varint.h"

namespace kbench::storage {

struct RecordHeaderView {
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;  // nullopt = null
};

struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp = 0;
  int32_t offset_delta = 0;
  Offset offset{0};
  std::optional<std::span<const uint8_t>> key;    // nullopt = null key
  std::optional<std::span<const uint8_t>> value;  // nullopt = null value (a tombstone)
  int32_t header_count = 0;
  std::span<const uint8_t>
      encoded_headers;       // header_count headers, already validated by the reader
  int32_t encoded_size = 0;  // bytes of the whole record, length varint included

  // Decodes the headers (they were validated when the record was read, so this cannot fail).
  std::vector<RecordHeaderView> Headers() const;
};

// What a record-level check requires beyond well-formed fields.
struct RecordCheck {
  bool offset_deltas_dense = false;  // client batches: record i has offset delta i
  bool require_keys = false;         // compacted topics
};

class RecordReader {
 public:
  RecordReader(const BatchHeader& header, std::span<const uint8_t> records, RecordCheck check = {});

  // Reads the next record. false once header.record_count records were read.
  Result<bool> Next(RecordView* out);
  // After the last record: no bytes may remain.
  Status Finish() const;

 private:
  Status Malformed(std::string_view what) const;
  static bool ReadHeaders(ByteCursor* c, int32_t count);

  const BatchHeader& header_;
  ByteCursor cursor_;
  RecordCheck check_;
  int32_t index_ = 0;
  int64_t previous_delta_ = -1;
};

// Calls fn for every record of a batch whose bytes fill `batch` (decompressing into *scratch when
// the batch is compressed). Stops at and returns the first error from decoding or from fn.
Status ForEachRecord(std::span<const uint8_t> batch, std::vector<uint8_t>* scratch,
                     const std::function<Status(const RecordView&)>& fn,
                     size_t max_decompressed_bytes = 64 << 20);

// An owned record: what tests, consumers and the cleaner keep.
struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  friend bool operator==(const RecordHeader&, const RecordHeader&) = default;
};

struct Record {
  Offset offset{0};
  int64_t timestamp = 0;
  int8_t attributes = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
};

// Decodes every record of one batch (validating framing, CRC and records first).
Result<std::vector<Record>> DecodeRecords(std::span<const uint8_t> batch);

// Decodes every record of every batch in a buffer of whole batches (e.g. the bytes of a FileSlice).
Result<std::vector<Record>> DecodeAllRecords(std::span<const uint8_t> batches);

}  // namespace kbench::storage
