// OffsetsPartitionFor must place a group exactly where Kafka does (Utils.abs(String.hashCode) % N).
#include <gtest/gtest.h>

#include "core/broker/offsets_partitioner.h"

namespace kbench::broker {
namespace {

TEST(OffsetsPartitioner, JavaStringHashCodeMatchesJavaForAsciiAndUnicode) {
  EXPECT_EQ(JavaStringHashCode(""), 0);
  EXPECT_EQ(JavaStringHashCode("hello"), 99162322);
  EXPECT_EQ(JavaStringHashCode("Aa"), 2112);  // the classic collision
  EXPECT_EQ(JavaStringHashCode("BB"), 2112);
  EXPECT_EQ(JavaStringHashCode("my-group"), -1906497762);
  EXPECT_EQ(JavaStringHashCode("\xC3\xA9"), 233);              // U+00E9, two UTF-8 bytes, one unit
  EXPECT_EQ(JavaStringHashCode("\xE2\x82\xAC"), 8364);         // U+20AC
  EXPECT_EQ(JavaStringHashCode("\xF0\x9F\x98\x80"), 1772899);  // U+1F600: surrogate pair
}

TEST(OffsetsPartitioner, HashCodeOverflowWrapsLikeJavaInt) {
  // Java's most famous hashCode: exactly Integer.MIN_VALUE.
  EXPECT_EQ(JavaStringHashCode("polygenelubricants"), INT32_MIN);
}

TEST(OffsetsPartitioner, KafkaAbsMapsMinValueToZero) {
  EXPECT_EQ(KafkaAbs(INT32_MIN), 0);
  EXPECT_EQ(KafkaAbs(-5), 5);
  EXPECT_EQ(KafkaAbs(7), 7);
}

TEST(OffsetsPartitioner, PartitionUsesAbsNotSignBitMasking) {
  EXPECT_EQ(OffsetsPartitionFor("hello", 50), PartitionId(22));
  EXPECT_EQ(OffsetsPartitionFor("polygenelubricants", 50), PartitionId(0));
  // A negative hash: abs(-1906497762) % 50 = 12, where masking the sign bit would give 36.
  EXPECT_EQ(OffsetsPartitionFor("my-group", 50), PartitionId(12));
  EXPECT_EQ(OffsetsPartitionFor("consumer-group-1", 50), PartitionId(20));
  EXPECT_EQ(OffsetsPartitionFor("anything", 1), PartitionId(0));
}

TEST(OffsetsPartitioner, InvalidUtf8BytesCountAsReplacementCharacters) {
  // Each byte of an invalid sequence counts as one U+FFFD (offsets_partitioner.h: Java may group
  // a truncated sequence into one; no real client sends such group ids). It must not crash or
  // read past the end.
  EXPECT_EQ(JavaStringHashCode("\x80"), 0xFFFD);
  EXPECT_EQ(JavaStringHashCode("a\xE2\x82"), 97 * 31 * 31 + 0xFFFD * 31 + 0xFFFD);
}

}  // namespace
}  // namespace kbench::broker
