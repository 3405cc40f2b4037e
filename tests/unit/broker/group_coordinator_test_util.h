// Test fixture for the group coordinator: a coordinator on a ManualGroupTimer, its offsets
// partitions backed by FileOffsetLogs in a temp dir, and helpers that issue requests the way a
// consumer does and capture the (possibly delayed) answers.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/file_offset_log.h"
#include "core/broker/group_coordinator.h"
#include "tests/unit/broker/group_test_dir.h"
#include "tests/unit/broker/manual_group_timer.h"

namespace kbench::broker::testing {

// The answer to one asynchronous request: empty until the callback runs; counts the calls so a
// test can assert "exactly once".
template <typename T>
class Slot {
 public:
  std::function<void(T)> Callback() {
    return [state = state_](T value) {
      ++state->calls;
      state->value = std::move(value);
    };
  }
  bool ready() const { return state_->value.has_value(); }
  int calls() const { return state_->calls; }
  const T& operator*() const { return *state_->value; }
  const T* operator->() const { return &*state_->value; }

 private:
  struct State {
    std::optional<T> value;
    int calls = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

using JoinSlot = Slot<protocol::JoinGroupResponse>;
using SyncSlot = Slot<protocol::SyncGroupResponse>;
using CommitSlot = Slot<protocol::OffsetCommitResponse>;

struct JoinOptions {
  int16_t version = 5;
  std::vector<protocol::JoinGroupRequest::Protocol> protocols = {{"range", {1, 2, 3}}};
  std::string protocol_type = "consumer";
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 30000;
  std::string client_id = "client";
};

struct FormedMember {
  std::string id;
  int32_t generation = -1;
};

std::vector<uint8_t> Bytes(const std::string& s);

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  static constexpr int32_t kPartitions = 4;

  GroupCoordinatorTest();
  void SetUp() override;
  void TearDown() override;

  // Creates the coordinator and elects `partitions` (all when empty) over FileOffsetLogs.
  void Start(std::vector<int32_t> partitions = {});
  // Shuts the coordinator down and starts a new one over the same files (a broker restart).
  void Restart();
  std::string LogPath(int32_t partition) const;

  JoinSlot Join(const std::string& group, const std::string& member_id, JoinOptions o = {});
  // The v4+ dance: empty member id -> MEMBER_ID_REQUIRED -> the assigned id; returns the id.
  std::string RequestMemberId(const std::string& group, JoinOptions o = {});
  SyncSlot Sync(const std::string& group, int32_t generation, const std::string& member_id,
                std::vector<protocol::SyncGroupRequest::Assignment> assignments = {});
  ErrorCode Heartbeat(const std::string& group, int32_t generation, const std::string& member_id);
  ErrorCode Leave(const std::string& group, const std::string& member_id);
  CommitSlot Commit(const std::string& group, int32_t generation, const std::string& member_id,
                    const std::string& topic, int32_t partition, int64_t offset,
                    std::optional<std::string> metadata = std::nullopt, int16_t version = 7,
                    int64_t retention_ms = -1);
  // The error of the only partition of a one-partition commit answered at once.
  ErrorCode CommitError(const std::string& group, int32_t generation, const std::string& member,
                        const std::string& topic, int32_t partition, int64_t offset);
  protocol::OffsetFetchResponse Fetch(
      const std::string& group,
      std::optional<std::vector<protocol::OffsetFetchRequest::Topic>> topics, int16_t version = 5);
  // The committed offset of one partition (-1 when none), via OffsetFetch v5.
  int64_t FetchOffset(const std::string& group, const std::string& topic, int32_t partition);
  GroupSummary Describe(const std::string& group);

  // Brings `n` new members into `group` through one rebalance and SyncGroup; the leader (the
  // first) assigns each member the bytes of its own id. Returns them with the generation.
  std::vector<FormedMember> FormGroup(const std::string& group, int n, JoinOptions o = {});

  GroupCoordinatorConfig config_;
  GroupCoordinatorHooks hooks_;
  std::shared_ptr<ManualGroupTimer> timer_ = std::make_shared<ManualGroupTimer>();
  std::shared_ptr<GroupCoordinator> coordinator_;
  std::map<int32_t, std::shared_ptr<FileOffsetLog>> logs_;
  TempDir dir_;
};

}  // namespace kbench::broker::testing
