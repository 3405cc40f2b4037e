// RequestHandler: what the socket server calls for every request frame it reads. The broker's API
// layer (decode with core/protocol, act on core/storage, encode the response) implements it.
//
// Contract for Handle(request, responder):
// - Called once per request. For one connection, calls are made one at a time and in request order
// (the
//   next call starts after the previous one returned), so appends from one producer connection keep
//   their order. Calls for different connections may run at the same time on different threads.
// - Answer through `responder` exactly once, before returning or later from any thread (a delayed
//   operation in a purgatory, a timer). Responses leave in request order whatever the completion
//   order.
// - With SocketServerConfig::handler_threads == 0, Handle runs on the connection's network thread:
// it must
//   not block (no fsync, no waiting on another request); park the Responder and return instead.
//   With handler_threads > 0 it runs on a handler thread (each connection pinned to one) and may
//   block that thread, holding up only the connections pinned to it.
// - Must be thread-safe across connections. Never called after SocketServer::Stop() returned.
#pragma once

#include "core/broker/request.h"
#include "core/broker/responder.h"

namespace kbench::broker {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void Handle(Request request, Responder responder) = 0;
};

}  // namespace kbench::broker
