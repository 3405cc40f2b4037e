// Test support for replicated clusters with real clients (librdkafka 2.0.2):
//  - CreateReplicatedTopic (broker_clients.h): the Admin API with a replication factor, topic
//    configs and, when given, an explicit replica assignment (the first replica of each list is the
//    preferred leader);
//  - PartitionLeaders: the leader each partition has in a Metadata answer (librdkafka);
//  - StreamProducer: a producer thread that sends numbered messages (value "<prefix>-<n>") and
//    records every delivery report (error, partition, offset), so a fault test knows exactly which
//    messages were acknowledged;
//  - ReadAll / Audit: every record of a topic read back from the beginning (per partition, until
//    each partition's high watermark is reached) and compared with the acknowledgements: lost =
//    acknowledged but absent, duplicated = present more than once.
// Every wait is bounded.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base/result.h"
#include "tests/integration/broker_clients.h"

namespace kbench::broker::testing {

// partition -> leader id (-1: none) as the cluster's Metadata says now.
Result<std::map<int32_t, int32_t>> PartitionLeaders(const std::string& bootstrap,
                                                    const std::string& topic);

struct SentMessage {
  std::string value;
  int32_t partition = -1;
  int error = -1;  // rd_kafka_resp_err_t once reported; -1 while not yet reported
  int64_t offset = -1;
  int64_t reported_ms = 0;  // MonoMillis of the delivery report
};

class StreamProducer {
 public:
  // Produces to `topic` with `config` (bootstrap.servers included) from its own thread: message n
  // has value "<prefix>-<n>" and goes to partition n % partitions. At most `max_in_flight`
  // messages are unreported at a time; `pause_us` between messages (0: as fast as allowed).
  StreamProducer(Config config, std::string topic, int partitions, std::string prefix,
                 int max_in_flight = 1000, int pause_us = 0);
  ~StreamProducer();  // Stop()

  Status Start();
  // Stops sending new messages and waits (up to timeout_ms) for every report.
  Status Stop(int timeout_ms = 60000);
  // Sends exactly `n` more messages (the thread pauses once they are queued).
  void SendBudget(int64_t n);
  // Messages reported so far with NO_ERROR.
  int64_t acked() const { return acked_.load(); }
  int64_t reported() const { return reported_.load(); }
  // Blocks until `n` messages were acknowledged (false at the timeout).
  bool WaitForAcked(int64_t n, int timeout_ms);
  // Blocks until every message queued so far is reported (false at the timeout).
  bool WaitForReports(int timeout_ms);
  std::vector<SentMessage> messages() const;
  // Counts of reports by error code.
  std::map<int, int64_t> errors() const;

 private:
  void Run();
  static void OnDelivery(void* rk, const void* msg, void* opaque);

  Config config_;
  std::string topic_;
  int partitions_;
  std::string prefix_;
  int max_in_flight_;
  int pause_us_;
  void* rk_ = nullptr;  // rd_kafka_t
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> budget_{-1};  // -1: unlimited
  std::atomic<int64_t> queued_{0};
  std::atomic<int64_t> reported_{0};
  std::atomic<int64_t> acked_{0};
  mutable std::mutex mu_;
  std::vector<SentMessage> sent_;  // guarded by mu_
};

struct Record {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string value;
};

// Reads every partition of `topic` from the beginning up to the high watermark the cluster
// reports when reading starts (plus anything that arrives), until no partition has more or
// timeout_ms passed.
Result<std::vector<Record>> ReadAll(const std::string& bootstrap, const std::string& topic,
                                    int partitions, int timeout_ms = 60000);

struct AuditCounts {
  int64_t acked = 0;
  int64_t acked_lost = 0;       // acknowledged, never read back
  int64_t duplicated = 0;       // extra copies read back (a message read 3 times counts 2)
  int64_t unacked_present = 0;  // not acknowledged (failed or unreported) but read back
  int64_t read = 0;
  std::vector<std::string> lost_values;  // the acknowledged values that are missing
};

AuditCounts Audit(const std::vector<SentMessage>& sent, const std::vector<Record>& read);

}  // namespace kbench::broker::testing
