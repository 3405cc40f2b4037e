#include "core/broker/loop_inbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace kbench::broker {
namespace {

// The inbox the current thread drains, if it is an event loop thread.
thread_local LoopInbox* tls_bound_inbox = nullptr;

}  // namespace

Result<std::shared_ptr<LoopInbox>> LoopInbox::Create() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Status::FromErrno("eventfd for an event loop", errno);
  return std::shared_ptr<LoopInbox>(new LoopInbox(fd));
}

LoopInbox::~LoopInbox() { ::close(event_fd_); }

void LoopInbox::PostCompletion(Completion&& completion) {
  if (tls_bound_inbox == this) {
    target_->OnCompletion(std::move(completion));
    return;
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;  // `completion` is destroyed by the caller's temporary
    wake = completions_.empty() && tasks_.empty();
    completions_.push_back(std::move(completion));
  }
  if (wake) Wake();
}

bool LoopInbox::PostTask(std::function<void()> task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    wake = completions_.empty() && tasks_.empty();
    tasks_.push_back(std::move(task));
  }
  if (wake) Wake();
  return true;
}

void LoopInbox::BindToCurrentThread(CompletionTarget* target) {
  target_ = target;
  tls_bound_inbox = this;
}

void LoopInbox::Drain(std::vector<Completion>* completions,
                      std::vector<std::function<void()>>* tasks) {
  // Read the eventfd before taking the queues: a post that lands after the swap then finds the
  // queue empty and writes the eventfd again, so no wake-up is lost.
  uint64_t count = 0;
  ssize_t ignored = ::read(event_fd_, &count, sizeof(count));
  (void)ignored;
  std::lock_guard<std::mutex> lock(mu_);
  completions->swap(completions_);
  tasks->swap(tasks_);
}

void LoopInbox::Close() {
  std::vector<Completion> dropped_completions;
  std::vector<std::function<void()>> dropped_tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    dropped_completions.swap(completions_);
    dropped_tasks.swap(tasks_);
  }
  if (tls_bound_inbox == this) tls_bound_inbox = nullptr;
  target_ = nullptr;
}

void LoopInbox::Wake() {
  uint64_t one = 1;
  // EAGAIN only when the counter is saturated, which still means "wake up".
  ssize_t ignored = ::write(event_fd_, &one, sizeof(one));
  (void)ignored;
}

}  // namespace kbench::broker
