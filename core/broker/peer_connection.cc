#include "core/broker/peer_connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/base/byte_order.h"
#include "core/base/clock.h"

namespace kbench::broker {
namespace {

constexpr int32_t kMaxResponseBytes = 256 * 1024 * 1024;

int RemainingMs(int64_t deadline_ns) {
  const int64_t left = deadline_ns - MonoNanos();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<int64_t>((left + 999'999) / 1'000'000, 1 << 30));
}

Status WaitFor(int fd, short events, int64_t deadline_ns, const char* what) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ms = RemainingMs(deadline_ns);
    if (ms == 0) return Status::TimedOut(fmt::format("{}: timed out", what));
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(what, errno);
    if (n == 0) continue;  // re-check the deadline
    if (p.revents & (POLLERR | POLLNVAL)) {
      return Status::Unavailable(fmt::format("{}: connection failed", what),
                                 ErrorCode::kNetworkException);
    }
    return Status::Ok();
  }
}

Status ConnectOne(const addrinfo& ai, int64_t deadline_ns, const std::string& where, int* out) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return Status::FromErrno(where + ": socket", errno);
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0 && errno != EINPROGRESS) {
    Status s = Status::Unavailable(fmt::format("{}: connect: {}", where, std::strerror(errno)),
                                   ErrorCode::kNetworkException);
    ::close(fd);
    return s;
  }
  Status s = WaitFor(fd, POLLOUT, deadline_ns, where.c_str());
  int err = 0;
  socklen_t len = sizeof(err);
  if (s.ok() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
    s = Status::Unavailable(fmt::format("{}: connect: {}", where, std::strerror(err)),
                            ErrorCode::kNetworkException);
  }
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  *out = fd;
  return Status::Ok();
}

}  // namespace

PeerConnection::~PeerConnection() { Close(); }

Status PeerConnection::Connect(const std::string& host, int32_t port, int timeout_ms) {
  Close();
  const std::string where = fmt::format("connection to {}:{}", host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Status::Unavailable(fmt::format("{}: cannot resolve: {}", where, gai_strerror(rc)),
                               ErrorCode::kNetworkException);
  }
  const int64_t deadline = MonoNanos() + int64_t{timeout_ms} * 1'000'000;
  Status s = Status::Unavailable(where + ": no address", ErrorCode::kNetworkException);
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    s = ConnectOne(*ai, deadline, where, &fd);
  }
  ::freeaddrinfo(found);
  if (fd < 0) return s;
  std::lock_guard<std::mutex> lock(close_mu_);
  fd_.store(fd);
  return Status::Ok();
}

void PeerConnection::Close() {
  std::lock_guard<std::mutex> lock(close_mu_);
  const int fd = fd_.exchange(-1);
  if (fd >= 0) ::close(fd);
}

void PeerConnection::Interrupt() {
  std::lock_guard<std::mutex> lock(close_mu_);
  const int fd = fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

Status PeerConnection::WriteAll(const protocol::EncodedMessage& msg, int64_t deadline_ns) {
  const int fd = fd_.load();
  size_t done = 0;
  while (done < msg.bytes.size()) {
    const ssize_t n = ::send(fd, msg.bytes.data() + done, msg.bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      KB_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline_ns, "send"));
      continue;
    }
    return Status::Unavailable(fmt::format("send: {}", std::strerror(errno)),
                               ErrorCode::kNetworkException);
  }
  return Status::Ok();
}

Status PeerConnection::ReadFully(uint8_t* out, size_t n, int64_t deadline_ns) {
  const int fd = fd_.load();
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::recv(fd, out + done, n - done, 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) {
      return Status::Unavailable("the peer closed the connection", ErrorCode::kNetworkException);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      KB_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline_ns, "receive"));
      continue;
    }
    return Status::Unavailable(fmt::format("receive: {}", std::strerror(errno)),
                               ErrorCode::kNetworkException);
  }
  return Status::Ok();
}

Result<std::span<const uint8_t>> PeerConnection::RoundTrip(const protocol::EncodedMessage& request,
                                                           int32_t correlation_id, int timeout_ms) {
  if (!connected()) return Status::Unavailable("not connected", ErrorCode::kNetworkException);
  if (!request.splices.empty()) return Status::Internal("requests carry no file slices");
  const int64_t deadline = MonoNanos() + int64_t{timeout_ms} * 1'000'000;
  Status s = WriteAll(request, deadline);
  uint8_t size_bytes[4];
  if (s.ok()) s = ReadFully(size_bytes, 4, deadline);
  int32_t size = 0;
  if (s.ok()) {
    size = LoadBigEndian<int32_t>(size_bytes);
    if (size < 4 || size > kMaxResponseBytes) {
      s = Status::Corruption(fmt::format("response frame of {} bytes", size),
                             ErrorCode::kCorruptMessage);
    }
  }
  if (s.ok()) {
    // Grown only, never shrunk: resize() zero-fills what it adds, and a follower's responses
    // alternate between empty and large, so shrinking made every large one memset its size first.
    if (receive_buffer_.size() < static_cast<size_t>(size)) {
      receive_buffer_.resize(static_cast<size_t>(size));
    }
    s = ReadFully(receive_buffer_.data(), static_cast<size_t>(size), deadline);
  }
  if (s.ok() && LoadBigEndian<int32_t>(receive_buffer_.data()) != correlation_id) {
    s = Status::Corruption(
        fmt::format("response for correlation id {}, expected {}",
                    LoadBigEndian<int32_t>(receive_buffer_.data()), correlation_id),
        ErrorCode::kCorruptMessage);
  }
  if (!s.ok()) {
    Close();
    return s;
  }
  return std::span<const uint8_t>(receive_buffer_.data(), static_cast<size_t>(size));
}

}  // namespace kbench::broker
