#include "core/broker/socket_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <latch>
#include <thread>

#include "core/base/clock.h"
#include "core/base/log.h"
#include "core/base/result.h"

namespace kbench::broker {
namespace {

constexpr int kMaxAcceptsPerEvent = 64;
constexpr int64_t kAcceptPauseMs = 100;

std::string PeerName(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return fmt::format("{}:{}", host, ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return fmt::format("[{}]:{}", host, ntohs(in6->sin6_port));
  }
  return "unknown peer";
}

// The address the listening socket is bound to (numeric host, port).
ListenerAddress BoundAddress(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  char host[INET6_ADDRSTRLEN] = "";
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return {host, ntohs(in->sin_port)};
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
  return {host, ntohs(in6->sin6_port)};
}

// A non-blocking listening socket on one resolved address; `where` names the listener in errors.
Result<int> BindAndListen(const addrinfo& ai, int backlog, const std::string& where) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return Status::FromErrno(where + ": socket", errno);
  int one = 1;
  // Rebinding right after a restart must not wait for old connections in TIME_WAIT.
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    Status s = Status::FromErrno(where + ": bind", errno);
    ::close(fd);
    return s;
  }
  if (::listen(fd, backlog) != 0) {
    Status s = Status::FromErrno(where + ": listen", errno);
    ::close(fd);
    return s;
  }
  return fd;
}

DurationStats Sum(DurationStats a, const DurationCounter& b) {
  a.count += b.count.Get();
  a.sum_ns += b.sum_ns.Get();
  a.max_ns = std::max(a.max_ns, b.max_ns.Get());
  return a;
}

}  // namespace

SocketServer::SocketServer(SocketServerConfig config, RequestHandler* handler, BrokerGates* gates)
    : config_(std::move(config)), handler_(handler), gates_(gates) {}

SocketServer::~SocketServer() { Stop(); }

Status SocketServer::Start() {
  if (started_) return Status::Internal("SocketServer::Start called twice");
  KB_RETURN_IF_ERROR(config_.Validate());
  if (handler_ == nullptr) return Status::InvalidArgument("SocketServer needs a request handler");
  KB_RETURN_IF_ERROR(Listen());
  Status s = StartLoops();
  if (!s.ok()) {
    Stop();
    return s;
  }
  started_ = true;
  log::Debug(config_.name, "listening on {} with {} network thread(s), {} handler thread(s)",
             bound_address().ToString(), loops_.size(), config_.handler_threads);
  return Status::Ok();
}

Status SocketServer::Listen() {
  const std::string where = "listener " + config_.listener.ToString();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(config_.listener.port);
  const char* host = config_.listener.host.empty() ? nullptr : config_.listener.host.c_str();
  int rc = ::getaddrinfo(host, port.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument(
        fmt::format("{}: cannot resolve host: {}", where, gai_strerror(rc)));
  }
  Result<int> fd = Status::InvalidArgument(where + ": no address to bind");
  for (addrinfo* ai = found; ai != nullptr && !fd.ok(); ai = ai->ai_next) {
    fd = BindAndListen(*ai, config_.listen_backlog, where);
  }
  ::freeaddrinfo(found);
  if (!fd.ok()) return fd.status();
  listen_fd_ = *fd;
  bound_ = BoundAddress(listen_fd_);
  // Keep the name the operator gave (e.g. "localhost"); an empty host becomes the bound address.
  if (!config_.listener.host.empty()) bound_.host = config_.listener.host;
  return Status::Ok();
}

Status SocketServer::StartLoops() {
  if (config_.handler_threads > 0) {
    pool_ = std::make_unique<HandlerPool>(config_.handler_threads, handler_, config_.name);
  }
  int loops = config_.network_threads;
  if (loops == 0) loops = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < loops; ++i) {
    EventLoop::Context ctx{config_, handler_, pool_.get(), &gauge_, gates_};
    KB_ASSIGN_OR_RETURN(std::unique_ptr<EventLoop> loop, EventLoop::Create(i, std::move(ctx)));
    loops_.push_back(std::move(loop));
  }
  KB_RETURN_IF_ERROR(loops_[0]->AttachListener(listen_fd_, [this] { OnAcceptable(); }));
  if (pool_) pool_->Start();
  for (auto& loop : loops_) loop->Start();
  return Status::Ok();
}

void SocketServer::OnAcceptable() {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      // Out of descriptors or memory: the pending connection stays in the backlog; stop polling the
      // listener for a moment instead of spinning on it.
      int64_t now = MonoNanos();
      if (now - last_accept_error_log_ns_ > 1'000'000'000) {
        log::Warn(config_.name, "accept failed ({}); pausing accepts for {} ms",
                  std::strerror(errno), kAcceptPauseMs);
        last_accept_error_log_ns_ = now;
      }
      loops_[0]->PauseAccepting(kAcceptPauseMs);
      return;
    }
    std::string peer = PeerName(addr);
    if (gauge_.open() >= config_.max_connections) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      log::Warn(config_.name, "refusing connection from {}: {} connections open (max.connections)",
                peer, gauge_.open());
      ::close(fd);
      continue;
    }
    if (!ConfigureSocket(fd)) {
      log::Warn(config_.name, "refusing connection from {}: setting socket options failed: {}",
                peer, std::strerror(errno));
      ::close(fd);
      continue;
    }
    gauge_.Add();
    accepted_.fetch_add(1, std::memory_order_relaxed);
    ConnectionId id(next_connection_id_++);
    loops_[next_loop_++ % loops_.size()]->Adopt(fd, std::move(peer), id);
  }
}

bool SocketServer::ConfigureSocket(int fd) const {
  int one = 1;
  // Kafka sets TCP_NODELAY: responses are whole messages, written as soon as they are complete.
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) return false;
  if (config_.socket_send_buffer_bytes > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &config_.socket_send_buffer_bytes,
                   sizeof(config_.socket_send_buffer_bytes)) != 0) {
    return false;
  }
  if (config_.socket_receive_buffer_bytes > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &config_.socket_receive_buffer_bytes,
                   sizeof(config_.socket_receive_buffer_bytes)) != 0) {
    return false;
  }
  return true;
}

void SocketServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    std::latch draining(static_cast<std::ptrdiff_t>(loops_.size()));
    for (auto& loop : loops_) loop->BeginDrain(&draining);
    draining.wait();  // no loop reads or accepts from here on
    if (!gauge_.WaitForZero(std::chrono::milliseconds(config_.shutdown_drain_ms))) {
      log::Info(config_.name, "stopping with {} connection(s) still busy after {} ms; closing them",
                gauge_.open(), config_.shutdown_drain_ms);
    }
  }
  if (pool_) pool_->Stop();
  for (auto& loop : loops_) loop->Stop();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

void SocketServer::Abort() {
  if (stopped_) return;
  stopped_ = true;
  if (pool_) pool_->Stop();
  for (auto& loop : loops_) loop->Stop();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

void SocketServer::CloseAllConnections() {
  for (auto& loop : loops_) loop->CloseConnections("network isolated");
}

SocketServerStats SocketServer::Stats() const {
  SocketServerStats s;
  s.connections_open = static_cast<uint64_t>(std::max<int64_t>(0, gauge_.open()));
  s.connections_accepted = accepted_.load(std::memory_order_relaxed);
  s.connections_rejected = rejected_.load(std::memory_order_relaxed);
  for (const auto& loop : loops_) {
    const LoopCounters& c = loop->counters();
    s.connections_closed += c.connections_closed.Get();
    s.idle_closed += c.idle_closed.Get();
    s.framing_errors += c.framing_errors.Get();
    s.requests += c.requests.Get();
    for (int key = 0; key <= kMaxCountedApiKey; ++key) {
      if (uint64_t n = c.requests_by_api[key].Get(); n > 0) s.requests_by_api[int16_t(key)] += n;
    }
    if (uint64_t n = c.requests_other_api.Get(); n > 0) s.requests_by_api[-1] += n;
    s.bytes_in += c.bytes_in.Get();
    s.bytes_out += c.bytes_out.Get();
    s.responses_sent += c.responses_sent.Get();
    s.responses_none += c.responses_none.Get();
    s.completions_dropped += c.completions_dropped.Get();
    s.read_calls += c.read_calls.Get();
    s.writev_calls += c.writev_calls.Get();
    s.sendfile_calls += c.sendfile_calls.Get();
    s.sendfile_bytes += c.sendfile_bytes.Get();
    s.writes_blocked += c.writes_blocked.Get();
    s.read_pauses += c.read_pauses.Get();
    s.request_queue = Sum(s.request_queue, c.request_queue);
    s.response_queue = Sum(s.response_queue, c.response_queue);
    s.total = Sum(s.total, c.total);
  }
  if (pool_) {
    for (int i = 0; i < pool_->threads(); ++i) {
      s.request_queue = Sum(s.request_queue, pool_->counters(i).request_queue);
    }
  }
  return s;
}

}  // namespace kbench::broker
