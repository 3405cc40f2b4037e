#include "results/report_csv.h"

#include <fmt/format.h>

#include "results/metric_catalog.h"
#include "results/sample_stats.h"

namespace kbench::results {
namespace {

// Full precision: CSV is for programs.
std::string Num(double v) { return fmt::format("{}", v); }
std::string Num(const std::optional<double>& v) { return v ? Num(*v) : std::string(); }

void Row(std::string* out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) *out += ',';
    *out += CsvField(fields[i]);
  }
  *out += '\n';
}

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

constexpr const char* kLatencyKeys[] = {"p50", "p75", "p95", "p99", "p999", "p9999", "max"};

void LatencyHeader(std::vector<std::string>* h, std::string_view name) {
  for (const char* k : kLatencyKeys) h->push_back(fmt::format("{}_{}_ms", name, k));
  h->push_back(fmt::format("{}_mean_ms", name));
  h->push_back(fmt::format("{}_count", name));
}

void LatencyFields(std::vector<std::string>* f, const LatencySummary& l) {
  for (const char* k : kLatencyKeys) f->push_back(Num(l.At(k)));
  f->push_back(l.count > 0 ? Num(l.mean) : "");
  f->push_back(std::to_string(l.count));
}

std::vector<std::string> SummaryHeader() {
  std::vector<std::string> h = {"file",
                                "workload",
                                "variant",
                                "run_id",
                                "started_at",
                                "status",
                                "revision",
                                "target",
                                "produced_messages",
                                "produced_bytes",
                                "produced_msgs_per_sec",
                                "produced_mb_per_sec",
                                "consumed_messages",
                                "consumed_bytes",
                                "consumed_msgs_per_sec",
                                "consumed_mb_per_sec"};
  LatencyHeader(&h, "publish_latency");
  LatencyHeader(&h, "publish_delay");
  LatencyHeader(&h, "e2e_latency");
  for (const char* k :
       {"errors_produce", "errors_consume", "audit_acked", "audit_consumed", "audit_lost",
        "audit_duplicated", "audit_out_of_order", "audit_unacked_delivered", "audit_loss_allowed",
        "slo_percentile", "slo_target_ms", "slo_met", "topics", "partitions", "brokers",
        "replication_factor", "producers", "consumers"})
    h.push_back(k);
  return h;
}

std::vector<std::string> SummaryFields(const ReportRun& run) {
  const RunResult& r = run.result;
  const Summary& s = r.summary;
  std::vector<std::string> f = {run.source,
                                JsonString(r.workload, "name"),
                                JsonString(r.workload, "variant"),
                                r.run.id,
                                r.run.started_at,
                                r.run.status,
                                r.kbench_revision,
                                r.target.kind,
                                std::to_string(s.produced.messages),
                                std::to_string(s.produced.bytes),
                                Num(s.produced.msgs_per_sec),
                                Num(s.produced.mb_per_sec),
                                std::to_string(s.consumed.messages),
                                std::to_string(s.consumed.bytes),
                                Num(s.consumed.msgs_per_sec),
                                Num(s.consumed.mb_per_sec)};
  LatencyFields(&f, s.publish_latency_ms);
  LatencyFields(&f, s.publish_delay_ms);
  LatencyFields(&f, s.e2e_latency_ms);
  for (int64_t v :
       {s.errors.produce, s.errors.consume, s.audit.acked, s.audit.consumed, s.audit.lost,
        s.audit.duplicated, s.audit.out_of_order, s.audit.unacked_delivered})
    f.push_back(std::to_string(v));
  f.push_back(s.audit.loss_allowed ? "true" : "false");
  f.push_back(s.slo ? s.slo->percentile : "");
  f.push_back(s.slo ? Num(s.slo->target_ms) : "");
  f.push_back(s.slo ? (s.slo->met ? "true" : "false") : "");
  for (int64_t v :
       {s.topics, s.partitions, s.brokers, s.replication_factor, s.producers, s.consumers})
    f.push_back(std::to_string(v));
  return f;
}

template <typename T>
std::string At(const std::vector<T>& v, size_t i) {
  if (i >= v.size()) return "";
  if constexpr (std::is_same_v<T, std::optional<double>>)
    return Num(v[i]);
  else
    return Num(static_cast<double>(v[i]));
}

}  // namespace

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string SummaryCsv(const std::vector<ReportRun>& runs) {
  std::string out;
  Row(&out, SummaryHeader());
  for (const ReportRun& r : runs) Row(&out, SummaryFields(r));
  return out;
}

std::string TimeSeriesCsv(const std::vector<ReportRun>& runs) {
  std::string out;
  Row(&out, {"file", "t_s", "measuring", "produced_msgs_per_sec", "produced_mb_per_sec",
             "consumed_msgs_per_sec", "consumed_mb_per_sec", "publish_p99_ms", "e2e_p99_ms",
             "lag_messages"});
  for (const ReportRun& r : runs) {
    const TimeSeries& t = r.result.timeseries;
    for (size_t i = 0; i < t.t_s.size(); ++i) {
      Row(&out, {r.source, Num(t.t_s[i]), t.t_s[i] > t.measure_start_s ? "true" : "false",
                 At(t.produced_msgs_per_sec, i), At(t.produced_mb_per_sec, i),
                 At(t.consumed_msgs_per_sec, i), At(t.consumed_mb_per_sec, i),
                 At(t.publish_p99_ms, i), At(t.e2e_p99_ms, i), At(t.lag_messages, i)});
    }
  }
  return out;
}

std::string TrendCsv(const History& h) {
  std::string out;
  Row(&out, {"entry", "profile", "metric", "median", "runs"});
  for (const HistoryEntry& e : h.entries) {
    for (const auto& [profile, docs] : e.profiles) {
      for (const MetricDef& m : CompareMetrics()) {
        std::vector<double> values;
        for (const SummaryDocument& d : docs)
          if (auto v = m.get(d.summary)) values.push_back(*v);
        if (values.empty()) continue;
        Row(&out, {e.name, profile, std::string(m.id), Num(Median(values)),
                   std::to_string(values.size())});
      }
    }
  }
  return out;
}

}  // namespace kbench::results
