// Partition's replication rules against a real log in a temp dir (no network): the leader's high
// watermark over the ISR, acks=all refusal below min.insync.replicas, ISR shrink and expansion
// proposals that take effect only once committed, Kafka's caught-up rule, follower appends fenced
// by the leader epoch, and truncation rebuilding the idempotence state.
#include <gtest/gtest.h>

#include "core/broker/partition.h"
#include "core/storage/record_batch_builder.h"
#include "tests/unit/storage/storage_test_util.h"

namespace kbench::broker {
namespace {

using storage::testing::MakeBatch;
using storage::testing::TempDir;

constexpr int64_t kSecond = 1'000'000'000;

PartitionState State(std::vector<int32_t> replicas, std::vector<int32_t> isr, int32_t leader,
                     int32_t epoch = 1, int32_t partition_epoch = 0) {
  PartitionState s;
  for (int32_t r : replicas) s.replicas.push_back(BrokerId(r));
  for (int32_t r : isr) s.isr.push_back(BrokerId(r));
  s.leader = BrokerId(leader);
  s.leader_epoch = LeaderEpoch(epoch);
  s.partition_epoch = partition_epoch;
  return s;
}

class PartitionReplicationTest : public ::testing::Test {
 protected:
  std::shared_ptr<Partition> Make(int32_t local, int min_insync = 1) {
    auto log = storage::PartitionLog::Open(tmp_.Sub("t-0"), tp_, storage::LogConfig{});
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    TopicConfig config;
    config.min_insync_replicas = min_insync;
    auto p = Partition::Create(tp_, std::shared_ptr<storage::PartitionLog>(std::move(*log)),
                               BrokerId(local), config);
    EXPECT_TRUE(p.ok());
    return *p;
  }
  // Appends `n` records as leader; returns the last offset + 1.
  Offset Append(Partition& p, int n, int16_t acks = 1) {
    std::vector<uint8_t> batch = MakeBatch(n);
    bool hw = false;
    auto r = p.AppendRecordsAsLeader(batch, acks, &hw);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->last_offset + 1 : Offset(-1);
  }

  TempDir tmp_;
  TopicPartition tp_{"t", PartitionId(0)};
};

TEST_F(PartitionReplicationTest, HighWatermarkIsTheMinimumLogEndOverTheIsr) {
  auto p = Make(1);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2, 3}, 1), 1).ok());
  EXPECT_EQ(Append(*p, 10), Offset(10));
  EXPECT_EQ(p->high_watermark(), Offset(0));  // followers' log ends not known yet
  EXPECT_FALSE(p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 2).hw_advanced);
  EXPECT_EQ(p->high_watermark(), Offset(0));
  EXPECT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(4), 3).hw_advanced);
  EXPECT_EQ(p->high_watermark(), Offset(4));
  p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 4);
  EXPECT_EQ(p->high_watermark(), Offset(10));
  // acks=all is answered once the HW passes the batch.
  EXPECT_TRUE(p->CheckEnoughReplicasReachOffset(Offset(10)).done);
  EXPECT_FALSE(p->CheckEnoughReplicasReachOffset(Offset(11)).done);
}

TEST_F(PartitionReplicationTest, AcksAllIsRefusedBeforeAppendWhenTheIsrIsBelowMinInsync) {
  auto p = Make(1, /*min_insync=*/2);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1}, 1), 1).ok());
  std::vector<uint8_t> batch = MakeBatch(5);
  bool hw = false;
  auto r = p->AppendRecordsAsLeader(batch, -1, &hw);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kafka_error(), ErrorCode::kNotEnoughReplicas);
  EXPECT_EQ(p->log_end_offset(), Offset(0));
  EXPECT_EQ(Append(*p, 5, /*acks=*/1), Offset(5));  // acks=1 still goes through
}

TEST_F(PartitionReplicationTest, IsrShrinkTakesEffectOnlyOnceTheControllerCommitsIt) {
  auto p = Make(1, /*min_insync=*/2);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2, 3}, 1, 1, 7), kSecond).ok());
  Append(*p, 10);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), kSecond + 1);
  // Follower 3 never fetches: after the lag time it is proposed out.
  EXPECT_FALSE(p->MaybeShrinkIsr(kSecond + kSecond / 2, kSecond).has_value());
  std::optional<IsrProposal> shrink = p->MaybeShrinkIsr(3 * kSecond, kSecond);
  ASSERT_TRUE(shrink.has_value());
  EXPECT_FALSE(shrink->expand);
  EXPECT_EQ(shrink->new_isr, (std::vector<BrokerId>{BrokerId(1), BrokerId(2)}));
  EXPECT_EQ(shrink->partition_epoch, 7);
  EXPECT_FALSE(p->MaybeShrinkIsr(4 * kSecond, kSecond).has_value());  // one proposal at a time
  // Until committed the HW still waits for follower 3.
  EXPECT_EQ(p->high_watermark(), Offset(0));
  PartitionState committed = State({1, 2, 3}, {1, 2}, 1, 1, 8);
  EXPECT_TRUE(p->ApplyIsrChange(committed));
  EXPECT_EQ(p->high_watermark(), Offset(10));
  EXPECT_EQ(p->state().isr.size(), 2u);
}

TEST_F(PartitionReplicationTest, CaughtUpFollowerIsProposedBackIntoTheIsr) {
  auto p = Make(1);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2}, 1), 1).ok());
  Append(*p, 10);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 2);
  EXPECT_EQ(p->high_watermark(), Offset(10));
  // Behind the HW: not yet.
  EXPECT_FALSE(p->UpdateFollowerFetchState(BrokerId(3), Offset(6), 3).expand.has_value());
  FollowerFetchUpdate u = p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 4);
  ASSERT_TRUE(u.expand.has_value());
  EXPECT_TRUE(u.expand->expand);
  EXPECT_EQ(u.expand->new_isr.size(), 3u);
  // While the expansion is pending the HW counts the rejoining follower (the maximal ISR).
  EXPECT_EQ(p->maximal_isr().size(), 3u);
  Append(*p, 5);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(15), 5);
  EXPECT_EQ(p->high_watermark(), Offset(10));
  p->UpdateFollowerFetchState(BrokerId(3), Offset(15), 6);
  EXPECT_EQ(p->high_watermark(), Offset(15));
}

TEST_F(PartitionReplicationTest, IneligibleFollowerIsNotProposedForTheIsr) {
  auto p = Make(1);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2}, 1), 1).ok());
  Append(*p, 10);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 2);
  // Broker 3 is caught up but shutting down (KIP-841): tracked, not proposed.
  FollowerFetchUpdate u = p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 3, {false, 1});
  EXPECT_FALSE(u.expand.has_value());
  EXPECT_EQ(p->follower_log_end(BrokerId(3)), Offset(10));
  EXPECT_EQ(p->maximal_isr().size(), 2u);
  // Eligible again (it restarted and registered): proposed.
  EXPECT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 4, {true, 2}).expand);
}

TEST_F(PartitionReplicationTest, RefusedProposalIsNotRepeatedUntilTheMetadataChanges) {
  auto p = Make(1);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2}, 1, 1, 4), 1).ok());
  Append(*p, 10);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 2, {true, 1});
  ASSERT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 3, {true, 1}).expand);
  // The controller knows better (broker 3 is fenced there): refused, state unchanged.
  EXPECT_FALSE(p->ApplyIsrChange(State({1, 2, 3}, {1, 2}, 1, 1, 4), ErrorCode::kIneligibleReplica));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 4 + i, {true, 1}).expand);
  }
  // Shrinks wait too (the same state was just refused).
  EXPECT_FALSE(p->MaybeShrinkIsr(100 * kSecond, kSecond).has_value());
  // A new eligibility generation (the broker list changed) lifts the hold.
  EXPECT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 10, {true, 2}).expand);
  // A controller failure is not a refusal: the next fetch proposes again.
  p->ApplyIsrChange(State({1, 2, 3}, {1, 2}, 1, 1, 4), ErrorCode::kKafkaStorageError);
  EXPECT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 11, {true, 2}).expand);
  // Refused again, then a newer partition state from the metadata lifts the hold.
  p->ApplyIsrChange(State({1, 2, 3}, {1, 2}, 1, 1, 4), ErrorCode::kInvalidRequest);
  EXPECT_FALSE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 12, {true, 2}).expand);
  ASSERT_TRUE(p->MakeLeader(State({1, 2, 3}, {1, 2}, 1, 1, 5), 13).ok());
  EXPECT_TRUE(p->UpdateFollowerFetchState(BrokerId(3), Offset(10), 14, {true, 2}).expand);
}

TEST_F(PartitionReplicationTest, FollowerIsCaughtUpAsOfItsLastFetchThatReachedTheLogEnd) {
  auto p = Make(1);
  ASSERT_TRUE(p->MakeLeader(State({1, 2}, {1, 2}, 1), 0).ok());
  Append(*p, 10);
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 1 * kSecond);  // caught up at 1 s
  Append(*p, 10);
  // At 2 s it fetches what was the end at 1 s: caught up as of 1 s, not 2 s.
  p->UpdateFollowerFetchState(BrokerId(2), Offset(10), 2 * kSecond);
  EXPECT_FALSE(p->MaybeShrinkIsr(2 * kSecond + kSecond / 2, kSecond * 3 / 2).has_value());
  EXPECT_TRUE(p->MaybeShrinkIsr(2 * kSecond + kSecond * 6 / 10, kSecond * 3 / 2).has_value());
}

TEST_F(PartitionReplicationTest, FollowerAppendIsFencedByTheLeaderEpoch) {
  auto p = Make(2);
  EXPECT_TRUE(p->MakeFollower(State({1, 2}, {1, 2}, 1, 3)));
  std::vector<uint8_t> batch =
      MakeBatch(4, 16, 1'700'000'000'000, {.partition_leader_epoch = LeaderEpoch(3)});
  auto stale = p->AppendRecordsAsFollower(batch, LeaderEpoch(2));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().kafka_error(), ErrorCode::kFencedLeaderEpoch);
  auto ok = p->AppendRecordsAsFollower(batch, LeaderEpoch(3));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(p->log_end_offset(), Offset(4));
  EXPECT_EQ(p->log()->latest_epoch(), LeaderEpoch(3));  // epochs come with the leader's batches
  p->UpdateFollowerHighWatermark(Offset(100));
  EXPECT_EQ(p->high_watermark(), Offset(4));                   // capped at its own log end
  EXPECT_FALSE(p->MakeFollower(State({1, 2}, {1, 2}, 1, 3)));  // same leader and epoch
  EXPECT_TRUE(p->MakeFollower(State({1, 2}, {1, 2}, 1, 4)));
}

TEST_F(PartitionReplicationTest, TruncationRebuildsTheProducerState) {
  auto p = Make(2);
  p->MakeFollower(State({1, 2}, {1, 2}, 1, 1));
  storage::BatchOptions o{.producer_id = ProducerId(7),
                          .producer_epoch = ProducerEpoch(0),
                          .base_sequence = 0,
                          .partition_leader_epoch = LeaderEpoch(1)};
  std::vector<uint8_t> first = MakeBatch(5, 16, 1'700'000'000'000, o);
  ASSERT_TRUE(p->AppendRecordsAsFollower(first, LeaderEpoch(1)).ok());
  o.base_offset = Offset(5);
  o.base_sequence = 5;
  std::vector<uint8_t> second = MakeBatch(5, 16, 1'700'000'000'000, o);
  ASSERT_TRUE(p->AppendRecordsAsFollower(second, LeaderEpoch(1)).ok());
  ASSERT_EQ(p->FindProducer(ProducerId(7))->batches.back().last_seq, 9);
  auto leo = p->TruncateTo(Offset(5));
  ASSERT_TRUE(leo.ok());
  EXPECT_EQ(*leo, Offset(5));
  EXPECT_EQ(p->FindProducer(ProducerId(7))->batches.back().last_seq, 4);
  // As the new leader it accepts the producer's retry of sequence 5 as new data.
  ASSERT_TRUE(p->MakeLeader(State({1, 2}, {2}, 2, 2), 1).ok());
  storage::BatchOptions retry{
      .producer_id = ProducerId(7), .producer_epoch = ProducerEpoch(0), .base_sequence = 5};
  std::vector<uint8_t> batch = MakeBatch(5, 16, 1'700'000'000'000, retry);
  bool hw = false;
  auto r = p->AppendRecordsAsLeader(batch, 1, &hw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->duplicate);
  EXPECT_EQ(r->first_offset, Offset(5));
}

TEST_F(PartitionReplicationTest, NewLeaderCountsUnknownFollowersAsBehind) {
  auto p = Make(2);
  p->MakeFollower(State({1, 2}, {1, 2}, 1, 1));
  std::vector<uint8_t> batch =
      MakeBatch(8, 16, 1'700'000'000'000, {.partition_leader_epoch = LeaderEpoch(1)});
  ASSERT_TRUE(p->AppendRecordsAsFollower(batch, LeaderEpoch(1)).ok());
  p->UpdateFollowerHighWatermark(Offset(3));
  ASSERT_TRUE(p->MakeLeader(State({1, 2}, {1, 2}, 2, 2), 1).ok());
  // It keeps its follower HW until the other ISR member reports its log end.
  EXPECT_EQ(p->high_watermark(), Offset(3));
  EXPECT_EQ(p->log()->latest_epoch(), LeaderEpoch(2));
  p->UpdateFollowerFetchState(BrokerId(1), Offset(8), 2);
  EXPECT_EQ(p->high_watermark(), Offset(8));
}

}  // namespace
}  // namespace kbench::broker
