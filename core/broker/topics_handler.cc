// CreateTopics (key 19) and DeleteTopics (key 20). Both run on the admin executor (they create or
// delete files and rewrite the metadata file with fsync). In a replicated cluster both are
// forwarded to the controller (ControllerLink) and its answer relayed at the client's version.
// CreateTopics answers per topic with TopicAdmin's verdict (validate_only: the verdict without
// creating anything); creation is complete when the response goes out, so even timeout_ms 0 gets
// NONE for a created topic. DeleteTopics removes the partitions' files and then the metadata.
#include <fmt/format.h>

#include <set>

#include "core/broker/api_dispatch.h"

namespace kbench::broker {
namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

CreateTopicsResponse::Topic CreateOne(ApiContext& ctx, const CreateTopicsRequest::Topic& t,
                                      bool validate_only) {
  CreateTopicsResponse::Topic out;
  out.name = t.name;
  Result<NewTopic> topic = NewTopicFromRequest(t);
  Status s = topic.status();
  if (topic.ok())
    s = validate_only ? ctx.topics->Plan(*topic).status() : ctx.topics->Create(*topic).status();
  if (!s.ok()) {
    out.error_code =
        s.kafka_error() == ErrorCode::kNone ? ErrorCode::kUnknownServerError : s.kafka_error();
    out.error_message = std::string(s.message());
  }
  return out;
}

}  // namespace

// Forwarded to the controller; a failure to reach it answers every topic with `error`.
template <typename Resp, typename Req, typename Call, typename Fill>
void Forward(ApiContext& ctx, ResponseSlot slot, std::shared_ptr<Req> req, Call call, Fill fill) {
  ctx.admin->Submit([&ctx, slot, req, call, fill]() mutable {
    Result<Resp> r = call(*ctx.link, *req);
    if (r.ok()) {
      slot.Send(*r);
      return;
    }
    Resp failed;
    fill(*req, &failed);
    slot.Send(failed);
  });
}

void HandleCreateTopics(ApiContext& ctx, ApiCall call) {
  auto req = std::make_shared<CreateTopicsRequest>(std::move(call.Body<CreateTopicsRequest>()));
  if (ctx.link != nullptr) {
    Forward<CreateTopicsResponse>(
        ctx, ResponseSlot(call), req,
        [](ControllerLink& l, const CreateTopicsRequest& r) { return l.CreateTopics(r); },
        [](const CreateTopicsRequest& r, CreateTopicsResponse* out) {
          for (const auto& t : r.topics) {
            out->topics.push_back({t.name, ErrorCode::kNotController, "controller unreachable"});
          }
        });
    return;
  }
  ctx.admin->Submit([&ctx, slot = ResponseSlot(call), req]() mutable {
    std::map<std::string, int> count;
    for (const CreateTopicsRequest::Topic& t : req->topics) ++count[t.name];
    CreateTopicsResponse resp;
    std::set<std::string> answered;
    for (const CreateTopicsRequest::Topic& t : req->topics) {
      if (count[t.name] > 1) {
        // Kafka answers a name listed twice once, with INVALID_REQUEST.
        if (answered.insert(t.name).second) {
          resp.topics.push_back(
              {t.name, ErrorCode::kInvalidRequest, "the request lists this topic more than once"});
        }
        continue;
      }
      resp.topics.push_back(CreateOne(ctx, t, req->validate_only));
    }
    slot.Send(resp);
  });
}

void HandleDeleteTopics(ApiContext& ctx, ApiCall call) {
  auto req = std::make_shared<DeleteTopicsRequest>(std::move(call.Body<DeleteTopicsRequest>()));
  if (ctx.link != nullptr) {
    Forward<DeleteTopicsResponse>(
        ctx, ResponseSlot(call), req,
        [](ControllerLink& l, const DeleteTopicsRequest& r) { return l.DeleteTopics(r); },
        [](const DeleteTopicsRequest& r, DeleteTopicsResponse* out) {
          for (const auto& n : r.topic_names)
            out->responses.push_back({n, ErrorCode::kNotController});
        });
    return;
  }
  ctx.admin->Submit([&ctx, slot = ResponseSlot(call), req]() mutable {
    DeleteTopicsResponse resp;
    for (const std::string& name : req->topic_names) {
      Status s = ctx.topics->Delete(name);
      ErrorCode code = s.kafka_error();
      if (!s.ok() && code == ErrorCode::kNone) code = ErrorCode::kUnknownServerError;
      resp.responses.push_back({name, code});
    }
    slot.Send(resp);
  });
}

}  // namespace kbench::broker
