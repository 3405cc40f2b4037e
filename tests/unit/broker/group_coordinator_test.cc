// The group coordinator's rebalance protocol with deterministic time: MEMBER_ID_REQUIRED, joins,
// leader election, SyncGroup, heartbeats in every state, session and rebalance timeouts, the
// initial delay, protocol selection, and placement (NOT_COORDINATOR, FindCoordinator).
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/broker/group_coordinator_test_util.h"

namespace kbench::broker::testing {
namespace {

using E = ErrorCode;

TEST_F(GroupCoordinatorTest, MemberIdRequiredFlowAssignsAnIdThenJoins) {
  JoinSlot first = Join("g", "", JoinOptions{.version = 4, .client_id = "rdkafka"});
  ASSERT_TRUE(first.ready());
  EXPECT_EQ(first->error_code, E::kMemberIdRequired);
  EXPECT_EQ(first->generation_id, -1);
  const std::string id = first->member_id;
  ASSERT_EQ(id.size(), std::string("rdkafka-").size() + 36) << id;  // <client id>-<uuid>
  EXPECT_EQ(id.rfind("rdkafka-", 0), 0u);
  EXPECT_EQ(Describe("g").pending_members, std::vector<std::string>{id});
  EXPECT_TRUE(Describe("g").members.empty());

  JoinSlot second = Join("g", id, JoinOptions{.version = 4});
  ASSERT_TRUE(second.ready());  // the only member: the rebalance completes at once (no delay)
  EXPECT_EQ(second->error_code, E::kNone);
  EXPECT_EQ(second->generation_id, 1);
  EXPECT_EQ(second->member_id, id);
  EXPECT_EQ(second->leader, id);
  EXPECT_EQ(second->protocol_name, "range");
  ASSERT_EQ(second->members.size(), 1u);
  EXPECT_EQ(second->members[0].member_id, id);
  EXPECT_EQ(second->members[0].metadata, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(first.calls(), 1);
  EXPECT_EQ(second.calls(), 1);
  EXPECT_TRUE(Describe("g").pending_members.empty());
  EXPECT_EQ(Describe("g").state, GroupState::kCompletingRebalance);

  SyncSlot sync = Sync("g", 1, id, {{id, Bytes("mine")}});
  ASSERT_TRUE(sync.ready());
  EXPECT_EQ(sync->error_code, E::kNone);
  EXPECT_EQ(sync->assignment, Bytes("mine"));
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
  EXPECT_EQ(Heartbeat("g", 1, id), E::kNone);
}

TEST_F(GroupCoordinatorTest, JoinBelowV4GetsAMemberIdDirectly) {
  JoinSlot join = Join("g", "", JoinOptions{.version = 3, .client_id = "kafka-python"});
  ASSERT_TRUE(join.ready());
  EXPECT_EQ(join->error_code, E::kNone);
  EXPECT_EQ(join->generation_id, 1);
  EXPECT_EQ(join->member_id.rfind("kafka-python-", 0), 0u);
  EXPECT_EQ(join->leader, join->member_id);
}

TEST_F(GroupCoordinatorTest, JoinV0UsesTheSessionTimeoutAsRebalanceTimeout) {
  JoinSlot join = Join("g", "", JoinOptions{.version = 0, .session_timeout_ms = 7000});
  ASSERT_TRUE(join.ready());
  ASSERT_EQ(join->error_code, E::kNone);
  // A second member makes the group rebalance; the first never rejoins and is dropped after its
  // rebalance timeout, which for v0 is the session timeout (7 s, not the 30 s default).
  const std::string first = join->member_id;
  ASSERT_EQ(Sync("g", 1, first, {{first, {}}})->error_code, E::kNone);
  JoinSlot second = Join("g", "", JoinOptions{.version = 0, .session_timeout_ms = 7000});
  EXPECT_FALSE(second.ready());
  timer_->Advance(6999);
  EXPECT_FALSE(second.ready());
  timer_->Advance(1);
  ASSERT_TRUE(second.ready());
  EXPECT_EQ(second->generation_id, 2);
  EXPECT_EQ(Describe("g").members, std::vector<std::string>{second->member_id});
}

TEST_F(GroupCoordinatorTest, PendingMemberThatNeverRejoinsExpiresAfterItsSessionTimeout) {
  std::string id = RequestMemberId("g", JoinOptions{.session_timeout_ms = 8000});
  EXPECT_EQ(Describe("g").pending_members.size(), 1u);
  timer_->Advance(7999);
  EXPECT_EQ(Describe("g").pending_members.size(), 1u);
  timer_->Advance(1);
  EXPECT_TRUE(Describe("g").pending_members.empty());
  // Its id is now unknown.
  JoinSlot late = Join("g", id);
  ASSERT_TRUE(late.ready());
  EXPECT_EQ(late->error_code, E::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, PendingMemberHoldsTheRebalanceUntilItRejoins) {
  std::string a = RequestMemberId("g");
  std::string b = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  EXPECT_FALSE(ja.ready());  // b was told to rejoin: wait for it
  JoinSlot jb = Join("g", b);
  ASSERT_TRUE(ja.ready());
  ASSERT_TRUE(jb.ready());
  EXPECT_EQ(ja->generation_id, 1);
  EXPECT_EQ(jb->generation_id, 1);
  EXPECT_EQ(Describe("g").members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, ThreeMembersJoinTheLeaderGetsTheMemberListAndSyncDistributes) {
  config_.group_initial_rebalance_delay_ms = 300;
  Restart();
  std::vector<JoinOptions> options(3);
  options[0].protocols = {{"range", Bytes("m0")}};
  options[1].protocols = {{"range", Bytes("m1")}};
  options[2].protocols = {{"range", Bytes("m2")}};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(RequestMemberId("g", options[i]));
  std::vector<JoinSlot> joins;
  for (int i = 0; i < 3; ++i) joins.push_back(Join("g", ids[i], options[i]));
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
  timer_->Advance(299);
  for (const JoinSlot& j : joins) EXPECT_FALSE(j.ready());
  // Members arrived during the delay, so it is extended once more.
  timer_->Advance(300);
  for (const JoinSlot& j : joins) EXPECT_FALSE(j.ready());
  timer_->Advance(1);
  std::set<std::string> leaders;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(joins[i].ready());
    EXPECT_EQ(joins[i]->error_code, E::kNone);
    EXPECT_EQ(joins[i]->generation_id, 1);
    EXPECT_EQ(joins[i]->member_id, ids[i]);
    leaders.insert(joins[i]->leader);
  }
  ASSERT_EQ(leaders.size(), 1u);
  const std::string leader = *leaders.begin();
  EXPECT_EQ(leader, ids[0]);  // the first to join leads
  ASSERT_EQ(joins[0]->members.size(), 3u);
  std::map<std::string, std::vector<uint8_t>> metadata;
  for (const auto& m : joins[0]->members) metadata[m.member_id] = m.metadata;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(metadata[ids[i]], Bytes("m" + std::to_string(i)));
  EXPECT_TRUE(joins[1]->members.empty());  // followers get no member list
  EXPECT_TRUE(joins[2]->members.empty());

  // Followers sync first and wait for the leader.
  SyncSlot s1 = Sync("g", 1, ids[1]);
  SyncSlot s2 = Sync("g", 1, ids[2]);
  EXPECT_FALSE(s1.ready());
  EXPECT_FALSE(s2.ready());
  SyncSlot s0 =
      Sync("g", 1, leader, {{ids[0], Bytes("p0")}, {ids[1], Bytes("p1")}, {ids[2], Bytes("p2")}});
  ASSERT_TRUE(s0.ready() && s1.ready() && s2.ready());
  EXPECT_EQ(s0->assignment, Bytes("p0"));
  EXPECT_EQ(s1->assignment, Bytes("p1"));
  EXPECT_EQ(s2->assignment, Bytes("p2"));
  EXPECT_EQ(s1.calls(), 1);
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
  // A late SyncGroup in Stable gets the stored assignment at once.
  SyncSlot again = Sync("g", 1, ids[2]);
  ASSERT_TRUE(again.ready());
  EXPECT_EQ(again->assignment, Bytes("p2"));
}

TEST_F(GroupCoordinatorTest, InitialDelayIsCappedByTheRebalanceTimeout) {
  config_.group_initial_rebalance_delay_ms = 1000;
  Restart();
  const int64_t start = timer_->NowMs();
  JoinOptions o{.rebalance_timeout_ms = 2500};
  std::vector<JoinSlot> joins;
  joins.push_back(Join("g", RequestMemberId("g", o), o));
  // A new member every 400 ms would extend the delay forever (1000 -> 2000 -> ...); the
  // extensions stop once the rebalance timeout (2500 ms) is used up.
  for (int i = 0; i < 20; ++i) {
    timer_->Advance(400);
    if (joins[0].ready()) break;
    joins.push_back(Join("g", RequestMemberId("g", o), o));
  }
  ASSERT_TRUE(joins[0].ready());
  EXPECT_EQ(timer_->NowMs() - start, 2800);  // completed at 2500, seen after the 2800 step
  EXPECT_EQ(joins[0]->generation_id, 1);
  EXPECT_EQ(joins[0]->members.size(), 7u);  // joined at 0, 400, ..., 2400
}

TEST_F(GroupCoordinatorTest, MemberThatLeftBeforeTheDelayEndedIsNotInTheGeneration) {
  config_.group_initial_rebalance_delay_ms = 300;
  Restart();
  std::string a = RequestMemberId("g");
  std::string b = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  JoinSlot jb = Join("g", b);
  EXPECT_EQ(Leave("g", b), E::kNone);
  ASSERT_TRUE(jb.ready());  // the leaver's pending JoinGroup is answered, not dropped
  EXPECT_EQ(jb->error_code, E::kUnknownMemberId);
  timer_->Advance(600);
  ASSERT_TRUE(ja.ready());
  ASSERT_EQ(ja->members.size(), 1u);
  EXPECT_EQ(ja->members[0].member_id, a);
}

TEST_F(GroupCoordinatorTest, HeartbeatAnswersInEachState) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  const std::string a = m[0].id;
  const std::string b = m[1].id;
  // Stable.
  EXPECT_EQ(Heartbeat("g", 1, a), E::kNone);
  EXPECT_EQ(Heartbeat("g", 0, a), E::kIllegalGeneration);
  EXPECT_EQ(Heartbeat("g", 1, "nobody"), E::kUnknownMemberId);
  EXPECT_EQ(Heartbeat("no-such-group", 1, a), E::kUnknownMemberId);
  EXPECT_EQ(Heartbeat("", 1, a), E::kInvalidGroupId);
  // PreparingRebalance: the leader rejoins (e.g. its metadata changed).
  JoinSlot ja = Join("g", a);
  EXPECT_FALSE(ja.ready());
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(Heartbeat("g", 1, b), E::kRebalanceInProgress);
  EXPECT_EQ(Heartbeat("g", 2, b), E::kIllegalGeneration);
  SyncSlot early = Sync("g", 1, b);
  ASSERT_TRUE(early.ready());
  EXPECT_EQ(early->error_code, E::kRebalanceInProgress);
  // CompletingRebalance: joined generation 2, not synced yet.
  JoinSlot jb = Join("g", b);
  ASSERT_TRUE(ja.ready() && jb.ready());
  EXPECT_EQ(jb->generation_id, 2);
  EXPECT_EQ(Describe("g").state, GroupState::kCompletingRebalance);
  EXPECT_EQ(Heartbeat("g", 2, b), E::kNone);
  EXPECT_EQ(Heartbeat("g", 1, b), E::kIllegalGeneration);
  SyncSlot stale = Sync("g", 1, b);
  ASSERT_TRUE(stale.ready());
  EXPECT_EQ(stale->error_code, E::kIllegalGeneration);
  SyncSlot unknown = Sync("g", 2, "nobody");
  ASSERT_TRUE(unknown.ready());
  EXPECT_EQ(unknown->error_code, E::kUnknownMemberId);
  ASSERT_EQ(Sync("g", 2, a, {{a, {}}, {b, {}}})->error_code, E::kNone);
  // Empty: everyone left.
  EXPECT_EQ(Leave("g", a), E::kNone);
  EXPECT_EQ(Leave("g", b), E::kNone);
  EXPECT_EQ(Describe("g").state, GroupState::kEmpty);
  EXPECT_EQ(Heartbeat("g", 2, a), E::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, ExpiredSessionTriggersARebalanceAndOthersRejoinWithAHigherGeneration) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  const std::string a = m[0].id;
  const std::string b = m[1].id;
  timer_->Advance(6000);
  EXPECT_EQ(Heartbeat("g", 1, a), E::kNone);  // a heartbeats, b is silent
  timer_->Advance(3999);
  EXPECT_EQ(Describe("g").members.size(), 2u);
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
  timer_->Advance(1);  // b's 10 s session has run out
  EXPECT_EQ(Describe("g").members, std::vector<std::string>{a});
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(Heartbeat("g", 1, a), E::kRebalanceInProgress);
  EXPECT_EQ(Heartbeat("g", 1, b), E::kUnknownMemberId);
  JoinSlot rejoin = Join("g", a);
  ASSERT_TRUE(rejoin.ready());
  EXPECT_EQ(rejoin->error_code, E::kNone);
  EXPECT_EQ(rejoin->generation_id, 2);
  EXPECT_EQ(rejoin->leader, a);
  ASSERT_EQ(rejoin->members.size(), 1u);
  EXPECT_EQ(Sync("g", 2, a, {{a, Bytes("all")}})->assignment, Bytes("all"));
}

TEST_F(GroupCoordinatorTest, ExpiredLeaderIsReplacedByAMemberThatRejoined) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  const std::string leader = m[0].id;
  const std::string other = m[1].id;
  timer_->Advance(9000);
  EXPECT_EQ(Heartbeat("g", 1, other), E::kNone);
  timer_->Advance(1000);  // the leader expires
  JoinSlot rejoin = Join("g", other);
  ASSERT_TRUE(rejoin.ready());
  EXPECT_EQ(rejoin->leader, other);
  EXPECT_EQ(rejoin->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, LeavingMemberTriggersARebalance) {
  std::vector<FormedMember> m = FormGroup("g", 3);
  EXPECT_EQ(Leave("g", m[2].id), E::kNone);
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(Leave("g", m[2].id), E::kUnknownMemberId);
  EXPECT_EQ(Leave("g", "nobody"), E::kUnknownMemberId);
  EXPECT_EQ(Leave("no-such-group", "x"), E::kUnknownMemberId);
  EXPECT_EQ(Heartbeat("g", 1, m[0].id), E::kRebalanceInProgress);
  JoinSlot j0 = Join("g", m[0].id);
  EXPECT_FALSE(j0.ready());
  JoinSlot j1 = Join("g", m[1].id);
  ASSERT_TRUE(j0.ready() && j1.ready());
  EXPECT_EQ(j0->generation_id, 2);
  EXPECT_EQ(j0->members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, LeaveOfAPendingMemberReleasesTheRebalance) {
  std::string a = RequestMemberId("g");
  std::string b = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  EXPECT_FALSE(ja.ready());
  EXPECT_EQ(Leave("g", b), E::kNone);
  ASSERT_TRUE(ja.ready());
  EXPECT_EQ(ja->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, MemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped) {
  JoinOptions o{.session_timeout_ms = 10000, .rebalance_timeout_ms = 20000};
  std::vector<FormedMember> m = FormGroup("g", 2, o);
  const std::string a = m[0].id;
  const std::string b = m[1].id;
  JoinSlot ja = Join("g", a, o);  // the leader starts a rebalance
  // b keeps its session alive with heartbeats but never rejoins.
  for (int i = 0; i < 3; ++i) {
    timer_->Advance(5000);
    EXPECT_EQ(Heartbeat("g", 1, b), E::kRebalanceInProgress);
    EXPECT_FALSE(ja.ready());
  }
  // a sent nothing for 15 s (more than its session): a rejoining member is timed by the
  // rebalance, not its session.
  EXPECT_EQ(Describe("g").members.size(), 2u);
  timer_->Advance(4999);
  EXPECT_FALSE(ja.ready());
  timer_->Advance(1);
  ASSERT_TRUE(ja.ready());
  EXPECT_EQ(ja->error_code, E::kNone);
  EXPECT_EQ(ja->generation_id, 2);
  ASSERT_EQ(ja->members.size(), 1u);
  EXPECT_EQ(ja->members[0].member_id, a);
  EXPECT_EQ(Heartbeat("g", 1, b), E::kUnknownMemberId);
  EXPECT_EQ(Heartbeat("g", 2, b), E::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, NewMemberWaitingForASlowRebalanceIsDroppedAfterTheJoinTimeout) {
  config_.new_member_join_timeout_ms = 5000;
  Restart();
  JoinOptions o{.rebalance_timeout_ms = 60000};
  std::vector<FormedMember> m = FormGroup("g", 1, o);
  JoinSlot newcomer = Join("g", RequestMemberId("g", o), o);
  EXPECT_FALSE(newcomer.ready());  // waits for the old member to rejoin
  timer_->Advance(4000);
  EXPECT_EQ(Heartbeat("g", 1, m[0].id), E::kRebalanceInProgress);
  timer_->Advance(1000);
  ASSERT_TRUE(newcomer.ready());
  EXPECT_EQ(newcomer->error_code, E::kUnknownMemberId);
  EXPECT_EQ(Describe("g").members, std::vector<std::string>{m[0].id});
}

TEST_F(GroupCoordinatorTest, FollowersWaitForTheLeaderAndUnsyncedMembersAreRemoved) {
  JoinOptions o{.session_timeout_ms = 10000, .rebalance_timeout_ms = 30000};
  std::string a = RequestMemberId("g", o);
  std::string b = RequestMemberId("g", o);
  JoinSlot ja = Join("g", a, o);
  JoinSlot jb = Join("g", b, o);
  ASSERT_TRUE(ja.ready() && jb.ready());
  ASSERT_EQ(ja->leader, a);
  SyncSlot sb = Sync("g", 1, b);
  // The leader heartbeats but never sends its assignment.
  for (int i = 0; i < 5; ++i) {
    timer_->Advance(5000);
    EXPECT_EQ(Heartbeat("g", 1, a), E::kNone);
    EXPECT_FALSE(sb.ready());
  }
  timer_->Advance(5000);  // the rebalance timeout after the join completed
  ASSERT_TRUE(sb.ready());
  EXPECT_EQ(sb->error_code, E::kRebalanceInProgress);
  EXPECT_EQ(Describe("g").members, std::vector<std::string>{b});
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
  EXPECT_EQ(Heartbeat("g", 1, a), E::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, RejoinInCompletingRebalanceWithSameMetadataRepeatsTheAnswer) {
  std::string a = RequestMemberId("g");
  std::string b = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  JoinSlot jb = Join("g", b);
  ASSERT_TRUE(jb.ready());
  JoinSlot again = Join("g", a);  // lost the answer, asks again
  ASSERT_TRUE(again.ready());
  EXPECT_EQ(again->generation_id, 1);
  EXPECT_EQ(again->members.size(), 2u);  // still the leader
  EXPECT_EQ(Describe("g").state, GroupState::kCompletingRebalance);
  // Different metadata forces a new rebalance instead.
  JoinSlot changed = Join("g", b, JoinOptions{.protocols = {{"range", Bytes("new")}}});
  EXPECT_FALSE(changed.ready());
  EXPECT_EQ(Describe("g").state, GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorTest, FollowerRejoinInStableWithSameMetadataGetsTheCurrentGeneration) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  JoinSlot j = Join("g", m[1].id);
  ASSERT_TRUE(j.ready());
  EXPECT_EQ(j->generation_id, 1);
  EXPECT_TRUE(j->members.empty());
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, ProtocolIsChosenByVoteAmongThoseEveryMemberSupports) {
  std::vector<JoinOptions> o(3);
  o[0].protocols = {{"range", {}}, {"roundrobin", {}}, {"sticky", {}}};
  o[1].protocols = {{"roundrobin", {}}, {"range", {}}};
  o[2].protocols = {{"sticky", {}}, {"roundrobin", {}}, {"range", {}}};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(RequestMemberId("g", o[i]));
  std::vector<JoinSlot> joins;
  for (int i = 0; i < 3; ++i) joins.push_back(Join("g", ids[i], o[i]));
  ASSERT_TRUE(joins[0].ready());
  // "sticky" is not supported by member 1; among range/roundrobin, votes are range 1,
  // roundrobin 2 (member 2 votes for its best supported candidate).
  EXPECT_EQ(joins[0]->protocol_name, "roundrobin");
  EXPECT_EQ(Describe("g").protocol, "roundrobin");
}

TEST_F(GroupCoordinatorTest, IncompatibleProtocolsAreRejected) {
  std::vector<FormedMember> m = FormGroup("g", 1);
  JoinSlot other_protocol = Join("g", "", JoinOptions{.protocols = {{"roundrobin", {}}}});
  ASSERT_TRUE(other_protocol.ready());
  EXPECT_EQ(other_protocol->error_code, E::kInconsistentGroupProtocol);
  JoinSlot other_type = Join("g", "", JoinOptions{.protocol_type = "connect"});
  ASSERT_TRUE(other_type.ready());
  EXPECT_EQ(other_type->error_code, E::kInconsistentGroupProtocol);
  JoinSlot none = Join("h", "", JoinOptions{.protocols = {}});
  ASSERT_TRUE(none.ready());
  EXPECT_EQ(none->error_code, E::kInconsistentGroupProtocol);
  EXPECT_EQ(Describe("g").members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, JoinValidatesGroupIdSessionTimeoutAndKnownMembers) {
  JoinSlot no_id = Join("", "");
  ASSERT_TRUE(no_id.ready());
  EXPECT_EQ(no_id->error_code, E::kInvalidGroupId);
  JoinSlot too_short = Join("g", "", JoinOptions{.session_timeout_ms = 100});
  ASSERT_TRUE(too_short.ready());
  EXPECT_EQ(too_short->error_code, E::kInvalidSessionTimeout);
  JoinSlot too_long = Join("g", "", JoinOptions{.session_timeout_ms = 1800001});
  EXPECT_EQ(too_long->error_code, E::kInvalidSessionTimeout);
  JoinSlot unknown = Join("never-seen", "client-123");
  ASSERT_TRUE(unknown.ready());
  EXPECT_EQ(unknown->error_code, E::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, GroupMaxSizeRefusesExtraMembers) {
  config_.group_max_size = 2;
  Restart();
  FormGroup("g", 2);
  JoinSlot third = Join("g", "");
  ASSERT_TRUE(third.ready());
  EXPECT_EQ(third->error_code, E::kGroupMaxSizeReached);
  EXPECT_EQ(Describe("g").state, GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, GroupMaxSizeCountsPendingMembersButLetsThemJoin) {
  config_.group_max_size = 2;
  Restart();
  std::vector<FormedMember> m = FormGroup("g", 1);
  std::string second = RequestMemberId("g");  // the group is now full: 1 member + 1 pending
  JoinSlot third = Join("g", "");
  ASSERT_TRUE(third.ready());
  EXPECT_EQ(third->error_code, E::kGroupMaxSizeReached);
  JoinSlot j2 = Join("g", second);  // the pending member itself is let in
  EXPECT_FALSE(j2.ready());
  JoinSlot j1 = Join("g", m[0].id);
  ASSERT_TRUE(j1.ready() && j2.ready());
  EXPECT_EQ(j2->error_code, E::kNone);
  EXPECT_EQ(j1->members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, SecondJoinWhileTheFirstWaitsAnswersTheFirst) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  JoinSlot first = Join("g", m[0].id);
  EXPECT_FALSE(first.ready());
  JoinSlot second = Join("g", m[0].id);
  ASSERT_TRUE(first.ready());
  EXPECT_EQ(first->error_code, E::kRebalanceInProgress);
  EXPECT_FALSE(second.ready());
  JoinSlot other = Join("g", m[1].id);
  ASSERT_TRUE(second.ready());
  EXPECT_EQ(second->generation_id, 2);
  EXPECT_EQ(first.calls(), 1);
}

TEST_F(GroupCoordinatorTest, FindCoordinatorAnswersTheLeaderOfTheGroupsPartition) {
  hooks_.leader_of = [](PartitionId p) -> std::optional<CoordinatorEndpoint> {
    if (p.value() == 2) return std::nullopt;
    return CoordinatorEndpoint{BrokerId(10 + p.value()), "broker-" + std::to_string(p.value()),
                               9000 + p.value()};
  };
  Restart();
  // "hello" hashes to 99162322 -> partition 99162322 % 4 = 2 (no leader); "Aa" -> 2112 % 4 = 0.
  ASSERT_EQ(coordinator_->PartitionFor("hello"), PartitionId(2));
  ASSERT_EQ(coordinator_->PartitionFor("Aa"), PartitionId(0));
  protocol::FindCoordinatorRequest req;
  req.key = "Aa";
  protocol::FindCoordinatorResponse r = coordinator_->FindCoordinator(req);
  EXPECT_EQ(r.error_code, E::kNone);
  EXPECT_EQ(r.node_id, BrokerId(10));
  EXPECT_EQ(r.host, "broker-0");
  EXPECT_EQ(r.port, 9000);
  req.key = "hello";
  r = coordinator_->FindCoordinator(req);
  EXPECT_EQ(r.error_code, E::kCoordinatorNotAvailable);
  EXPECT_EQ(r.node_id, BrokerId(-1));
  req.key = "Aa";
  req.key_type = 1;  // transactions
  EXPECT_EQ(coordinator_->FindCoordinator(req).error_code, E::kCoordinatorNotAvailable);
  req.key_type = 7;
  EXPECT_EQ(coordinator_->FindCoordinator(req).error_code, E::kInvalidRequest);
}

TEST_F(GroupCoordinatorTest, GroupsOfPartitionsNotLedHereGetNotCoordinator) {
  coordinator_->Shutdown();
  coordinator_.reset();
  logs_.clear();
  Start({0, 1});
  // "hello" lives in partition 2, "Aa" in partition 0.
  EXPECT_FALSE(coordinator_->IsCoordinatorFor(PartitionId(2)));
  JoinSlot j = Join("hello", "");
  ASSERT_TRUE(j.ready());
  EXPECT_EQ(j->error_code, E::kNotCoordinator);
  EXPECT_EQ(Heartbeat("hello", 1, "m"), E::kNotCoordinator);
  EXPECT_EQ(Leave("hello", "m"), E::kNotCoordinator);
  EXPECT_EQ(Sync("hello", 1, "m")->error_code, E::kNotCoordinator);
  EXPECT_EQ(CommitError("hello", -1, "", "t", 0, 1), E::kNotCoordinator);
  EXPECT_EQ(Fetch("hello", std::nullopt, 5).error_code, E::kNotCoordinator);
  // v0/v1 OffsetFetch carry the error per partition.
  protocol::OffsetFetchResponse v1 =
      Fetch("hello", std::vector<protocol::OffsetFetchRequest::Topic>{{"t", {PartitionId(0)}}}, 1);
  ASSERT_EQ(v1.topics.size(), 1u);
  EXPECT_EQ(v1.topics[0].partitions[0].error_code, E::kNotCoordinator);
  EXPECT_EQ(v1.topics[0].partitions[0].committed_offset, Offset(-1));

  FormGroup("Aa", 1);
  coordinator_->OnResigned(PartitionId(0));
  EXPECT_EQ(Heartbeat("Aa", 1, "m"), E::kNotCoordinator);
  EXPECT_FALSE(coordinator_->DescribeGroup("Aa").has_value());
}

TEST_F(GroupCoordinatorTest, ResignationAnswersWaitingRequestsWithNotCoordinator) {
  config_.group_initial_rebalance_delay_ms = 300;
  Restart();
  const PartitionId p = coordinator_->PartitionFor("g");
  std::string a = RequestMemberId("g");
  JoinSlot ja = Join("g", a);
  EXPECT_FALSE(ja.ready());
  coordinator_->OnResigned(p);
  ASSERT_TRUE(ja.ready());
  EXPECT_EQ(ja->error_code, E::kNotCoordinator);
  timer_->Advance(1000);  // the group's timers are gone or harmless
  EXPECT_EQ(ja.calls(), 1);
  // Electing it again reloads what was persisted (nothing for this group: it never synced).
  ASSERT_TRUE(coordinator_->OnElected(p, logs_[p.value()]).ok());
  EXPECT_FALSE(coordinator_->DescribeGroup("g").has_value());
}

TEST_F(GroupCoordinatorTest, ShutdownAnswersEveryWaitingCallbackAndRefusesRequests) {
  std::vector<FormedMember> m = FormGroup("g", 2);
  JoinSlot ja = Join("g", m[0].id);
  JoinSlot jb = Join("g", m[1].id);
  ASSERT_TRUE(jb.ready());
  SyncSlot sb = Sync("g", 2, m[1].id);
  EXPECT_FALSE(sb.ready());
  coordinator_->Shutdown();
  ASSERT_TRUE(sb.ready());
  EXPECT_EQ(sb->error_code, E::kNotCoordinator);
  EXPECT_EQ(Heartbeat("g", 2, m[0].id), E::kCoordinatorNotAvailable);
  protocol::FindCoordinatorRequest req;
  req.key = "g";
  EXPECT_EQ(coordinator_->FindCoordinator(req).error_code, E::kCoordinatorNotAvailable);
  coordinator_->Shutdown();  // idempotent
}

TEST_F(GroupCoordinatorTest, DestroyingTheCoordinatorWithTimersPendingIsSafe) {
  config_.group_initial_rebalance_delay_ms = 300;
  Restart();
  JoinSlot j = Join("g", RequestMemberId("g"));
  EXPECT_GT(timer_->pending(), 0u);
  coordinator_.reset();  // the destructor shuts down
  ASSERT_TRUE(j.ready());
  EXPECT_EQ(j->error_code, E::kNotCoordinator);
  timer_->Advance(100000);  // any task still queued finds no coordinator and does nothing
  EXPECT_EQ(j.calls(), 1);
}

}  // namespace
}  // namespace kbench::broker::testing
