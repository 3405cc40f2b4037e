#include "core/broker/purgatory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/base/byte_order.h"
#include "core/base/clock.h"
#include "core/broker/socket_server.h"
#include "tests/unit/broker/test_client.h"
#include "tests/unit/broker/test_handlers.h"

namespace kbench::broker {
namespace {

using testing::WaitUntil;

constexpr int64_t kMs = 1'000'000;

// Completes once *value >= target; counts its completions.
class CountingOp : public DelayedOperation {
 public:
  CountingOp(int64_t deadline_ns, const std::atomic<int64_t>* value, int64_t target)
      : DelayedOperation(deadline_ns), value_(value), target_(target) {}

  std::atomic<int> completions{0};
  std::atomic<int> reason{-1};
  std::atomic<int64_t> completed_at{0};

 protected:
  bool TryComplete() override { return value_->load() >= target_; }
  void OnComplete(CompletionReason r) override {
    completions++;
    reason = static_cast<int>(r);
    completed_at = MonoNanos();
  }

 private:
  const std::atomic<int64_t>* value_;
  const int64_t target_;
};

TEST(PurgatoryTest, AnOperationThatCanCompleteAtOnceIsNeverWatched) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  std::atomic<int64_t> value{5};
  auto op = std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 5);
  std::string key = "orders-0";
  EXPECT_TRUE(purgatory.TryCompleteElseWatch(op, {&key, 1}));
  EXPECT_EQ(op->completions.load(), 1);
  EXPECT_EQ(op->reason.load(), static_cast<int>(CompletionReason::kSatisfied));
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(PurgatoryTest, AnEventOnAWatchedKeyCompletesTheOperationAndDisarmsItsDeadline) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  std::atomic<int64_t> value{0};
  auto op = std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 3);
  std::string key = "orders-0";
  EXPECT_FALSE(purgatory.TryCompleteElseWatch(op, {&key, 1}));
  EXPECT_EQ(purgatory.pending(), 1u);
  EXPECT_EQ(timer.pending(), 1u);
  value = 2;
  EXPECT_EQ(purgatory.CheckAndComplete(key), 0u);
  EXPECT_EQ(purgatory.CheckAndComplete("other-key"), 0u);
  value = 3;
  EXPECT_EQ(purgatory.CheckAndComplete(key), 1u);
  EXPECT_EQ(op->completions.load(), 1);
  EXPECT_EQ(op->reason.load(), static_cast<int>(CompletionReason::kSatisfied));
  EXPECT_EQ(purgatory.watched(), 0u);
  EXPECT_EQ(timer.pending(), 0u);
  EXPECT_EQ(purgatory.CheckAndComplete(key), 0u);
}

TEST(PurgatoryTest, AnOperationWithoutItsEventExpiresAtItsDeadline) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  std::atomic<int64_t> value{0};
  const int64_t deadline = MonoNanos() + 20 * kMs;
  auto op = std::make_shared<CountingOp>(deadline, &value, 1);
  std::string key = "orders-0";
  EXPECT_FALSE(purgatory.TryCompleteElseWatch(op, {&key, 1}));
  ASSERT_TRUE(WaitUntil([&] { return op->completions.load() == 1; }));
  EXPECT_EQ(op->reason.load(), static_cast<int>(CompletionReason::kExpired));
  EXPECT_GE(op->completed_at.load(), deadline);
  // Its watch entry is swept by the next event on the key or by a purge.
  EXPECT_EQ(purgatory.PurgeCompleted(), 1u);
  EXPECT_EQ(purgatory.watched(), 0u);
}

// TryComplete fails the first time and succeeds the second, as if the event landed between the
// first try and the watch.
class SecondTryOp : public DelayedOperation {
 public:
  using DelayedOperation::DelayedOperation;
  int tries = 0;
  int completions = 0;

 protected:
  bool TryComplete() override { return ++tries >= 2; }
  void OnComplete(CompletionReason) override { ++completions; }
};

TEST(PurgatoryTest, AnEventBetweenTheFirstTryAndTheWatchIsNotLost) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  auto op = std::make_shared<SecondTryOp>(MonoNanos() + 60'000 * kMs);
  std::string key = "k";
  EXPECT_TRUE(purgatory.TryCompleteElseWatch(op, {&key, 1}));
  EXPECT_EQ(op->completions, 1);
  EXPECT_EQ(timer.pending(), 0u);
}

TEST(PurgatoryTest, AnOperationUnderSeveralKeysCompletesOnceAndIsPurgedFromTheOthers) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  std::atomic<int64_t> value{0};
  auto op = std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 1);
  std::vector<std::string> keys = {"a", "b", "c"};
  EXPECT_FALSE(purgatory.TryCompleteElseWatch(op, keys));
  EXPECT_EQ(purgatory.watched(), 3u);
  value = 1;
  EXPECT_EQ(purgatory.CheckAndComplete("b"), 1u);
  EXPECT_EQ(purgatory.CheckAndComplete("a"), 0u);
  EXPECT_EQ(op->completions.load(), 1);
  EXPECT_EQ(purgatory.watched(), 1u);  // "c" still lists it until a purge
  EXPECT_EQ(purgatory.PurgeCompleted(), 1u);
  EXPECT_EQ(purgatory.watched(), 0u);
}

TEST(PurgatoryTest, PurgeRunsByItselfEveryPurgeInterval) {
  Timer timer;
  Purgatory<int> purgatory(&timer, {.name = "p", .shards = 4, .purge_interval = 10});
  std::atomic<int64_t> value{0};
  std::vector<std::shared_ptr<CountingOp>> ops;
  for (int i = 0; i < 9; ++i) {
    ops.push_back(std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 1));
    std::vector<int> keys = {i, 100 + i};
    purgatory.TryCompleteElseWatch(ops.back(), keys);
  }
  value = 1;
  for (int i = 0; i < 9; ++i) purgatory.CheckAndComplete(i);
  EXPECT_EQ(purgatory.watched(), 9u);  // the 100+i entries
  auto tenth = std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 2);
  std::vector<int> keys = {7};
  purgatory.TryCompleteElseWatch(tenth, keys);  // the 10th watch triggers the sweep
  EXPECT_EQ(purgatory.watched(), 1u);
}

TEST(PurgatoryTest, ShutdownCompletesWaitingOperationsAndLaterOnesAtOnce) {
  Timer timer;
  Purgatory<std::string> purgatory(&timer);
  std::atomic<int64_t> value{0};
  std::vector<std::shared_ptr<CountingOp>> ops;
  for (int i = 0; i < 5; ++i) {
    ops.push_back(std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 1));
    std::string key = i % 2 == 0 ? "k0" : "k1";
    purgatory.TryCompleteElseWatch(ops.back(), {&key, 1});
  }
  purgatory.Shutdown();
  for (auto& op : ops) {
    EXPECT_EQ(op->completions.load(), 1);
    EXPECT_EQ(op->reason.load(), static_cast<int>(CompletionReason::kShutdown));
  }
  EXPECT_EQ(timer.pending(), 0u);
  auto late = std::make_shared<CountingOp>(MonoNanos() + 60'000 * kMs, &value, 1);
  std::string key = "k0";
  EXPECT_TRUE(purgatory.TryCompleteElseWatch(late, {&key, 1}));
  EXPECT_EQ(late->reason.load(), static_cast<int>(CompletionReason::kShutdown));
}

// Many threads: operations created on two threads, events fired on two more, deadlines firing on
// the timer thread, all at once. Cold-key operations can only expire; far-deadline ones can only be
// satisfied; near-deadline hot-key ones race event against timeout. Each must complete exactly
// once.
TEST(PurgatoryTest, EventsAndDeadlinesRacingCompleteEveryOperationExactlyOnce) {
  Timer timer;
  Purgatory<int> purgatory(&timer, {.name = "race", .shards = 8, .purge_interval = 100});
  constexpr int kHotKeys = 4;
  constexpr int kColdKey = 99;
  std::vector<std::atomic<int64_t>> values(kHotKeys + 100);
  enum Group { kCold, kFar, kRacing };
  struct Made {
    std::shared_ptr<CountingOp> op;
    Group group;
  };
  std::mutex made_mu;
  std::vector<Made> made;
  std::atomic<bool> creating{true};
  std::atomic<int> creators_left{2};

  auto create = [&](int seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 3000; ++i) {
      Group group = static_cast<Group>(rng() % 3);
      int key = group == kCold ? kColdKey : static_cast<int>(rng() % kHotKeys);
      int64_t deadline = MonoNanos() + (group == kFar ? 60'000 * kMs : (rng() % 3'000'000));
      auto op =
          std::make_shared<CountingOp>(deadline, &values[key], values[key].load() + 1 + rng() % 3);
      {
        std::lock_guard<std::mutex> lock(made_mu);
        made.push_back({op, group});
      }
      std::vector<int> keys = {key};
      if (group == kRacing && rng() % 2 == 0) keys.push_back((key + 1) % kHotKeys);
      purgatory.TryCompleteElseWatch(op, keys);
    }
    if (--creators_left == 0) creating = false;
  };
  auto fire = [&](int seed) {
    std::mt19937 rng(seed);
    // Keep firing until every far-deadline operation has had its event.
    while (creating.load() || purgatory.pending() > 0) {
      int key = static_cast<int>(rng() % kHotKeys);
      values[key]++;
      purgatory.CheckAndComplete(key);
      if (rng() % 64 == 0) std::this_thread::yield();
      if (!creating.load()) {
        for (int k = 0; k < kHotKeys; ++k) {
          values[k] += 3;
          purgatory.CheckAndComplete(k);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(create, 1);
  threads.emplace_back(create, 2);
  threads.emplace_back(fire, 3);
  threads.emplace_back(fire, 4);
  for (auto& t : threads) t.join();

  std::lock_guard<std::mutex> lock(made_mu);
  ASSERT_TRUE(WaitUntil([&] {
    return std::all_of(made.begin(), made.end(), [](const Made& m) { return m.op->completed(); });
  }));
  std::map<Group, std::map<int, int>> reasons;
  for (const Made& m : made) {
    ASSERT_EQ(m.op->completions.load(), 1);
    reasons[m.group][m.op->reason.load()]++;
  }
  const int satisfied = static_cast<int>(CompletionReason::kSatisfied);
  const int expired = static_cast<int>(CompletionReason::kExpired);
  EXPECT_EQ(reasons[kCold].count(satisfied), 0u);
  EXPECT_GT(reasons[kCold][expired], 0);
  EXPECT_EQ(reasons[kFar].count(expired), 0u);
  EXPECT_GT(reasons[kFar][satisfied], 0);
  std::printf("racing group: %d satisfied, %d expired; cold %d expired; far %d satisfied\n",
              reasons[kRacing][satisfied], reasons[kRacing][expired], reasons[kCold][expired],
              reasons[kFar][satisfied]);
  EXPECT_EQ(reasons[kRacing][satisfied] + reasons[kRacing][expired],
            static_cast<int>(std::count_if(made.begin(), made.end(),
                                           [](const Made& m) { return m.group == kRacing; })));
  EXPECT_EQ(timer.pending(), 0u);
  purgatory.PurgeCompleted();
  EXPECT_EQ(purgatory.watched(), 0u);
}

// The pattern a broker API uses: a long-poll Fetch parked in a purgatory with its Responder,
// completed by a Produce on another connection or by fetch.max.wait.ms.
class DelayedFetch : public DelayedOperation {
 public:
  DelayedFetch(int64_t deadline_ns, Request request, Responder responder,
               const std::vector<std::string>* log, std::mutex* log_mu, size_t offset)
      : DelayedOperation(deadline_ns),
        request_(std::move(request)),
        responder_(std::move(responder)),
        log_(log),
        log_mu_(log_mu),
        offset_(offset) {}

 protected:
  bool TryComplete() override {
    std::lock_guard<std::mutex> lock(*log_mu_);
    return log_->size() > offset_;
  }
  void OnComplete(CompletionReason) override {
    std::string records;
    {
      std::lock_guard<std::mutex> lock(*log_mu_);
      for (size_t i = offset_; i < log_->size(); ++i) records += (*log_)[i];
    }
    std::vector<uint8_t> body(records.begin(), records.end());
    responder_.Send(testing::MakeResponse(request_.correlation_id(), body));
  }

 private:
  Request request_;
  Responder responder_;
  const std::vector<std::string>* log_;
  std::mutex* log_mu_;
  size_t offset_;
};

TEST(PurgatoryTest, LongPollFetchIsAnsweredByAProduceOrByItsMaxWait) {
  Timer timer;
  Purgatory<std::string> fetches(&timer);
  std::mutex log_mu;
  std::vector<std::string> log;
  // Fetch body: offset i32, max wait ms i32. Produce body: the record.
  testing::FunctionHandler handler([&](Request request, Responder responder) {
    auto body = testing::BodyOf(request);
    if (request.api_key() == 0) {
      {
        std::lock_guard<std::mutex> lock(log_mu);
        log.emplace_back(body.begin(), body.end());
      }
      responder.Send(testing::MakeResponse(request.correlation_id()));
      fetches.CheckAndComplete("topic-0");
      return;
    }
    size_t offset = static_cast<size_t>(LoadBigEndian<int32_t>(body.data()));
    int64_t wait_ms = LoadBigEndian<int32_t>(body.data() + 4);
    auto op = std::make_shared<DelayedFetch>(MonoNanos() + wait_ms * kMs, std::move(request),
                                             std::move(responder), &log, &log_mu, offset);
    std::string key = "topic-0";
    fetches.TryCompleteElseWatch(op, {&key, 1});
  });
  SocketServerConfig config;
  config.listener = {"127.0.0.1", 0};
  SocketServer server(config, &handler);
  ASSERT_TRUE(server.Start().ok());
  auto consumer = testing::TestClient::Connect(server.port());
  auto producer = testing::TestClient::Connect(server.port());
  ASSERT_TRUE(consumer.ok() && producer.ok());
  auto fetch_body = [](int32_t offset, int32_t wait_ms) {
    std::vector<uint8_t> b(8);
    StoreBigEndian<int32_t>(b.data(), offset);
    StoreBigEndian<int32_t>(b.data() + 4, wait_ms);
    return b;
  };
  ASSERT_TRUE(consumer->SendRequest(1, 11, 1, fetch_body(0, 60000)).ok());
  ASSERT_TRUE(WaitUntil([&] { return fetches.pending() == 1; }));
  std::string record = "hello";
  ASSERT_TRUE(producer->SendRequest(0, 7, 1, {reinterpret_cast<uint8_t*>(record.data()), 5}).ok());
  ASSERT_TRUE(producer->ReadFrame().ok());
  auto fetched = consumer->ReadFrame();
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(std::string(fetched->begin() + 4, fetched->end()), "hello");
  // Nothing new after offset 1: answered empty when the 30 ms max wait passes.
  ASSERT_TRUE(consumer->SendRequest(1, 11, 2, fetch_body(1, 30)).ok());
  auto empty = consumer->ReadFrame();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(testing::CorrelationIdOf(*empty), 2);
  EXPECT_EQ(empty->size(), 4u);
  server.Stop();
  fetches.Shutdown();
}

}  // namespace
}  // namespace kbench::broker
