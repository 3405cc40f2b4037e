// Concurrency smoke test: consumers on many threads run the real client loop (join with
// MEMBER_ID_REQUIRED, sync, commit, heartbeat, rejoin on REBALANCE_IN_PROGRESS, leave) against one
// coordinator while a separate thread advances time and fires session/rebalance timers. Checks
// liveness (everyone gets a generation and commits), that every callback is invoked exactly once,
// and that the assignments and offsets are the ones that were sent. Bounded by real-time waits
// that only fail the test (no timing assertions).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/base/log.h"
#include "core/broker/file_offset_log.h"
#include "core/broker/group_coordinator.h"
#include "tests/unit/broker/group_test_dir.h"
#include "tests/unit/broker/manual_group_timer.h"

namespace kbench::broker::testing {
namespace {

using E = ErrorCode;
using Clock = std::chrono::steady_clock;

// Blocks until the callback has run; counts calls so a second call is detected.
template <typename T>
class Waiter {
 public:
  std::function<void(T)> Callback() {
    return [s = state_](T v) {
      std::lock_guard lock(s->mu);
      ++s->calls;
      s->value = std::move(v);
      s->cv.notify_all();
    };
  }
  std::optional<T> Wait(std::chrono::seconds limit) {
    std::unique_lock lock(state_->mu);
    state_->cv.wait_for(lock, limit, [&] { return state_->value.has_value(); });
    return state_->value;
  }
  int calls() const {
    std::lock_guard lock(state_->mu);
    return state_->calls;
  }

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::optional<T> value;
    int calls = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  static constexpr int kGroups = 2;
  static constexpr int kMembersPerGroup = 4;
  static constexpr int kTotal = kGroups * kMembersPerGroup;
  static constexpr int kRounds = 100;
  static constexpr auto kWait = std::chrono::seconds(30);

  void SetUp() override {
    log::SetLevel(log::Level::kError);
    GroupCoordinatorConfig config;
    config.offsets_topic_num_partitions = 4;
    config.group_initial_rebalance_delay_ms = 50;
    GroupCoordinatorHooks hooks;
    hooks.leader_of = [](PartitionId) {
      return std::optional<CoordinatorEndpoint>(CoordinatorEndpoint{BrokerId(0), "h", 1});
    };
    Result<std::shared_ptr<GroupCoordinator>> c = GroupCoordinator::Create(config, timer_, hooks);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    coordinator_ = *c;
    for (int32_t p = 0; p < 4; ++p) {
      Result<std::unique_ptr<FileOffsetLog>> log =
          FileOffsetLog::Open(dir_.File("p" + std::to_string(p)));
      ASSERT_TRUE(log.ok()) << log.status().ToString();
      ASSERT_TRUE(coordinator_->OnElected(PartitionId(p), std::move(*log)).ok());
    }
  }

  void Fail(const std::string& what) {
    std::lock_guard lock(failures_mu_);
    failures_.push_back(what);
  }

  template <typename T>
  std::optional<T> Await(Waiter<T>& w, const std::string& what) {
    std::optional<T> v = w.Wait(kWait);
    if (!v) Fail(what + " was never answered");
    return v;
  }

  std::optional<protocol::JoinGroupResponse> JoinOnce(const std::string& group,
                                                      const std::string& id, int member) {
    protocol::JoinGroupRequest req;
    req.group_id = group;
    req.member_id = id;
    req.session_timeout_ms = 6000;
    req.rebalance_timeout_ms = 10000;
    req.protocol_type = "consumer";
    req.protocols = {{"range", {static_cast<uint8_t>(member)}}};
    Waiter<protocol::JoinGroupResponse> w;
    coordinator_->JoinGroup(GroupRequestContext{5, "c" + std::to_string(member), "h"},
                            std::move(req), w.Callback());
    auto r = Await(w, "JoinGroup");
    waiters_checked_.fetch_add(1);
    if (w.calls() != 1) Fail("JoinGroup callback ran " + std::to_string(w.calls()) + " times");
    return r;
  }

  std::optional<protocol::SyncGroupResponse> SyncOnce(
      const std::string& group, int32_t generation, const std::string& id,
      std::vector<protocol::SyncGroupRequest::Assignment> assignments) {
    protocol::SyncGroupRequest req;
    req.group_id = group;
    req.generation_id = generation;
    req.member_id = id;
    req.assignments = std::move(assignments);
    Waiter<protocol::SyncGroupResponse> w;
    coordinator_->SyncGroup(GroupRequestContext{3, "c", "h"}, std::move(req), w.Callback());
    auto r = Await(w, "SyncGroup");
    if (w.calls() != 1) Fail("SyncGroup callback ran more than once");
    return r;
  }

  ErrorCode CommitOnce(const std::string& group, int32_t generation, const std::string& id,
                       int32_t partition, int64_t offset) {
    protocol::OffsetCommitRequest req;
    req.group_id = group;
    req.generation_id = generation;
    req.member_id = id;
    req.topics.push_back(
        {"t", {{PartitionId(partition), Offset(offset), LeaderEpoch(-1), -1, std::nullopt}}});
    Waiter<protocol::OffsetCommitResponse> w;
    coordinator_->OffsetCommit(GroupRequestContext{7, "c", "h"}, std::move(req), w.Callback());
    auto r = Await(w, "OffsetCommit");
    if (!r) return E::kUnknownServerError;
    return r->topics.at(0).partitions.at(0).error_code;
  }

  ErrorCode HeartbeatOnce(const std::string& group, int32_t generation, const std::string& id) {
    protocol::HeartbeatRequest req;
    req.group_id = group;
    req.generation_id = generation;
    req.member_id = id;
    return coordinator_->Heartbeat(GroupRequestContext{3, "c", "h"}, req).error_code;
  }

  // One consumer's life: get into a generation with the right assignment, commit kRounds times
  // (heartbeating in between, rejoining when asked, and leaving and rejoining now and then so the
  // group keeps rebalancing), then stay until every consumer is done, then leave.
  void RunMember(int group_index, int member) {
    const std::string group = "group-" + std::to_string(group_index);
    const int32_t partition = group_index * kMembersPerGroup + member;
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    std::string id;
    int32_t generation = -1;
    bool in_generation = false;
    int rounds = 0;
    while (Clock::now() < deadline) {
      if (finished_.load() == kTotal) {
        if (!id.empty()) {
          protocol::LeaveGroupRequest leave{group, id};
          coordinator_->LeaveGroup(GroupRequestContext{1, "c", "h"}, leave);
        }
        return;
      }
      if (!in_generation) {
        std::optional<protocol::JoinGroupResponse> j = JoinOnce(group, id, member);
        if (!j) return;
        if (j->error_code == E::kMemberIdRequired) id = j->member_id;
        if (j->error_code == E::kUnknownMemberId) id.clear();
        if (j->error_code != E::kNone) continue;
        id = j->member_id;
        generation = j->generation_id;
        std::vector<protocol::SyncGroupRequest::Assignment> assignments;
        for (const auto& m : j->members) assignments.push_back({m.member_id, {m.metadata}});
        std::optional<protocol::SyncGroupResponse> s = SyncOnce(group, generation, id, assignments);
        if (!s) return;
        if (s->error_code != E::kNone) continue;
        if (s->assignment != std::vector<uint8_t>{static_cast<uint8_t>(member)}) {
          Fail("member " + std::to_string(member) + " got another member's assignment");
        }
        in_generation = true;
      }
      ErrorCode e = E::kNone;
      if (rounds < kRounds) {
        e = CommitOnce(group, generation, id, partition, partition * 1000 + rounds);
        if (e == E::kNone && ++rounds == kRounds) finished_.fetch_add(1);
        if (e == E::kNone && rounds % 25 == 0 && rounds < kRounds) {
          protocol::LeaveGroupRequest leave{group, id};
          coordinator_->LeaveGroup(GroupRequestContext{1, "c", "h"}, leave);
          id.clear();
          in_generation = false;
          continue;
        }
      } else {
        e = HeartbeatOnce(group, generation, id);
      }
      if (e == E::kNone) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      in_generation = false;
      if (e == E::kUnknownMemberId) id.clear();
      if (e != E::kRebalanceInProgress && e != E::kUnknownMemberId && e != E::kIllegalGeneration) {
        Fail(std::string("unexpected error ") + std::string(ErrorName(e)));
      }
    }
    Fail("member ran out of time");
  }

  std::shared_ptr<ManualGroupTimer> timer_ = std::make_shared<ManualGroupTimer>();
  std::shared_ptr<GroupCoordinator> coordinator_;
  TempDir dir_;
  std::atomic<int> finished_{0};
  std::atomic<int> waiters_checked_{0};
  std::mutex failures_mu_;
  std::vector<std::string> failures_;
};

TEST_F(ConcurrencyTest, ManyThreadsJoinSyncCommitAndHeartbeatWhileTimersFire) {
  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    while (!stop.load()) {
      timer_->Advance(2);  // ~4 coordinator ms per real ms: sessions (6 s) last ~1.5 s
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  std::vector<std::thread> members;
  for (int g = 0; g < kGroups; ++g) {
    for (int m = 0; m < kMembersPerGroup; ++m)
      members.emplace_back([this, g, m] { RunMember(g, m); });
  }
  // Readers hammer the same groups meanwhile.
  std::thread reader([&] {
    while (finished_.load() < kTotal && !stop.load()) {
      for (int g = 0; g < kGroups; ++g) {
        protocol::OffsetFetchRequest req;
        req.group_id = "group-" + std::to_string(g);
        req.topics = std::nullopt;
        coordinator_->OffsetFetch(GroupRequestContext{5, "r", "h"}, req);
        coordinator_->DescribeGroup(req.group_id);
      }
      coordinator_->ExpireOffsets();  // nothing is old enough; exercises the locking
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  for (std::thread& t : members) t.join();
  reader.join();
  stop.store(true);
  ticker.join();

  std::lock_guard lock(failures_mu_);
  for (const std::string& f : failures_) ADD_FAILURE() << f;
  EXPECT_EQ(finished_.load(), kTotal);
  EXPECT_GT(waiters_checked_.load(), kTotal);
  for (int g = 0; g < kGroups; ++g) {
    protocol::OffsetFetchRequest req;
    req.group_id = "group-" + std::to_string(g);
    req.topics = std::nullopt;
    protocol::OffsetFetchResponse r =
        coordinator_->OffsetFetch(GroupRequestContext{5, "r", "h"}, req);
    ASSERT_EQ(r.topics.size(), 1u);
    ASSERT_EQ(r.topics[0].partitions.size(), static_cast<size_t>(kMembersPerGroup));
    for (const auto& p : r.topics[0].partitions) {
      EXPECT_EQ(p.committed_offset.value(), p.partition_index.value() * 1000 + kRounds - 1);
    }
    // Everyone left: the group is Empty (or still finishing the last rebalance), never stuck.
    std::optional<GroupSummary> s = coordinator_->DescribeGroup(req.group_id);
    ASSERT_TRUE(s.has_value());
    // Every member left and rejoined three times: the group went through several generations.
    EXPECT_GE(s->generation, 4) << req.group_id;
    std::printf("%s: %d generations\n", req.group_id.c_str(), s->generation);
    EXPECT_TRUE(s->members.empty() || s->state == GroupState::kPreparingRebalance)
        << GroupStateName(s->state) << " with " << s->members.size() << " members";
  }
  coordinator_->Shutdown();
}

}  // namespace
}  // namespace kbench::broker::testing
