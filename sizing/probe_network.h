// The network phase of `kbench probe`, and the peer side (`kbench probe --serve PORT`).
//
// Wire protocol (docs/sizing.md, "Probe peer protocol"): the client connects and sends the 8 bytes
// "KBPROBE1" and one mode byte.
//   'S' sink: the client streams data, then shuts down its sending side; the server answers 16
//   bytes,
//       big-endian u64 bytes received and u64 nanoseconds from the first data byte to end of
//       stream, and closes. Bandwidth is measured where the bytes land.
//   'E' echo: the client sends 64-byte messages and the server returns each; the client times round
//   trips.
// Without --peer the probe runs the server on 127.0.0.1 (an ephemeral port) in a thread: that
// measures the kernel's TCP path, not a NIC, and the sizing model does not take NIC speed from it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/base/result.h"
#include "sizing/hardware_profile.h"
#include "sizing/probe_context.h"

namespace kbench::sizing {

inline constexpr char kProbeHello[] = "KBPROBE1";
inline constexpr size_t kProbeHelloSize = 8;
inline constexpr size_t kEchoMessageSize = 64;

// A sink/echo server on its own thread; connections are served one at a time.
class ProbeServer {
 public:
  // host "127.0.0.1" or "0.0.0.0"; port 0 picks an ephemeral port.
  static Result<std::unique_ptr<ProbeServer>> Start(const std::string& host, uint16_t port);
  ~ProbeServer();  // stops and joins
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  uint16_t port() const { return port_; }
  // Blocks serving connections until `stop` is set (used by --serve on the main thread).
  static Status ServeUntil(int listen_fd, const std::atomic<bool>& stop);

 private:
  ProbeServer(int fd, uint16_t port);
  int fd_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Listens on host:port and serves until `stop`; `on_listening` gets the bound port.
Status ServeProbe(const std::string& host, uint16_t port, const std::atomic<bool>& stop,
                  const std::function<void(uint16_t)>& on_listening);

// Measures bandwidth and round trips to the peer (or a loopback server) and fills the network
// fields.
Status ProbeNetwork(const ProbeContext& ctx, HardwareProfile* out);

}  // namespace kbench::sizing
