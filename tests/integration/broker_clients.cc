#include "tests/integration/broker_clients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/base/clock.h"

namespace kbench::broker::testing {
namespace {

Result<rd_kafka_conf_t*> MakeConf(const Config& config) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : config) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("librdkafka config {}={}: {}", key, value, err));
    }
  }
  return conf;
}

Result<rd_kafka_t*> MakeClient(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(fmt::format("rd_kafka_new: {}", err));
  }
  return rk;
}

struct DeliveryBook {
  std::vector<Delivery>* out;
  std::atomic<size_t> done{0};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* book = static_cast<DeliveryBook*>(opaque);
  const auto index = reinterpret_cast<uintptr_t>(m->_private);
  Delivery& d = (*book->out)[index];
  d.error = m->err;
  d.partition = m->partition;
  d.offset = m->offset;
  book->done.fetch_add(1);
}

}  // namespace

Status CreateReplicatedTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                             int replication_factor, const Config& topic_config,
                             const std::vector<std::vector<int32_t>>& assignment) {
  KB_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, MakeConf({{"bootstrap.servers", bootstrap}}));
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, MakeClient(RD_KAFKA_PRODUCER, conf));
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(
      topic.c_str(), assignment.empty() ? partitions : static_cast<int>(assignment.size()),
      assignment.empty() ? replication_factor : -1, err, sizeof(err));
  Status result;
  if (nt == nullptr) result = Status::InvalidArgument(err);
  for (size_t p = 0; result.ok() && p < assignment.size(); ++p) {
    std::vector<int32_t> ids = assignment[p];
    if (rd_kafka_NewTopic_set_replica_assignment(nt, static_cast<int32_t>(p), ids.data(),
                                                 ids.size(), err, sizeof(err)) != 0) {
      result = Status::InvalidArgument(err);
    }
  }
  for (const auto& [k, v] : topic_config) {
    if (nt != nullptr) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  if (result.ok()) {
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(options, 30000, err, sizeof(err));
    rd_kafka_CreateTopics(rk, &nt, 1, options, q);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    if (ev == nullptr) {
      result = Status::TimedOut("CreateTopics " + topic);
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result = Status::Internal(rd_kafka_event_error_string(ev));
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** r =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        if (rd_kafka_topic_result_error(r[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          result = Status::Internal(fmt::format("CreateTopics {}: {} ({})", topic,
                                                rd_kafka_err2str(rd_kafka_topic_result_error(r[i])),
                                                rd_kafka_topic_result_error_string(r[i])
                                                    ? rd_kafka_topic_result_error_string(r[i])
                                                    : ""));
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
  }
  if (nt != nullptr) rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return result;
}

Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                   const Config& topic_config) {
  return CreateReplicatedTopic(bootstrap, topic, partitions, 1, topic_config);
}

Result<std::vector<Delivery>> ProduceAll(const Config& config, const std::string& topic,
                                         const std::vector<Message>& messages, int timeout_ms) {
  std::vector<Delivery> out(messages.size());
  DeliveryBook book{&out};
  KB_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, MakeConf(config));
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &book);
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, MakeClient(RD_KAFKA_PRODUCER, conf));
  const int64_t deadline = MonoMillis() + timeout_ms;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()),
          RD_KAFKA_V_PARTITION(m.partition >= 0 ? m.partition : RD_KAFKA_PARTITION_UA),
          RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(i))), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || MonoMillis() > deadline) {
        rd_kafka_destroy(rk);
        return Status::Internal(fmt::format("produce: {}", rd_kafka_err2str(e)));
      }
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  while (book.done.load() < messages.size() && MonoMillis() < deadline) rd_kafka_poll(rk, 20);
  const size_t done = book.done.load();
  rd_kafka_destroy(rk);
  if (done < messages.size()) {
    return Status::TimedOut(fmt::format("{} of {} deliveries reported", done, messages.size()));
  }
  return out;
}

Result<std::vector<Consumed>> ConsumeAll(const std::string& bootstrap, const std::string& topic,
                                         int partitions, size_t expected, const Config& extra,
                                         int timeout_ms) {
  Config config = {{"bootstrap.servers", bootstrap},
                   {"group.id", "kbench-test-reader"},
                   {"enable.auto.commit", "false"},
                   {"enable.partition.eof", "false"}};
  for (const auto& [k, v] : extra) config[k] = v;
  KB_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, MakeConf(config));
  KB_ASSIGN_OR_RETURN(rd_kafka_t * rk, MakeClient(RD_KAFKA_CONSUMER, conf));
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Consumed> out;
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (out.size() < expected && MonoMillis() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Consumed c;
      c.partition = m->partition;
      c.offset = m->offset;
      if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (out.size() < expected) {
    return Status::TimedOut(
        fmt::format("consumed {} of {} records of {}", out.size(), expected, topic));
  }
  return out;
}

// ---- BrokerProcess. ----

Result<std::string> BrokerProcess::Binary() {
  const char* bin_dir = std::getenv("KBENCH_BINARY_DIR");
  if (bin_dir == nullptr) return Status::InvalidArgument("KBENCH_BINARY_DIR is not set");
  return std::string(bin_dir) + "/kbench";
}

Result<std::unique_ptr<BrokerProcess>> BrokerProcess::Start(const std::string& log_dir,
                                                            const std::vector<std::string>& sets) {
  std::vector<std::string> args = {"--node-id",   "1",         "--listen",
                                   "127.0.0.1:0", "--log-dir", log_dir};
  for (const std::string& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  return StartWithArgs(args, 1);
}

Result<std::unique_ptr<BrokerProcess>> BrokerProcess::StartWithArgs(
    const std::vector<std::string>& broker_args, int node_id) {
  KB_ASSIGN_OR_RETURN(const std::string binary, Binary());
  std::vector<std::string> args = {binary, "broker"};
  args.insert(args.end(), broker_args.begin(), broker_args.end());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  std::unique_ptr<BrokerProcess> p(new BrokerProcess());
  std::vector<char*> argv;  // built before fork: the child must not allocate
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  p->pid_ = ::fork();
  if (p->pid_ == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDIN_FILENO);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (p->pid_ < 0) {
    ::close(pipe_fds[0]);
    return Status::FromErrno("fork", errno);
  }
  p->stderr_fd_ = pipe_fds[0];
  p->reader_ = std::thread([raw = p.get()] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(raw->stderr_fd_, buf, sizeof(buf))) > 0) {
      std::lock_guard<std::mutex> lock(raw->mu_);
      raw->stderr_.append(buf, static_cast<size_t>(n));
    }
  });
  const std::string ready = fmt::format("kbench broker {} listening on 127.0.0.1:", node_id);
  const int64_t deadline = MonoMillis() + 60000;
  while (MonoMillis() < deadline) {
    std::string err = p->Stderr();
    if (size_t at = err.find(ready); at != std::string::npos) {
      size_t end = err.find('\n', at);
      if (end != std::string::npos) {
        p->port_ = static_cast<uint16_t>(std::stoi(err.substr(at + ready.size())));
        return p;
      }
    }
    int status = 0;
    if (::waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      return Status::Internal("kbench broker exited before it was ready:\n" + err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::TimedOut("kbench broker did not print its ready line:\n" + p->Stderr());
}

BrokerProcess::~BrokerProcess() {
  if (pid_ > 0) Kill();
  if (reader_.joinable()) reader_.join();
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

std::string BrokerProcess::Stderr() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stderr_;
}

int BrokerProcess::Wait(int timeout_ms) {
  const int64_t deadline = MonoMillis() + timeout_ms;
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (reader_.joinable()) reader_.join();
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (MonoMillis() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int BrokerProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int rc = Wait(timeout_ms);
  if (rc == -1) Kill();
  return rc;
}

void BrokerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Wait(60000);
}

// ---- TcpProxy. ----

namespace {

int ConnectLoopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int64_t cut_after_bytes, int max_cuts)
    : cut_after_bytes_(cut_after_bytes), max_cuts_(max_cuts) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stop_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard<std::mutex> lock(mu_);
  for (std::thread& t : relays_) t.join();
}

void TcpProxy::AcceptLoop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    relays_.emplace_back([this, client] { Relay(client); });
  }
}

void TcpProxy::Relay(int client) {
  int upstream = ConnectLoopback(upstream_.load());
  if (upstream < 0) {
    ::close(client);
    return;
  }
  int64_t from_client = 0;
  char buf[65536];
  while (!stop_.load()) {
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (::poll(p, 2, 100) <= 0) continue;
    if (p[0].revents != 0) {
      ssize_t n = ::recv(client, buf, sizeof(buf), 0);
      if (n <= 0 || !WriteAll(upstream, buf, static_cast<size_t>(n))) break;
      from_client += n;
    }
    if (p[1].revents != 0) {
      ssize_t n = ::recv(upstream, buf, sizeof(buf), 0);
      if (n <= 0) break;
      if (cutting_.load() && from_client >= cut_after_bytes_) {
        int cuts = cuts_.load();
        while (cuts < max_cuts_ && !cuts_.compare_exchange_weak(cuts, cuts + 1)) {
        }
        // The broker handled requests whose responses the client now never sees.
        if (cuts < max_cuts_) break;
      }
      if (!WriteAll(client, buf, static_cast<size_t>(n))) break;
    }
  }
  ::close(client);
  ::close(upstream);
}

// ---- RunCommand. ----

Result<CommandResult> RunCommand(const std::vector<std::string>& argv_in,
                                 const std::string& stdin_file, int timeout_ms) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Status::FromErrno("pipe", errno);
  }
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;  // built before fork: the child must not allocate
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string in_path = stdin_file.empty() ? "/dev/null" : stdin_file;
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  CommandResult result;
  const int64_t deadline = MonoMillis() + timeout_ms;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  char buf[65536];
  while (open_fds > 0) {
    const int64_t left = deadline - MonoMillis();
    if (left <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    if (::poll(fds, 2, killed ? 1000 : static_cast<int>(std::min<int64_t>(left, 1000))) < 0 &&
        errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
    }
  }
  for (pollfd& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return result;
}

}  // namespace kbench::broker::testing
