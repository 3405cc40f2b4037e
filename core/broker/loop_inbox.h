// LoopInbox: the one way into an event loop from other threads. Completions (responses) and tasks
// are queued under a mutex and the loop is woken through an eventfd, once per empty -> non-empty
// transition.
//
// Ownership: shared (std::shared_ptr) by the loop and by every outstanding Responder, so a
// Responder may outlive its connection, its loop and the server. After the loop Close()s the inbox,
// posts are dropped on the posting thread (a dropped message releases its file slices there).
//
// Threads: Post*() from any thread. On the loop thread itself (after BindToCurrentThread), a
// completion skips the queue and goes straight to the loop's CompletionTarget, so handlers that
// answer inline pay no locking or wake-up. Drain(), BindToCurrentThread() and Close() only on the
// loop thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/base/result.h"
#include "core/broker/completion.h"

namespace kbench::broker {

// Receives completions on the loop thread (implemented by EventLoop).
class CompletionTarget {
 public:
  virtual ~CompletionTarget() = default;
  virtual void OnCompletion(Completion&& completion) = 0;
};

class LoopInbox {
 public:
  static Result<std::shared_ptr<LoopInbox>> Create();
  ~LoopInbox();
  LoopInbox(const LoopInbox&) = delete;
  LoopInbox& operator=(const LoopInbox&) = delete;

  // The eventfd the loop polls for EPOLLIN.
  int event_fd() const { return event_fd_; }

  // Any thread. Dropped (destroyed here) once the inbox is closed.
  void PostCompletion(Completion&& completion);
  // Any thread. Returns false (and does not run the task) once the inbox is closed.
  bool PostTask(std::function<void()> task);

  // Loop thread: from now on completions posted by this thread go straight to `target` (not owned).
  void BindToCurrentThread(CompletionTarget* target);
  // Loop thread: clears the eventfd and takes everything queued so far.
  void Drain(std::vector<Completion>* completions, std::vector<std::function<void()>>* tasks);
  // Loop thread: no more posts are accepted; whatever is queued is destroyed; the thread is
  // unbound.
  void Close();

 private:
  explicit LoopInbox(int event_fd) : event_fd_(event_fd) {}
  void Wake();

  const int event_fd_;
  CompletionTarget* target_ = nullptr;  // not owned; used only on the bound thread
  std::mutex mu_;
  bool closed_ = false;                       // guarded by mu_
  std::vector<Completion> completions_;       // guarded by mu_
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
};

}  // namespace kbench::broker
