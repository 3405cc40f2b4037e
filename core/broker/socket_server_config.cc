#include "core/broker/socket_server_config.h"

#include <fmt/format.h>

#include <charconv>

namespace kbench::broker {
namespace {

Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return Status::InvalidArgument(
        fmt::format("listener '{}': port '{}' is not a number from 0 to 65535", whole, text));
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<ListenerAddress> ListenerAddress::Parse(std::string_view host_port) {
  std::string_view host;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return Status::InvalidArgument(
          fmt::format("listener '{}': expected [ipv6-address]:port", host_port));
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("listener '{}': expected host:port", host_port));
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "listener '{}': an IPv6 address needs brackets, as in [::1]:9092", host_port));
    }
  }
  KB_ASSIGN_OR_RETURN(uint16_t port_number, ParsePort(port, host_port));
  return ListenerAddress{std::string(host), port_number};
}

std::string ListenerAddress::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Status SocketServerConfig::Validate() const {
  auto bad = [](std::string_view property, auto value, std::string_view expected) {
    return Status::InvalidArgument(fmt::format("{} = {}: must be {}", property, value, expected));
  };
  if (network_threads < 0 || network_threads > 64) {
    return bad("num.network.threads", network_threads, "from 0 (one per core) to 64");
  }
  if (handler_threads < 0 || handler_threads > 256) {
    return bad("num.io.threads", handler_threads, "from 0 (run on the network thread) to 256");
  }
  if (max_request_bytes < 8) return bad("socket.request.max.bytes", max_request_bytes, ">= 8");
  if (idle_timeout_ms < 1) return bad("connections.max.idle.ms", idle_timeout_ms, ">= 1");
  if (max_connections < 1) return bad("max.connections", max_connections, ">= 1");
  if (listen_backlog < 1) return bad("listen backlog", listen_backlog, ">= 1");
  if (socket_send_buffer_bytes == 0 || socket_send_buffer_bytes < -1) {
    return bad("socket.send.buffer.bytes", socket_send_buffer_bytes, "-1 (kernel default) or > 0");
  }
  if (socket_receive_buffer_bytes == 0 || socket_receive_buffer_bytes < -1) {
    return bad("socket.receive.buffer.bytes", socket_receive_buffer_bytes,
               "-1 (kernel default) or > 0");
  }
  if (max_inflight_requests_per_connection < 1) {
    return bad("queued.max.requests (per connection)", max_inflight_requests_per_connection,
               ">= 1");
  }
  if (max_queued_bytes_per_connection < 1) {
    return bad("queued.max.request.bytes (per connection)", max_queued_bytes_per_connection,
               ">= 1");
  }
  if (shutdown_drain_ms < 0) return bad("shutdown drain ms", shutdown_drain_ms, ">= 0");
  return Status::Ok();
}

}  // namespace kbench::broker
