// The RecordBatch v2 (magic 2) layout: the one place its byte positions and attribute bits are
// written down, shared by the validator, the in-place rewriters, the builder and recovery.
// Big-endian throughout.
//
//   pos  size  field
//     0     8  BaseOffset
//     8     4  Length                 bytes after this field (batch size - 12)
//    12     4  PartitionLeaderEpoch
//    16     1  Magic = 2
//    17     4  CRC                    CRC-32C of bytes [21, end): Attributes .. last record
//    21     2  Attributes
//    23     4  LastOffsetDelta
//    27     8  BaseTimestamp
//    35     8  MaxTimestamp
//    43     8  ProducerId
//    51     2  ProducerEpoch
//    53     4  BaseSequence
//    57     4  RecordCount
//    61        records (compressed as one stream when Attributes bits 0-2 != 0)
//
// Record: length varint | attributes i8 | timestampDelta varlong | offsetDelta varint | keyLength
// varint
// (-1 = null) | key | valueLength varint (-1 = null) | value | headerCount varint | headers, each
// keyLength varint | key | valueLength varint (-1 = null) | value. Varints are zigzag (Protocol
// Buffers').
#pragma once

#include <cstdint>

namespace kbench::storage::batch_format {

inline constexpr int kBaseOffsetPos = 0;
inline constexpr int kLengthPos = 8;
inline constexpr int kPartitionLeaderEpochPos = 12;
inline constexpr int kMagicPos = 16;
inline constexpr int kCrcPos = 17;
inline constexpr int kAttributesPos = 21;
inline constexpr int kLastOffsetDeltaPos = 23;
inline constexpr int kBaseTimestampPos = 27;
inline constexpr int kMaxTimestampPos = 35;
inline constexpr int kProducerIdPos = 43;
inline constexpr int kProducerEpochPos = 51;
inline constexpr int kBaseSequencePos = 53;
inline constexpr int kRecordCountPos = 57;
inline constexpr int kRecordsPos = 61;

inline constexpr int kHeaderSize = 61;   // a batch with no records
inline constexpr int kLogOverhead = 12;  // BaseOffset + Length: bytes not counted by Length
inline constexpr int kCrcCoveredFrom = kAttributesPos;
inline constexpr int8_t kMagic = 2;

// Attributes.
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;  // 1 = LogAppendTime
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;
inline constexpr int16_t kDeleteHorizonBit =
    0x40;  // BaseTimestamp holds the compaction delete horizon

// The smallest possible encoded record: length(1) attributes(1) tsDelta(1) offsetDelta(1) keyLen(1)
// valueLen(1) headerCount(1).
inline constexpr int kMinRecordSize = 7;

}  // namespace kbench::storage::batch_format
