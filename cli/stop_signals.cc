#include "cli/stop_signals.h"

#include <pthread.h>

namespace kbench::cli {

StopSignals BlockStopSignals() {
  StopSignals s;
  sigemptyset(&s.set);
  sigaddset(&s.set, SIGTERM);
  sigaddset(&s.set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &s.set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return s;
}

const char* StopSignals::Await() const {
  int signal_number = 0;
  sigwait(&set, &signal_number);
  return signal_number == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace kbench::cli
