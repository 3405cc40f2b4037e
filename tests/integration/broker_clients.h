// Test support for the broker's integration tests with real clients:
//  - librdkafka helpers: create a topic (Admin API), produce a set of messages and collect every
//    delivery report, read partitions back from the beginning (assign, no group);
//  - BrokerProcess: the `kbench broker` binary as a child process (ready line parsed, stderr
//    drained in the background, SIGTERM or SIGKILL, always killed on destruction);
//  - TcpProxy: a loopback proxy that cuts connections mid-stream to force client retries;
//  - RunCommand: a child process (kcat) with its output captured and a time limit.
// Every wait is bounded.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/base/result.h"

namespace kbench::broker::testing {

using Config = std::map<std::string, std::string>;

// ---- librdkafka. ----

// CreateTopics through librdkafka's Admin API; errors name the topic and Kafka's error.
// assignment[p] = the broker ids holding partition p (empty: the controller places them).
Status CreateReplicatedTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                             int replication_factor, const Config& topic_config = {},
                             const std::vector<std::vector<int32_t>>& assignment = {});
// RF 1.
Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                   const Config& topic_config = {});

struct Message {
  std::string key;
  std::string value;
  int32_t partition = -1;  // -1: librdkafka's partitioner
};

struct Delivery {
  int error = 0;  // rd_kafka_resp_err_t
  int32_t partition = -1;
  int64_t offset = -1;
};

// Produces every message with `config` (bootstrap.servers included) and waits (up to timeout_ms)
// for all delivery reports; deliveries come back in message order.
Result<std::vector<Delivery>> ProduceAll(const Config& config, const std::string& topic,
                                         const std::vector<Message>& messages,
                                         int timeout_ms = 60000);

struct Consumed {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

// Reads `partitions` partitions of `topic` from the beginning until `expected` records arrived
// (or timeout_ms passed, then fails naming the count).
Result<std::vector<Consumed>> ConsumeAll(const std::string& bootstrap, const std::string& topic,
                                         int partitions, size_t expected, const Config& extra = {},
                                         int timeout_ms = 60000);

// ---- The broker binary. ----

class BrokerProcess {
 public:
  // Starts `kbench broker --node-id 1 --listen 127.0.0.1:0 --log-dir <dir> --set ...` and waits
  // for its ready line.
  static Result<std::unique_ptr<BrokerProcess>> Start(const std::string& log_dir,
                                                      const std::vector<std::string>& sets = {});
  // `kbench broker <args>`; waits for "kbench broker <node_id> listening on 127.0.0.1:<port>".
  static Result<std::unique_ptr<BrokerProcess>> StartWithArgs(const std::vector<std::string>& args,
                                                              int node_id);
  // The kbench binary ($KBENCH_BINARY_DIR/kbench).
  static Result<std::string> Binary();
  ~BrokerProcess();  // SIGKILL if still running

  uint16_t port() const { return port_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // SIGTERM and wait: the exit status (0 for a clean stop), or -1 on timeout (then killed).
  int Terminate(int timeout_ms = 30000);
  // SIGKILL and wait.
  void Kill();
  // Everything the broker wrote to stderr so far.
  std::string Stderr() const;

 private:
  BrokerProcess() = default;
  int Wait(int timeout_ms);

  int pid_ = -1;
  int stderr_fd_ = -1;
  uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  std::string stderr_;
};

// ---- A proxy that cuts connections. ----

// Listens on 127.0.0.1:0 and relays each connection to 127.0.0.1:<upstream>. While cutting is on,
// once a connection has forwarded `cut_after_bytes` from the client, the next bytes the broker
// sends back are dropped and both sides closed: the client loses the responses to requests the
// broker has already handled, and must retry them. At most `max_cuts` cuts.
class TcpProxy {
 public:
  TcpProxy(int64_t cut_after_bytes, int max_cuts);
  ~TcpProxy();
  uint16_t port() const { return port_; }
  void SetUpstream(uint16_t port) { upstream_.store(port); }
  void StopCutting() { cutting_.store(false); }
  int cuts() const { return cuts_.load(); }

 private:
  void AcceptLoop();
  void Relay(int client);

  const int64_t cut_after_bytes_;
  const int max_cuts_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<uint16_t> upstream_{0};
  std::atomic<bool> cutting_{true};
  std::atomic<bool> stop_{false};
  std::atomic<int> cuts_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> relays_;
};

// ---- Child processes. ----

struct CommandResult {
  int exit_code = -1;  // -1: killed at the time limit
  std::string out;
  std::string err;
};
// Runs argv[0] (searched in PATH) with stdin from `stdin_file` (empty: /dev/null).
Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 const std::string& stdin_file = "", int timeout_ms = 60000);

}  // namespace kbench::broker::testing
