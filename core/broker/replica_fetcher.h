// ReplicaFetcher: one thread per source broker that copies every partition this broker follows
// from that leader (Kafka's ReplicaFetcherThread): one Fetch request (replica_id = this broker)
// carries all of them, so N partitions cost one round trip, and the leader parks it in its fetch
// purgatory until one of them has new data (woken by the append, not polled).
//
// Per partition, after it is added (a new leader or leader epoch), the fetcher first finds where
// its log diverges from the leader's (KIP-101/279): OffsetForLeaderEpoch for this follower's
// latest epoch returns the leader's end offset of the largest epoch <= it; the follower truncates
// to the smaller of that and its own end offset of that epoch, never to its high watermark (which
// can lose acknowledged writes when the new leader's HW lags). Then it fetches from its LEO:
// batches are appended with the leader's offsets and epochs (Partition::AppendRecordsAsFollower,
// fenced by the leader epoch), and the follower HW becomes min(leader HW, LEO). A partition whose
// fetch fails (the leader moved, an epoch mismatch) waits replica.fetch.backoff.ms; an offset
// out of range below the leader's log start restarts the log there, above it repeats the epoch
// check.
//
// Hold(true) parks the thread after its in-flight request has been applied (the acks=1 loss
// scenario needs followers that provably stopped copying); BrokerGates pause and isolation stop it
// too. RemovePartitions returns only when no response for those partitions can still be applied.
//
// Threads: the fetcher's own thread does the I/O; Add/Remove/Hold/Stop from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/strong_int.h"
#include "core/base/topic_partition.h"
#include "core/broker/broker_gates.h"
#include "core/broker/partition.h"
#include "core/broker/peer_connection.h"
#include "core/broker/replication_config.h"

namespace kbench::broker {

struct FetcherCounters {
  std::atomic<int64_t> fetches{0};         // Fetch requests answered
  std::atomic<int64_t> bytes_fetched{0};   // record bytes appended as follower
  std::atomic<int64_t> truncations{0};     // logs cut where they diverged from the leader
  std::atomic<int64_t> bytes_truncated{0}; // offsets removed by those cuts (LEO before - after)
  std::atomic<int64_t> errors{0};          // failed requests and partition errors
};

struct FetchSource {
  BrokerId leader{-1};
  std::string host;
  int32_t port = 0;
  friend bool operator==(const FetchSource&, const FetchSource&) = default;
};

class ReplicaFetcher {
 public:
  ReplicaFetcher(BrokerId local, FetchSource source, const ReplicationConfig& config,
                 BrokerGates* gates, FetcherCounters* counters);  // gates, counters not owned
  ~ReplicaFetcher();  // Stop()
  ReplicaFetcher(const ReplicaFetcher&) = delete;
  ReplicaFetcher& operator=(const ReplicaFetcher&) = delete;

  const FetchSource& source() const { return source_; }
  // Follows `partition` at `epoch` from this fetcher's leader, starting with a truncation check.
  void AddPartition(std::shared_ptr<Partition> partition, LeaderEpoch epoch);
  // Stops following; when it returns no response for `tp` will be applied any more.
  void RemovePartition(const TopicPartition& tp);
  size_t partition_count() const;
  // Parks the thread once its current request is applied (true) or lets it go on (false); with
  // hold it returns once the thread is parked or has nothing in flight.
  void Hold(bool hold);
  // Breaks a blocked round trip (isolation); the thread reconnects when allowed.
  void Interrupt() { connection_.Interrupt(); }
  void Stop();

 private:
  enum class Phase : uint8_t { kTruncating, kFetching };
  struct State {
    std::shared_ptr<Partition> partition;
    LeaderEpoch epoch{0};
    Phase phase = Phase::kTruncating;
    int64_t delayed_until_ns = 0;
  };
  struct Sent {  // what a request asked for, to match the answer against the current state
    TopicPartition tp;
    LeaderEpoch epoch;
    Offset fetch_offset;
  };

  void Run();
  bool WaitForWork();  // false when stopping
  bool EnsureConnected();
  bool Truncate();  // false when no partition needed an epoch check now
  void Fetch();
  void ApplyEpochEnd(State& s, LeaderEpoch requested, const protocol::OffsetForLeaderEpochResponse::Partition& r);
  void ApplyFetched(State& s, const Sent& sent, protocol::FetchResponse::Partition& r);
  void Delay(State& s);
  void Backoff();

  const BrokerId local_;
  const FetchSource source_;
  const ReplicationConfig config_;
  BrokerGates* const gates_;          // not owned
  FetcherCounters* const counters_;   // not owned
  PeerConnection connection_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<TopicPartition, State> partitions_;  // guarded by mu_
  bool held_ = false;                           // guarded by mu_
  bool in_flight_ = false;                      // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  std::thread thread_;
};

// The fetchers of one broker, one per leader it follows.
class ReplicaFetcherManager {
 public:
  ReplicaFetcherManager(BrokerId local, ReplicationConfig config, BrokerGates* gates);
  ~ReplicaFetcherManager();  // Shutdown()

  // Follows `partition` from `source` at `epoch` (removed from any other fetcher first).
  void AddPartition(std::shared_ptr<Partition> partition, LeaderEpoch epoch,
                    const FetchSource& source);
  void RemovePartition(const TopicPartition& tp);
  void Hold(bool hold);
  bool held() const;
  void InterruptAll();
  void Shutdown();
  const FetcherCounters& counters() const { return counters_; }

 private:
  const BrokerId local_;
  const ReplicationConfig config_;
  BrokerGates* const gates_;  // not owned
  FetcherCounters counters_;
  mutable std::mutex mu_;
  bool held_ = false;
  std::map<BrokerId, std::unique_ptr<ReplicaFetcher>> fetchers_;  // guarded by mu_
  std::map<TopicPartition, BrokerId> fetcher_of_;                 // guarded by mu_
};

}  // namespace kbench::broker
