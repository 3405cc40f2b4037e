#include "core/base/status.h"

#include <gtest/gtest.h>

#include "core/base/result.h"

namespace kbench {
namespace {

TEST(StatusTest, OkStatusCarriesNoErrorAndNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.kafka_error(), ErrorCode::kNone);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CorruptionMapsToCorruptMessageByDefault) {
  Status s = Status::Corruption("crc mismatch at offset 42");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.kafka_error(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(s.ToString(), "Corruption: crc mismatch at offset 42");
}

TEST(StatusTest, KafkaFactoryPicksCategoryAndDefaultMessage) {
  Status s = Status::Kafka(ErrorCode::kNotEnoughReplicas);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "NOT_ENOUGH_REPLICAS");
  EXPECT_TRUE(Status::Kafka(ErrorCode::kNone).ok());
  EXPECT_EQ(Status::Kafka(ErrorCode::kInvalidRecord).code(), StatusCode::kCorruption);
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCodes) {
  Status s = Status::IoError("short write").WithContext("00000000000000000000.log");
  EXPECT_EQ(s.message(), "00000000000000000000.log: short write");
  EXPECT_EQ(s.kafka_error(), ErrorCode::kKafkaStorageError);
  EXPECT_TRUE(Status().WithContext("x").ok());
}

TEST(StatusTest, FromErrnoIncludesSystemMessage) {
  Status s = Status::FromErrno("open /nope", ENOENT);
  EXPECT_EQ(s.message(), "open /nope: No such file or directory");
}

TEST(ErrorCodeTest, NamesMatchKafka) {
  EXPECT_EQ(ErrorName(ErrorCode::kNotEnoughReplicasAfterAppend), "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
  EXPECT_EQ(ErrorName(ErrorCode::kMemberIdRequired), "MEMBER_ID_REQUIRED");
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidRecord), 87);
  EXPECT_TRUE(IsRetriable(ErrorCode::kNotLeaderOrFollower));
  EXPECT_FALSE(IsRetriable(ErrorCode::kInvalidProducerEpoch));
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  KB_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());  // 6/2 = 3 is odd
  EXPECT_FALSE(Quarter(5).ok());
}

TEST(ResultTest, OkStatusWithoutValueBecomesInternalError) {
  Result<int> r{Status()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace kbench
