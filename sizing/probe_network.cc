#include "sizing/probe_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "core/base/clock.h"
#include "sizing/units.h"

namespace kbench::sizing {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr int kConnectTimeoutMs = 3000;
constexpr int kIdleTimeoutS = 30;

// The reply's two u64 fields are big-endian (core/base/byte_order.h needs C++23's std::byteswap,
// which g++ 12 in C++20 mode lacks, so the shifts are spelled out here).
void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = uint8_t(v & 0xFF);
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Owns a socket descriptor.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int fd() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status SendAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("send", errno);
    p += n;
    size -= size_t(n);
  }
  return Status::Ok();
}

// Reads exactly `size` bytes; false on end of stream or error.
bool RecvAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::recv(fd, p, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= size_t(n);
  }
  return true;
}

void ServeSink(int fd) {
  std::vector<char> buf(kChunk);
  uint64_t bytes = 0;
  int64_t first = 0;
  while (true) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (bytes == 0) first = MonoNanos();
    bytes += uint64_t(n);
  }
  uint8_t reply[16];
  PutU64(reply, bytes);
  PutU64(reply + 8, bytes == 0 ? 0 : uint64_t(MonoNanos() - first));
  (void)SendAll(fd, reply, sizeof(reply));
}

void ServeEcho(int fd) {
  char msg[kEchoMessageSize];
  while (RecvAll(fd, msg, sizeof(msg))) {
    if (!SendAll(fd, msg, sizeof(msg)).ok()) return;
  }
}

void ServeConnection(int fd) {
  timeval tv{kIdleTimeoutS, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char hello[kProbeHelloSize + 1];
  if (!RecvAll(fd, hello, sizeof(hello)) || std::memcmp(hello, kProbeHello, kProbeHelloSize) != 0)
    return;
  if (hello[kProbeHelloSize] == 'S') ServeSink(fd);
  if (hello[kProbeHelloSize] == 'E') ServeEcho(fd);
}

Result<Socket> Listen(const std::string& host, uint16_t port, uint16_t* bound) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return Status::FromErrno("socket", errno);
  int one = 1;
  ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument(fmt::format("--serve: \"{}\" is not an IPv4 address", host));
  }
  if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::FromErrno(fmt::format("bind {}:{}", host, port), errno);
  }
  if (::listen(s.fd(), 16) != 0) return Status::FromErrno("listen", errno);
  socklen_t len = sizeof(addr);
  ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&addr), &len);
  *bound = ntohs(addr.sin_port);
  return s;
}

// Connects with a timeout, so an unreachable peer cannot stall the probe.
Result<Socket> Connect(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return Status::InvalidArgument(fmt::format("--peer {}:{}: {}", host, port, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  Socket s(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (s.fd() < 0) return Status::FromErrno("socket", errno);
  int rc = ::connect(s.fd(), res->ai_addr, res->ai_addrlen);
  if (rc != 0 && errno != EINPROGRESS)
    return Status::FromErrno(fmt::format("connect {}:{}", host, port), errno);
  pollfd p{s.fd(), POLLOUT, 0};
  if (rc != 0 && ::poll(&p, 1, kConnectTimeoutMs) != 1) {
    return Status::TimedOut(
        fmt::format("connect {}:{}: no answer in {} ms", host, port, kConnectTimeoutMs));
  }
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return Status::FromErrno(fmt::format("connect {}:{}", host, port), err);
  ::fcntl(s.fd(), F_SETFL, ::fcntl(s.fd(), F_GETFL) & ~O_NONBLOCK);
  timeval tv{kIdleTimeoutS, 0};
  ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return s;
}

Status SendHello(int fd, char mode) {
  char hello[kProbeHelloSize + 1];
  std::memcpy(hello, kProbeHello, kProbeHelloSize);
  hello[kProbeHelloSize] = mode;
  return SendAll(fd, hello, sizeof(hello));
}

// Streams for `seconds`; returns the receiver's bytes/s.
Result<double> MeasureBandwidth(const ProbeContext& ctx, const std::string& host, uint16_t port,
                                double seconds) {
  KB_ASSIGN_OR_RETURN(Socket s, Connect(host, port));
  KB_RETURN_IF_ERROR(SendHello(s.fd(), 'S'));
  std::vector<char> chunk(kChunk, 'k');
  int64_t start = MonoNanos();
  while (double(MonoNanos() - start) / 1e9 < seconds && !ctx.cancelled()) {
    KB_RETURN_IF_ERROR(SendAll(s.fd(), chunk.data(), chunk.size()));
  }
  ::shutdown(s.fd(), SHUT_WR);
  uint8_t reply[16];
  if (!RecvAll(s.fd(), reply, sizeof(reply))) {
    return Status::IoError(
        fmt::format("{}:{}: no byte count back; is it `kbench probe --serve`?", host, port));
  }
  uint64_t bytes = GetU64(reply);
  uint64_t nanos = GetU64(reply + 8);
  if (nanos == 0) return 0.0;
  return double(bytes) / (double(nanos) / 1e9);
}

Result<LatencySummaryMs> MeasureRtt(const ProbeContext& ctx, const std::string& host, uint16_t port,
                                    int pings, double seconds) {
  KB_ASSIGN_OR_RETURN(Socket s, Connect(host, port));
  int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  KB_RETURN_IF_ERROR(SendHello(s.fd(), 'E'));
  char msg[kEchoMessageSize] = {};
  std::vector<double> samples;
  int64_t start = MonoNanos();
  for (int i = 0; i < pings && double(MonoNanos() - start) / 1e9 < seconds && !ctx.cancelled();
       ++i) {
    int64_t t0 = MonoNanos();
    KB_RETURN_IF_ERROR(SendAll(s.fd(), msg, sizeof(msg)));
    if (!RecvAll(s.fd(), msg, sizeof(msg)))
      return Status::IoError(fmt::format("{}:{}: echo stopped", host, port));
    samples.push_back(double(MonoNanos() - t0) / 1e6);
  }
  return SummarizeMs(&samples);
}

Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& peer) {
  size_t colon = peer.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    const char* begin = peer.c_str() + colon + 1;
    const char* end = peer.c_str() + peer.size();
    auto [ptr, ec] = std::from_chars(begin, end, port);
    if (ec != std::errc() || ptr != end) port = 0;
  }
  if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
    return Status::InvalidArgument(fmt::format("--peer: \"{}\" is not HOST:PORT", peer));
  }
  return std::make_pair(peer.substr(0, colon), uint16_t(port));
}

}  // namespace

ProbeServer::ProbeServer(int fd, uint16_t port) : fd_(fd), port_(port) {
  thread_ = std::thread([this] { (void)ServeUntil(fd_, stop_); });
}

ProbeServer::~ProbeServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
}

Result<std::unique_ptr<ProbeServer>> ProbeServer::Start(const std::string& host, uint16_t port) {
  uint16_t bound = 0;
  KB_ASSIGN_OR_RETURN(Socket s, Listen(host, port, &bound));
  return std::unique_ptr<ProbeServer>(new ProbeServer(s.release(), bound));
}

Status ProbeServer::ServeUntil(int listen_fd, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd p{listen_fd, POLLIN, 0};
    int rc = ::poll(&p, 1, 100);
    if (rc < 0 && errno != EINTR) return Status::FromErrno("poll", errno);
    if (rc <= 0) continue;
    Socket conn(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.fd() >= 0) ServeConnection(conn.fd());
  }
  return Status::Ok();
}

Status ServeProbe(const std::string& host, uint16_t port, const std::atomic<bool>& stop,
                  const std::function<void(uint16_t)>& on_listening) {
  uint16_t bound = 0;
  KB_ASSIGN_OR_RETURN(Socket s, Listen(host, port, &bound));
  on_listening(bound);
  return ProbeServer::ServeUntil(s.fd(), stop);
}

Status ProbeNetwork(const ProbeContext& ctx, HardwareProfile* out) {
  std::unique_ptr<ProbeServer> local;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  if (ctx.options().peer.empty()) {
    KB_ASSIGN_OR_RETURN(local, ProbeServer::Start(host, 0));
    port = local->port();
    out->network_mode = "loopback";
  } else {
    KB_ASSIGN_OR_RETURN(auto hp, SplitHostPort(ctx.options().peer));
    std::tie(host, port) = hp;
    out->network_mode = "peer";
    out->peer = ctx.options().peer;
  }
  KB_ASSIGN_OR_RETURN(double bw,
                      MeasureBandwidth(ctx, host, port, ctx.Allow(ctx.budget().network_s)));
  KB_ASSIGN_OR_RETURN(LatencySummaryMs rtt, MeasureRtt(ctx, host, port, ctx.budget().rtt_pings,
                                                       ctx.Allow(ctx.budget().network_s)));
  out->tcp_bytes_per_sec = bw;
  out->rtt_ms = rtt;
  ctx.Progress("TCP {} {}: {} ({}), round trip p50 {} ms, p99 {} ms", out->network_mode,
               out->peer.empty() ? fmt::format("127.0.0.1:{}", port) : out->peer,
               FormatByteRate(bw), FormatBitRate(bw * 8), FormatNumber(rtt.p50),
               FormatNumber(rtt.p99));
  return Status::Ok();
}

}  // namespace kbench::sizing
