#include "tests/unit/broker/test_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/base/byte_order.h"

namespace kbench::broker::testing {

Result<TestClient> TestClient::Connect(uint16_t port, int receive_buffer) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  TestClient client(fd);
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Status::FromErrno(fmt::format("connect to 127.0.0.1:{}", port), errno);
  }
  return client;
}

TestClient& TestClient::operator=(TestClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

TestClient::~TestClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status TestClient::SendRaw(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("send", errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::vector<uint8_t> EncodeRequest(int16_t api_key, int16_t api_version, int32_t correlation_id,
                                   std::span<const uint8_t> body) {
  std::vector<uint8_t> frame(4 + kTestHeaderBytes + body.size());
  StoreBigEndian<int32_t>(frame.data(), static_cast<int32_t>(frame.size() - 4));
  StoreBigEndian<int16_t>(frame.data() + 4, api_key);
  StoreBigEndian<int16_t>(frame.data() + 6, api_version);
  StoreBigEndian<int32_t>(frame.data() + 8, correlation_id);
  StoreBigEndian<int16_t>(frame.data() + 12, 1);  // client id length
  frame[14] = 't';
  std::copy(body.begin(), body.end(), frame.begin() + 4 + kTestHeaderBytes);
  return frame;
}

Status TestClient::SendRequest(int16_t api_key, int16_t api_version, int32_t correlation_id,
                               std::span<const uint8_t> body) {
  return SendRaw(EncodeRequest(api_key, api_version, correlation_id, body));
}

Result<std::vector<uint8_t>> TestClient::ReadExactly(size_t n, int timeout_ms) {
  std::vector<uint8_t> out(n);
  size_t done = 0;
  while (done < n) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r == 0)
      return Status::TimedOut(
          fmt::format("no data for {} ms ({} of {} bytes read)", timeout_ms, done, n));
    if (r < 0 && errno == EINTR) continue;
    ssize_t got = ::recv(fd_, out.data() + done, n - done, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::FromErrno("recv", errno);
    if (got == 0) {
      return Status::Unavailable(fmt::format("server closed after {} of {} bytes", done, n));
    }
    done += static_cast<size_t>(got);
  }
  return out;
}

Result<std::vector<uint8_t>> TestClient::ReadFrame(int timeout_ms) {
  KB_ASSIGN_OR_RETURN(std::vector<uint8_t> prefix, ReadExactly(4, timeout_ms));
  int32_t size = LoadBigEndian<int32_t>(prefix.data());
  if (size < 0) return Status::Corruption(fmt::format("response size {} is negative", size));
  return ReadExactly(static_cast<size_t>(size), timeout_ms);
}

bool TestClient::WaitForClose(int timeout_ms) {
  uint8_t sink[4096];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) return false;
    if (r < 0 && errno == EINTR) continue;
    ssize_t got = ::recv(fd_, sink, sizeof(sink), 0);
    if (got == 0) return true;
    if (got < 0 && errno != EINTR) return true;  // reset
  }
}

void TestClient::Abort() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd_);
  fd_ = -1;
}

}  // namespace kbench::broker::testing
