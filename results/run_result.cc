#include "results/run_result.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "results/hdr_encoding.h"

namespace kbench::results {
namespace {

using nlohmann::json;

json Nullable(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json LatencyJson(const LatencySummary& l) {
  return {{"p50", Nullable(l.p50)}, {"p75", Nullable(l.p75)},   {"p95", Nullable(l.p95)},
          {"p99", Nullable(l.p99)}, {"p999", Nullable(l.p999)}, {"p9999", Nullable(l.p9999)},
          {"max", Nullable(l.max)}, {"mean", l.mean},           {"count", l.count}};
}

json ThroughputJson(const Throughput& t) {
  return {{"messages", t.messages},
          {"bytes", t.bytes},
          {"msgs_per_sec", t.msgs_per_sec},
          {"mb_per_sec", t.mb_per_sec}};
}

json SummaryJson(const Summary& s) {
  json j = {{"produced", ThroughputJson(s.produced)},
            {"consumed", ThroughputJson(s.consumed)},
            {"publish_latency_ms", LatencyJson(s.publish_latency_ms)},
            {"publish_delay_ms", LatencyJson(s.publish_delay_ms)},
            {"e2e_latency_ms", LatencyJson(s.e2e_latency_ms)},
            {"errors",
             {{"produce", s.errors.produce},
              {"consume", s.errors.consume},
              {"by_code", s.errors.by_code}}},
            {"audit",
             {{"acked", s.audit.acked},
              {"consumed", s.audit.consumed},
              {"lost", s.audit.lost},
              {"unconsumed", s.audit.unconsumed},
              {"duplicated", s.audit.duplicated},
              {"out_of_order", s.audit.out_of_order},
              {"unacked_delivered", s.audit.unacked_delivered},
              {"loss_allowed", s.audit.loss_allowed}}},
            {"topics", s.topics},
            {"partitions", s.partitions},
            {"brokers", s.brokers},
            {"replication_factor", s.replication_factor},
            {"producers", s.producers},
            {"consumers", s.consumers}};
  if (s.slo)
    j["slo"] = {
        {"percentile", s.slo->percentile}, {"target_ms", s.slo->target_ms}, {"met", s.slo->met}};
  return j;
}

json TimeSeriesJson(const TimeSeries& t) {
  auto nullable = [](const std::vector<std::optional<double>>& v) {
    json a = json::array();
    for (const auto& x : v) a.push_back(Nullable(x));
    return a;
  };
  return {{"interval_ms", t.interval_ms},
          {"measure_start_s", t.measure_start_s},
          {"t_s", t.t_s},
          {"produced_msgs_per_sec", t.produced_msgs_per_sec},
          {"produced_mb_per_sec", t.produced_mb_per_sec},
          {"consumed_msgs_per_sec", t.consumed_msgs_per_sec},
          {"consumed_mb_per_sec", t.consumed_mb_per_sec},
          {"publish_p99_ms", nullable(t.publish_p99_ms)},
          {"e2e_p99_ms", nullable(t.e2e_p99_ms)},
          {"lag_messages", t.lag_messages},
          {"lag_by_partition", t.lag_by_partition}};
}

// Reads fields from a parsed document without throwing, remembering the first problem with its
// path.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}
  bool failed() const { return !error_.empty(); }
  Status status() const { return Status::InvalidArgument(error_); }

  const json* Object(const json& parent, const char* key, const std::string& path, bool required) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) Fail(Join(path, key), "missing (required)");
      return nullptr;
    }
    if (!it->is_object()) {
      Fail(Join(path, key), fmt::format("expected an object, got {}", it->type_name()));
      return nullptr;
    }
    return &*it;
  }
  template <typename T>
  void Get(const json& parent, const char* key, const std::string& path, T* out,
           bool required = false) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) {
      if (required) Fail(Join(path, key), "missing (required)");
      return;
    }
    if (!Compatible<T>(*it)) {
      Fail(Join(path, key), fmt::format("expected {}, got {}", Expected<T>(), it->type_name()));
      return;
    }
    *out = it->get<T>();
  }
  void GetNullable(const json& parent, const char* key, const std::string& path,
                   std::optional<double>* out, bool required) {
    auto it = parent.find(key);
    if (it == parent.end()) {
      if (required) Fail(Join(path, key), "missing (required; null when there were no samples)");
      return;
    }
    if (it->is_null()) return;
    if (!it->is_number()) {
      Fail(Join(path, key), fmt::format("expected a number or null, got {}", it->type_name()));
      return;
    }
    *out = it->get<double>();
  }
  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  void Fail(const std::string& field, const std::string& what) {
    if (error_.empty()) error_ = fmt::format("{}: {}: {}", source_, field, what);
  }

 private:
  template <typename T>
  static bool Compatible(const json& v) {
    if constexpr (std::is_same_v<T, bool>)
      return v.is_boolean();
    else if constexpr (std::is_same_v<T, std::string>)
      return v.is_string();
    else if constexpr (std::is_integral_v<T>)
      return v.is_number_integer() || v.is_number_unsigned();
    else if constexpr (std::is_floating_point_v<T>)
      return v.is_number();
    else
      return true;
  }
  template <typename T>
  static const char* Expected() {
    if constexpr (std::is_same_v<T, bool>)
      return "true or false";
    else if constexpr (std::is_same_v<T, std::string>)
      return "a string";
    else if constexpr (std::is_integral_v<T>)
      return "an integer";
    else if constexpr (std::is_floating_point_v<T>)
      return "a number";
    else
      return "a value";
  }
  std::string source_;
  std::string error_;
};

void ReadThroughput(Reader& r, const json& parent, const char* key, const std::string& path,
                    Throughput* t) {
  const json* o = r.Object(parent, key, path, true);
  if (o == nullptr) return;
  const std::string p = Reader::Join(path, key);
  r.Get(*o, "messages", p, &t->messages, true);
  r.Get(*o, "bytes", p, &t->bytes, true);
  r.Get(*o, "msgs_per_sec", p, &t->msgs_per_sec, true);
  r.Get(*o, "mb_per_sec", p, &t->mb_per_sec, true);
}

void ReadLatency(Reader& r, const json& parent, const char* key, const std::string& path,
                 LatencySummary* l) {
  const json* o = r.Object(parent, key, path, true);
  if (o == nullptr) return;
  const std::string p = Reader::Join(path, key);
  r.GetNullable(*o, "p50", p, &l->p50, true);
  r.GetNullable(*o, "p75", p, &l->p75, true);
  r.GetNullable(*o, "p95", p, &l->p95, true);
  r.GetNullable(*o, "p99", p, &l->p99, true);
  r.GetNullable(*o, "p999", p, &l->p999, true);
  r.GetNullable(*o, "p9999", p, &l->p9999, true);
  r.GetNullable(*o, "max", p, &l->max, true);
  r.Get(*o, "mean", p, &l->mean);
  r.Get(*o, "count", p, &l->count);
}

void ReadSummary(Reader& r, const json& s, Summary* out) {
  const std::string p = "summary";
  ReadThroughput(r, s, "produced", p, &out->produced);
  ReadThroughput(r, s, "consumed", p, &out->consumed);
  ReadLatency(r, s, "publish_latency_ms", p, &out->publish_latency_ms);
  ReadLatency(r, s, "publish_delay_ms", p, &out->publish_delay_ms);
  ReadLatency(r, s, "e2e_latency_ms", p, &out->e2e_latency_ms);
  if (const json* a = r.Object(s, "audit", p, true)) {
    const std::string ap = p + ".audit";
    AuditSummary& au = out->audit;
    r.Get(*a, "acked", ap, &au.acked, true);
    r.Get(*a, "consumed", ap, &au.consumed, true);
    r.Get(*a, "lost", ap, &au.lost, true);
    r.Get(*a, "duplicated", ap, &au.duplicated, true);
    r.Get(*a, "out_of_order", ap, &au.out_of_order, true);
    r.Get(*a, "unacked_delivered", ap, &au.unacked_delivered);
    r.Get(*a, "unconsumed", ap, &au.unconsumed);
    r.Get(*a, "loss_allowed", ap, &au.loss_allowed);
  }
  if (const json* e = r.Object(s, "errors", p, false)) {
    r.Get(*e, "produce", p + ".errors", &out->errors.produce);
    r.Get(*e, "consume", p + ".errors", &out->errors.consume);
    if (auto bc = e->find("by_code"); bc != e->end() && bc->is_object()) {
      for (auto it = bc->begin(); it != bc->end(); ++it) {
        if (it->is_number_integer()) out->errors.by_code[it.key()] = it->get<int64_t>();
      }
    }
  }
  if (const json* slo = r.Object(s, "slo", p, false)) {
    SloResult v;
    r.Get(*slo, "percentile", p + ".slo", &v.percentile);
    r.Get(*slo, "target_ms", p + ".slo", &v.target_ms);
    r.Get(*slo, "met", p + ".slo", &v.met);
    out->slo = v;
  }
  for (auto [key, field] : {std::pair{"topics", &out->topics},
                            {"partitions", &out->partitions},
                            {"brokers", &out->brokers},
                            {"replication_factor", &out->replication_factor},
                            {"producers", &out->producers},
                            {"consumers", &out->consumers}}) {
    r.Get(s, key, p, field);
  }
}

// Every environment field is optional (a container without /sys leaves some empty), but one of
// the wrong type is refused like any other: "r.json: environment.cores: expected an integer, got
// string".
void ReadEnvironment(Reader& r, const json& e, Environment* out) {
  const std::string p = "environment";
  r.Get(e, "host", p, &out->host);
  r.Get(e, "cpu_model", p, &out->cpu_model);
  r.Get(e, "cores", p, &out->cores);
  r.Get(e, "memory_bytes", p, &out->memory_bytes);
  r.Get(e, "kernel", p, &out->kernel);
  r.Get(e, "os", p, &out->os);
  r.Get(e, "clock_offset_ms", p, &out->clock_offset_ms);
  if (const json* d = r.Object(e, "disk", p, false)) {
    const std::string dp = p + ".disk";
    r.Get(*d, "path", dp, &out->disk.path);
    r.Get(*d, "device", dp, &out->disk.device);
    r.Get(*d, "fs", dp, &out->disk.fs);
    r.Get(*d, "model", dp, &out->disk.model);
    bool rotational = false;
    if (auto it = d->find("rotational"); it != d->end() && !it->is_null()) {
      r.Get(*d, "rotational", dp, &rotational);
      out->disk.rotational = rotational;
    }
  }
}

template <typename T>
void ReadArray(Reader& r, const json& o, const char* key, const std::string& path,
               std::vector<T>* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return;
  if (!it->is_array()) return r.Fail(Reader::Join(path, key), "expected an array");
  for (const json& v : *it) {
    if constexpr (std::is_same_v<T, std::optional<double>>) {
      if (v.is_null())
        out->push_back(std::nullopt);
      else if (v.is_number())
        out->push_back(v.get<double>());
      else
        return r.Fail(Reader::Join(path, key), "expected numbers or null");
    } else {
      if (!v.is_number()) return r.Fail(Reader::Join(path, key), "expected numbers");
      out->push_back(v.get<T>());
    }
  }
}

void ReadTimeSeries(Reader& r, const json& t, TimeSeries* out) {
  const std::string p = "timeseries";
  r.Get(t, "interval_ms", p, &out->interval_ms);
  r.Get(t, "measure_start_s", p, &out->measure_start_s);
  ReadArray(r, t, "t_s", p, &out->t_s);
  ReadArray(r, t, "produced_msgs_per_sec", p, &out->produced_msgs_per_sec);
  ReadArray(r, t, "produced_mb_per_sec", p, &out->produced_mb_per_sec);
  ReadArray(r, t, "consumed_msgs_per_sec", p, &out->consumed_msgs_per_sec);
  ReadArray(r, t, "consumed_mb_per_sec", p, &out->consumed_mb_per_sec);
  ReadArray(r, t, "publish_p99_ms", p, &out->publish_p99_ms);
  ReadArray(r, t, "e2e_p99_ms", p, &out->e2e_p99_ms);
  ReadArray(r, t, "lag_messages", p, &out->lag_messages);
  if (auto lb = t.find("lag_by_partition"); lb != t.end() && lb->is_object()) {
    for (auto it = lb->begin(); it != lb->end(); ++it) {
      ReadArray(r, *lb, it.key().c_str(), p + ".lag_by_partition",
                &out->lag_by_partition[it.key()]);
    }
  }
}

void ReadOptionalSections(Reader& r, const json& j, RunResult* out) {
  if (const json* h = r.Object(j, "histograms", "", false)) {
    for (auto it = h->begin(); it != h->end(); ++it) {
      const std::string p = "histograms." + it.key();
      if (!it->is_object()) {
        r.Fail(p, "expected an object");
        continue;
      }
      EncodedHistogram e;
      r.Get(*it, "unit", p, &e.unit);
      r.Get(*it, "lowest", p, &e.lowest);
      r.Get(*it, "highest", p, &e.highest);
      r.Get(*it, "significant_digits", p, &e.significant_digits);
      r.Get(*it, "encoding", p, &e.encoding, true);
      r.Get(*it, "data", p, &e.data, true);
      out->histograms[it.key()] = e;
    }
  }
  if (const json* m = r.Object(j, "max_rate", "", false)) {
    MaxRateResult mr;
    r.Get(*m, "slo_percentile", "max_rate", &mr.slo_percentile);
    r.Get(*m, "slo_ms", "max_rate", &mr.slo_ms);
    r.Get(*m, "found_msgs_per_sec", "max_rate", &mr.found_msgs_per_sec);
    r.Get(*m, "found_mb_per_sec", "max_rate", &mr.found_mb_per_sec);
    if (auto steps = m->find("steps"); steps != m->end() && steps->is_array()) {
      for (const json& s : *steps) {
        MaxRateStep st;
        r.Get(s, "target_msgs_per_sec", "max_rate.steps", &st.target_msgs_per_sec);
        r.Get(s, "achieved_msgs_per_sec", "max_rate.steps", &st.achieved_msgs_per_sec);
        r.GetNullable(s, "p99_ms", "max_rate.steps", &st.p99_ms, false);
        r.Get(s, "backlog_growth_msgs", "max_rate.steps", &st.backlog_growth_msgs);
        r.Get(s, "held", "max_rate.steps", &st.held);
        mr.steps.push_back(st);
      }
    }
    out->max_rate = mr;
  }
  if (const json* b = r.Object(j, "backlog", "", false)) {
    BacklogResult br;
    const std::string p = "backlog";
    r.Get(*b, "target_bytes", p, &br.target_bytes);
    r.Get(*b, "built_messages", p, &br.built_messages);
    r.Get(*b, "built_bytes", p, &br.built_bytes);
    r.Get(*b, "build_s", p, &br.build_s);
    r.Get(*b, "page_cache", p, &br.page_cache);
    r.Get(*b, "evicted_files", p, &br.evicted_files);
    r.Get(*b, "evicted_bytes", p, &br.evicted_bytes);
    r.Get(*b, "resident_bytes_before", p, &br.resident_bytes_before);
    r.Get(*b, "resident_bytes_after", p, &br.resident_bytes_after);
    r.Get(*b, "resumed_at_s", p, &br.resumed_at_s);
    r.GetNullable(*b, "catch_up_s", p, &br.catch_up_s, false);
    r.GetNullable(*b, "catch_up_mb_per_sec", p, &br.catch_up_mb_per_sec, false);
    out->backlog = br;
  }
  if (const json* l = r.Object(j, "lag_status", "", false)) {
    for (auto it = l->begin(); it != l->end(); ++it) {
      if (!it->is_object()) continue;
      LagGroupResult g;
      r.Get(*it, "status", "lag_status." + it.key(), &g.status);
      if (auto ps = it->find("partitions"); ps != it->end() && ps->is_object()) {
        for (auto p = ps->begin(); p != ps->end(); ++p) {
          if (p->is_string()) g.partitions[p.key()] = p->get<std::string>();
        }
      }
      out->lag_status[it.key()] = g;
    }
  }
  if (auto f = j.find("faults"); f != j.end() && f->is_array()) {
    for (const json& e : *f) {
      FaultRecord fr;
      r.Get(e, "t_s", "faults", &fr.t_s);
      r.Get(e, "action", "faults", &fr.action);
      r.Get(e, "broker", "faults", &fr.broker);
      r.Get(e, "ok", "faults", &fr.ok);
      r.Get(e, "detail", "faults", &fr.detail);
      out->faults.push_back(fr);
    }
  }
  if (auto u = j.find("unavailability"); u != j.end() && u->is_array()) {
    for (const json& e : *u) {
      UnavailabilityWindow w;
      r.Get(e, "partition", "unavailability", &w.partition);
      r.Get(e, "from_s", "unavailability", &w.from_s);
      r.Get(e, "to_s", "unavailability", &w.to_s);
      out->unavailability.push_back(w);
    }
  }
  if (auto c = j.find("cluster"); c != j.end() && c->is_object()) out->cluster = *c;
}

}  // namespace

std::optional<double> LatencySummary::At(std::string_view percentile) const {
  if (percentile == "p50") return p50;
  if (percentile == "p75") return p75;
  if (percentile == "p95") return p95;
  if (percentile == "p99") return p99;
  if (percentile == "p999") return p999;
  if (percentile == "p9999") return p9999;
  if (percentile == "max") return max;
  return std::nullopt;
}

LatencySummary SummarizeLatencyNs(const HdrHistogram& h) {
  LatencySummary s;
  s.count = h.TotalCount();
  if (s.count == 0) return s;
  const double max_ms = static_cast<double>(h.Max()) / 1e6;
  auto at = [&](double p) {
    return std::min(static_cast<double>(h.ValueAtPercentile(p)) / 1e6, max_ms);
  };
  s.p50 = at(50);
  s.p75 = at(75);
  s.p95 = at(95);
  s.p99 = at(99);
  s.p999 = at(99.9);
  s.p9999 = at(99.99);
  s.max = max_ms;
  s.mean = h.Mean() / 1e6;
  return s;
}

EncodedHistogram EncodedHistogram::From(const HdrHistogram& h) {
  EncodedHistogram e;
  e.lowest = h.lowest();
  e.highest = h.highest();
  e.significant_digits = h.significant_digits();
  e.data = EncodeHdrV2Base64(h);
  return e;
}

Result<HdrHistogram> EncodedHistogram::Decode() const {
  if (encoding != kHdrEncodingName) {
    return Status::Unsupported(
        fmt::format("histogram encoding \"{}\", expected \"{}\"", encoding, kHdrEncodingName));
  }
  return DecodeHdrV2Base64(data);
}

nlohmann::json RunResultToJson(const RunResult& r) {
  json j = {
      {"schema_version", r.schema_version},
      {"kbench", {{"version", r.kbench_version}, {"revision", r.kbench_revision}}},
      {"run",
       {{"id", r.run.id},
        {"started_at", r.run.started_at},
        {"ended_at", r.run.ended_at},
        {"duration_s", r.run.duration_s},
        {"measure_s", r.run.measure_s},
        {"warmup_s", r.run.warmup_s},
        {"status", r.run.status}}},
      {"workload", r.workload},
      {"target",
       {{"kind", r.target.kind},
        {"bootstrap", r.target.bootstrap},
        {"brokers", r.target.brokers},
        {"data_dir", r.target.data_dir}}},
      {"environment", EnvironmentToJson(r.environment)},
      {"summary", SummaryJson(r.summary)},
      {"timeseries", TimeSeriesJson(r.timeseries)},
      {"histograms", json::object()},
      {"lag_status", json::object()},
      {"faults", json::array()},
      {"unavailability", json::array()},
      {"cluster", r.cluster},
  };
  for (const auto& [name, h] : r.histograms) {
    j["histograms"][name] = {{"unit", h.unit},         {"lowest", h.lowest},
                             {"highest", h.highest},   {"significant_digits", h.significant_digits},
                             {"encoding", h.encoding}, {"data", h.data}};
  }
  if (r.max_rate) {
    const MaxRateResult& m = *r.max_rate;
    json steps = json::array();
    for (const MaxRateStep& s : m.steps) {
      steps.push_back({{"target_msgs_per_sec", s.target_msgs_per_sec},
                       {"achieved_msgs_per_sec", s.achieved_msgs_per_sec},
                       {"p99_ms", Nullable(s.p99_ms)},
                       {"backlog_growth_msgs", s.backlog_growth_msgs},
                       {"held", s.held}});
    }
    j["max_rate"] = {{"slo_percentile", m.slo_percentile},
                     {"slo_ms", m.slo_ms},
                     {"found_msgs_per_sec", m.found_msgs_per_sec},
                     {"found_mb_per_sec", m.found_mb_per_sec},
                     {"steps", steps}};
  }
  if (r.backlog) {
    const BacklogResult& b = *r.backlog;
    j["backlog"] = {{"target_bytes", b.target_bytes},
                    {"built_messages", b.built_messages},
                    {"built_bytes", b.built_bytes},
                    {"build_s", b.build_s},
                    {"page_cache", b.page_cache},
                    {"evicted_files", b.evicted_files},
                    {"evicted_bytes", b.evicted_bytes},
                    {"resident_bytes_before", b.resident_bytes_before},
                    {"resident_bytes_after", b.resident_bytes_after},
                    {"resumed_at_s", b.resumed_at_s},
                    {"catch_up_s", Nullable(b.catch_up_s)},
                    {"catch_up_mb_per_sec", Nullable(b.catch_up_mb_per_sec)}};
  }
  for (const auto& [group, g] : r.lag_status)
    j["lag_status"][group] = {{"status", g.status}, {"partitions", g.partitions}};
  for (const FaultRecord& f : r.faults) {
    j["faults"].push_back({{"t_s", f.t_s},
                           {"action", f.action},
                           {"broker", f.broker},
                           {"ok", f.ok},
                           {"detail", f.detail}});
  }
  for (const UnavailabilityWindow& u : r.unavailability) {
    j["unavailability"].push_back(
        {{"partition", u.partition}, {"from_s", u.from_s}, {"to_s", u.to_s}});
  }
  return j;
}

Status CheckSchemaVersion(const nlohmann::json& j, std::string_view source) {
  if (!j.is_object())
    return Status::InvalidArgument(fmt::format("{}: expected a JSON object at the top", source));
  auto v = j.find("schema_version");
  if (v == j.end() || !v->is_number_integer()) {
    return Status::InvalidArgument(
        fmt::format("{}: schema_version: missing or not an integer (not a kbench results "
                    "document?)",
                    source));
  }
  const int64_t version = v->get<int64_t>();
  if (version > kSchemaVersion || version < 1) {
    return Status::Unsupported(fmt::format(
        "{}: schema_version {} is not readable by this kbench, which reads "
        "schema_version {}{}",
        source, version, kSchemaVersion, version > kSchemaVersion ? ": upgrade kbench" : ""));
  }
  return Status::Ok();
}

Result<Summary> SummaryFromJson(const nlohmann::json& summary, std::string_view source) {
  if (!summary.is_object()) {
    return Status::InvalidArgument(
        fmt::format("{}: summary: expected an object, got {}", source, summary.type_name()));
  }
  Reader r(source);
  Summary out;
  ReadSummary(r, summary, &out);
  if (r.failed()) return r.status();
  return out;
}

Result<RunResult> RunResultFromJson(const nlohmann::json& j, std::string_view source) {
  Reader r(source);
  RunResult out;
  KB_RETURN_IF_ERROR(CheckSchemaVersion(j, source));
  out.schema_version = j.at("schema_version").get<int>();
  if (const json* k = r.Object(j, "kbench", "", false)) {
    r.Get(*k, "version", "kbench", &out.kbench_version);
    r.Get(*k, "revision", "kbench", &out.kbench_revision);
  }
  if (const json* run = r.Object(j, "run", "", false)) {
    r.Get(*run, "id", "run", &out.run.id);
    r.Get(*run, "started_at", "run", &out.run.started_at);
    r.Get(*run, "ended_at", "run", &out.run.ended_at);
    r.Get(*run, "duration_s", "run", &out.run.duration_s);
    r.Get(*run, "measure_s", "run", &out.run.measure_s);
    r.Get(*run, "warmup_s", "run", &out.run.warmup_s);
    r.Get(*run, "status", "run", &out.run.status);
  }
  if (const json* w = r.Object(j, "workload", "", true)) {
    out.workload = *w;
    std::string name;
    r.Get(*w, "name", "workload", &name, true);
  }
  if (const json* t = r.Object(j, "target", "", false)) {
    r.Get(*t, "kind", "target", &out.target.kind);
    r.Get(*t, "bootstrap", "target", &out.target.bootstrap);
    r.Get(*t, "brokers", "target", &out.target.brokers);
    r.Get(*t, "data_dir", "target", &out.target.data_dir);
  }
  if (const json* e = r.Object(j, "environment", "", true))
    ReadEnvironment(r, *e, &out.environment);
  if (const json* s = r.Object(j, "summary", "", true)) ReadSummary(r, *s, &out.summary);
  if (const json* t = r.Object(j, "timeseries", "", false)) ReadTimeSeries(r, *t, &out.timeseries);
  ReadOptionalSections(r, j, &out);
  if (r.failed()) return r.status();
  return out;
}

Status WriteRunResultFile(const RunResult& r, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::FromErrno("cannot create " + tmp, errno);
    out << RunResultToJson(r).dump(2) << "\n";
    out.flush();
    if (!out) return Status::IoError("write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::FromErrno("cannot rename to " + path, errno);
  return Status::Ok();
}

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::FromErrno("cannot open " + path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  try {  // nlohmann reports where the syntax broke only through its exception
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("{}: not valid JSON at byte {}: {}", path, e.byte, e.what()));
  }
}

Result<RunResult> ReadRunResultFile(const std::string& path) {
  KB_ASSIGN_OR_RETURN(json j, ReadJsonFile(path));
  return RunResultFromJson(j, path);
}

}  // namespace kbench::results
