#include "core/broker/event_loop.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/base/clock.h"

namespace kbench::broker {
namespace {

constexpr uint64_t kInboxToken = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kListenerToken = std::numeric_limits<uint64_t>::max() - 1;
constexpr int kMaxEvents = 128;
constexpr int kMaxReadsPerEvent = 16;  // fairness: then let other connections run
constexpr int kMaxServiceRounds = 8;

// Owns an accepted fd while it travels to its loop; closes and uncounts it if the loop never takes
// it.
struct PendingSocket {
  PendingSocket(int f, ConnectionGauge* g) : fd(f), gauge(g) {}
  PendingSocket(const PendingSocket&) = delete;
  PendingSocket& operator=(const PendingSocket&) = delete;
  ~PendingSocket() {
    if (fd >= 0) {
      ::close(fd);
      gauge->Remove();
    }
  }
  int fd;
  ConnectionGauge* gauge;
};

int64_t SweepInterval(int64_t idle_timeout_ms) {
  int64_t ms = std::clamp<int64_t>(idle_timeout_ms / 4, 1, 1000);
  return ms * 1'000'000;
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::Create(int index, Context context) {
  int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return Status::FromErrno("epoll_create1", errno);
  auto inbox = LoopInbox::Create();
  if (!inbox.ok()) {
    ::close(epoll_fd);
    return inbox.status();
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(index, std::move(context), epoll_fd, *inbox));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kInboxToken;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, loop->inbox_->event_fd(), &ev) != 0) {
    return Status::FromErrno("epoll_ctl(ADD eventfd)", errno);
  }
  return loop;
}

EventLoop::EventLoop(int index, Context context, int epoll_fd, std::shared_ptr<LoopInbox> inbox)
    : index_(index),
      ctx_(std::move(context)),
      limits_{ctx_.config.max_inflight_requests_per_connection,
              ctx_.config.max_queued_bytes_per_connection, ctx_.config.max_request_bytes},
      idle_timeout_ns_(ctx_.config.idle_timeout_ms * 1'000'000),
      sweep_interval_ns_(SweepInterval(ctx_.config.idle_timeout_ms)),
      epoll_fd_(epoll_fd),
      inbox_(std::move(inbox)) {}

EventLoop::~EventLoop() {
  Stop();
  ::close(epoll_fd_);
}

Status EventLoop::AttachListener(int listen_fd, std::function<void()> on_acceptable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerToken;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    return Status::FromErrno("epoll_ctl(ADD listener)", errno);
  }
  listen_fd_ = listen_fd;
  listener_polled_ = true;
  on_acceptable_ = std::move(on_acceptable);
  return Status::Ok();
}

void EventLoop::Start() {
  thread_ = std::thread([this] { Run(); });
  std::string name = fmt::format("{}-n{}", ctx_.config.name, index_).substr(0, 15);
  pthread_setname_np(thread_.native_handle(), name.c_str());
}

void EventLoop::Run() {
  // sendfile(2) has no MSG_NOSIGNAL: keep SIGPIPE blocked on this thread (a write to a reset peer
  // then fails with EPIPE) without touching the process-wide disposition.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  inbox_->BindToCurrentThread(this);
  now_ns_ = MonoNanos();
  next_sweep_ns_ = now_ns_ + sweep_interval_ns_;
  while (!stop_requested_) Iterate();
  CloseAll();
  inbox_->Close();
}

void EventLoop::Iterate() {
  // A paused broker (SIGSTOP's stand-in) neither reads nor writes; the kernel buffers fill up.
  if (ctx_.gates != nullptr && ctx_.gates->paused()) ctx_.gates->WaitWhilePaused();
  epoll_event events[kMaxEvents];
  int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, PollTimeoutMs());
  if (n < 0 && errno != EINTR) {
    log::Error(ctx_.config.name, "epoll_wait failed: {}", std::strerror(errno));
  }
  now_ns_ = MonoNanos();
  for (int i = 0; i < n; ++i) HandleEvent(events[i].data.u64, events[i].events);
  ServiceDirty();
  if (listen_fd_ >= 0 && !listener_polled_ && !draining_ && now_ns_ >= accept_resume_ns_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerToken;
    listener_polled_ = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) == 0;
  }
  if (now_ns_ >= next_sweep_ns_) {
    SweepIdle();
    next_sweep_ns_ = now_ns_ + sweep_interval_ns_;
  }
  EraseClosed();
}

int EventLoop::PollTimeoutMs() const {
  if (!dirty_.empty()) return 0;
  int64_t deadline = std::numeric_limits<int64_t>::max();
  if (!lru_.empty()) deadline = next_sweep_ns_;
  if (listen_fd_ >= 0 && !listener_polled_ && !draining_) {
    deadline = std::min(deadline, accept_resume_ns_);
  }
  if (deadline == std::numeric_limits<int64_t>::max()) return -1;
  int64_t wait_ns = std::max<int64_t>(0, deadline - MonoNanos());
  return static_cast<int>(std::min<int64_t>((wait_ns + 999'999) / 1'000'000, 60'000));
}

void EventLoop::HandleEvent(uint64_t token, uint32_t events) {
  if (token == kInboxToken) {
    DrainInbox();
    return;
  }
  if (token == kListenerToken) {
    if (listener_polled_ && !draining_) on_acceptable_();
    return;
  }
  Connection* conn = Find(ConnectionId(token));
  if (conn == nullptr || conn->closed()) return;
  if (events & (EPOLLERR | EPOLLHUP)) {
    CloseConnection(*conn, log::Level::kDebug, "socket error or hang-up");
    return;
  }
  if (events & EPOLLIN) ReadFrom(*conn);
  if ((events & EPOLLOUT) && !conn->closed()) MarkDirty(*conn);
}

void EventLoop::DrainInbox() {
  inbox_->Drain(&completion_batch_, &task_batch_);
  for (Completion& c : completion_batch_) OnCompletion(std::move(c));
  completion_batch_.clear();
  for (auto& task : task_batch_) task();
  task_batch_.clear();
}

void EventLoop::OnCompletion(Completion&& completion) {
  Connection* conn = Find(completion.connection);
  if (conn == nullptr || conn->closed()) {
    counters_.completions_dropped.Add();
    return;
  }
  Status s = conn->Complete(std::move(completion), &counters_);
  if (!s.ok()) {
    CloseConnection(*conn, log::Level::kError, s.ToString());
    return;
  }
  MarkDirty(*conn);
}

void EventLoop::Adopt(int fd, std::string peer, ConnectionId id) {
  auto pending = std::make_shared<PendingSocket>(fd, ctx_.gauge);
  inbox_->PostTask([this, pending, peer = std::move(peer), id]() mutable {
    int taken = pending->fd;
    pending->fd = -1;
    AddConnection(taken, std::move(peer), id);
  });
  // When the inbox is closed the task (and with it `pending`) is dropped: the fd is closed,
  // uncounted.
}

void EventLoop::AddConnection(int fd, std::string peer, ConnectionId id) {
  if (draining_ || stop_requested_ || (ctx_.gates != nullptr && ctx_.gates->isolated())) {
    ::close(fd);
    ctx_.gauge->Remove();
    return;
  }
  auto conn = std::make_unique<Connection>(id, fd, std::move(peer), limits_);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = id.value();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    log::Error(ctx_.config.name, "connection {} from {}: epoll_ctl(ADD) failed: {}", id.value(),
               conn->peer(), std::strerror(errno));
    ctx_.gauge->Remove();
    return;  // ~Connection closes the fd
  }
  conn->epoll_mask = EPOLLIN;
  conn->last_active_ns = MonoNanos();
  conn->lru_position = lru_.insert(lru_.end(), id);
  log::Debug(ctx_.config.name, "connection {} from {} accepted on loop {}", id.value(),
             conn->peer(), index_);
  connections_.emplace(id, std::move(conn));
}

Connection* EventLoop::Find(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void EventLoop::ReadFrom(Connection& conn) {
  int reads = 0;
  bool drained = false;
  int64_t received_ns = now_ns_;
  while (conn.CanRead()) {
    auto next = conn.reader().NextFrame();
    if (!next.ok()) {
      counters_.framing_errors.Add();
      CloseConnection(conn, log::Level::kWarn, next.status().message());
      return;
    }
    if (next->has_value()) {
      Dispatch(conn, std::move(**next), received_ns);
      continue;
    }
    if (drained || reads++ == kMaxReadsPerEvent) break;
    size_t bytes = 0;
    auto fill = conn.reader().FillFrom(conn.fd(), &bytes);
    counters_.read_calls.Add();
    if (!fill.ok()) {
      CloseConnection(conn, log::Level::kDebug, fill.status().message());
      return;
    }
    if (*fill == FrameReader::Fill::kEndOfStream) {
      size_t partial = conn.reader().buffered_bytes();
      CloseConnection(
          conn, log::Level::kDebug,
          partial == 0
              ? "client closed the connection"
              : fmt::format("client closed the connection {} bytes into a frame", partial));
      return;
    }
    if (*fill == FrameReader::Fill::kWouldBlock) break;
    drained = *fill == FrameReader::Fill::kDrained;
    counters_.bytes_in.Add(bytes);
    received_ns = MonoNanos();
    Touch(conn);
  }
  if (!conn.closed()) UpdateInterest(conn);
}

void EventLoop::Dispatch(Connection& conn, FrameBuffer frame, int64_t received_ns) {
  // The frame reader guarantees at least the 8 header bytes.
  RequestHeader header = *RequestHeader::Parse(frame.span());
  uint64_t sequence = conn.AddRequest(frame.size(), received_ns);
  counters_.requests.Add();
  if (header.api_key >= 0 && header.api_key <= kMaxCountedApiKey) {
    counters_.requests_by_api[header.api_key].Add();
  } else {
    counters_.requests_other_api.Add();
  }
  Request request(header, std::move(frame), conn.id(), received_ns, conn.shared_peer());
  Responder responder(inbox_, conn.id(), sequence, header);
  if (ctx_.pool != nullptr) {
    ctx_.pool->Submit(conn.id().value(), std::move(request), std::move(responder));
    return;
  }
  counters_.request_queue.Record(MonoNanos() - received_ns);
  ctx_.handler->Handle(std::move(request), std::move(responder));
}

void EventLoop::MarkDirty(Connection& conn) {
  if (conn.in_dirty_list) return;
  conn.in_dirty_list = true;
  dirty_.push_back(conn.id());
}

void EventLoop::ServiceDirty() {
  std::vector<ConnectionId> batch;
  for (int round = 0; round < kMaxServiceRounds && !dirty_.empty(); ++round) {
    batch.swap(dirty_);
    for (ConnectionId id : batch) {
      Connection* conn = Find(id);
      if (conn == nullptr) continue;
      conn->in_dirty_list = false;
      if (!conn->closed()) Service(*conn);
    }
    batch.clear();
  }
}

void EventLoop::Service(Connection& conn) {
  if (conn.has_unwritten_responses()) {
    auto progress = conn.Flush(now_ns_, &counters_);
    if (!progress.ok()) {
      CloseConnection(conn, log::Level::kDebug, progress.status().message());
      return;
    }
    Touch(conn);
  }
  if (conn.close_after_flush() && !conn.has_unwritten_responses()) {
    CloseConnection(conn, conn.close_is_error() ? log::Level::kError : log::Level::kInfo,
                    *conn.close_after_flush());
    return;
  }
  if (draining_ && conn.idle()) {
    CloseConnection(conn, log::Level::kDebug, "server stopping");
    return;
  }
  if (conn.read_paused && conn.CanRead()) {
    conn.read_paused = false;
    ReadFrom(conn);  // frames already buffered are not announced by epoll again
    return;
  }
  UpdateInterest(conn);
}

void EventLoop::UpdateInterest(Connection& conn) {
  const bool can_read = conn.CanRead();
  if (!can_read && !conn.read_paused && !draining_ && !conn.close_after_flush()) {
    conn.read_paused = true;
    counters_.read_pauses.Add();
  }
  uint32_t want = (can_read ? EPOLLIN : 0u) | (conn.has_unwritten_responses() ? EPOLLOUT : 0u);
  if (want == conn.epoll_mask) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = conn.id().value();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd(), &ev) != 0) {
    CloseConnection(conn, log::Level::kError,
                    fmt::format("epoll_ctl(MOD) failed: {}", std::strerror(errno)));
    return;
  }
  conn.epoll_mask = want;
}

void EventLoop::Touch(Connection& conn) {
  conn.last_active_ns = now_ns_;
  lru_.splice(lru_.end(), lru_, conn.lru_position);
}

void EventLoop::SweepIdle() {
  while (!lru_.empty()) {
    Connection* conn = Find(lru_.front());
    if (now_ns_ - conn->last_active_ns < idle_timeout_ns_) return;
    if (!conn->idle()) {  // a request is in flight (e.g. a long-poll fetch): that is not idleness
      Touch(*conn);
      continue;
    }
    counters_.idle_closed.Add();
    CloseConnection(*conn, log::Level::kInfo,
                    fmt::format("idle for more than {} ms (connections.max.idle.ms)",
                                ctx_.config.idle_timeout_ms));
  }
}

void EventLoop::CloseConnection(Connection& conn, log::Level level, std::string_view reason) {
  if (conn.closed()) return;
  if (log::Enabled(level)) {
    log::Write(
        level, ctx_.config.name,
        fmt::format("closing connection {} from {}: {}", conn.id().value(), conn.peer(), reason));
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd(), nullptr);
  lru_.erase(conn.lru_position);
  conn.Close();
  counters_.connections_closed.Add();
  ctx_.gauge->Remove();
  closed_.push_back(conn.id());
}

void EventLoop::EraseClosed() {
  for (ConnectionId id : closed_) connections_.erase(id);
  closed_.clear();
}

void EventLoop::BeginDrain(std::latch* done) {
  bool posted = inbox_->PostTask([this, done] {
    StartDrain();
    done->count_down();
  });
  if (!posted) done->count_down();
}

void EventLoop::StartDrain() {
  draining_ = true;
  if (listen_fd_ >= 0 && listener_polled_) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    listener_polled_ = false;
  }
  for (auto& [id, conn] : connections_) {
    if (conn->closed()) continue;
    conn->StopReading();
    MarkDirty(*conn);  // Service() closes it once idle, or stops polling it for reads
  }
}

void EventLoop::PauseAccepting(int64_t ms) {
  if (listen_fd_ < 0 || !listener_polled_) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  listener_polled_ = false;
  accept_resume_ns_ = MonoNanos() + ms * 1'000'000;
}

void EventLoop::Stop() {
  if (!thread_.joinable()) return;
  inbox_->PostTask([this] { stop_requested_ = true; });
  thread_.join();
}

void EventLoop::CloseConnections(std::string reason) {
  inbox_->PostTask([this, reason = std::move(reason)] {
    for (auto& [id, conn] : connections_) {
      if (!conn->closed()) CloseConnection(*conn, log::Level::kDebug, reason);
    }
  });
}

void EventLoop::CloseAll() {
  for (auto& [id, conn] : connections_) {
    CloseConnection(*conn, log::Level::kDebug, "server stopped");
  }
  closed_.clear();
  connections_.clear();
  dirty_.clear();
}

}  // namespace kbench::broker
