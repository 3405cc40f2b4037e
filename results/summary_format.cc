#include "results/summary_format.h"

#include <fmt/format.h>

namespace kbench::results {
namespace {

std::string Ms(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}", *v) : std::string("-");
}

std::string LatencyRow(std::string_view name, const LatencySummary& l) {
  return fmt::format("  {:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}\n", name, Ms(l.p50),
                     Ms(l.p75), Ms(l.p95), Ms(l.p99), Ms(l.p999), Ms(l.p9999), Ms(l.max), l.count);
}

}  // namespace

std::string PerfTestLine(const RunResult& r) {
  const Summary& s = r.summary;
  const LatencySummary& l = s.publish_latency_ms;
  const double mib_per_sec = s.produced.mb_per_sec * 1e6 / (1024.0 * 1024.0);
  return fmt::format(
      "{} records sent, {:f} records/sec ({:.2f} MB/sec), {:.2f} ms avg latency, {} ms max "
      "latency, {} ms 50th, "
      "{} ms 95th, {} ms 99th, {} ms 99.9th.",
      s.produced.messages, s.produced.msgs_per_sec, mib_per_sec, l.mean, Ms(l.max), Ms(l.p50),
      Ms(l.p95), Ms(l.p99), Ms(l.p999));
}

std::string SummaryTable(const RunResult& r) {
  const Summary& s = r.summary;
  std::string out;
  out += fmt::format("  {:<16} {:>14} {:>10} {:>14}\n", "", "messages", "MB/s", "msgs/s");
  out += fmt::format("  {:<16} {:>14} {:>10.2f} {:>14.1f}\n", "produced", s.produced.messages,
                     s.produced.mb_per_sec, s.produced.msgs_per_sec);
  out += fmt::format("  {:<16} {:>14} {:>10.2f} {:>14.1f}\n", "consumed", s.consumed.messages,
                     s.consumed.mb_per_sec, s.consumed.msgs_per_sec);
  out += fmt::format("\n  {:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}\n",
                     "latency (ms)", "p50", "p75", "p95", "p99", "p99.9", "p99.99", "max", "count");
  out += LatencyRow("publish", s.publish_latency_ms);
  out += LatencyRow("publish delay", s.publish_delay_ms);
  out += LatencyRow("end-to-end", s.e2e_latency_ms);
  const AuditSummary& a = s.audit;
  out += fmt::format(
      "\n  audit: {} acked, {} consumed, {} lost, {} unconsumed, {} duplicated, {} out of order, "
      "{} unacked delivered{}\n",
      a.acked, a.consumed, a.lost, a.unconsumed, a.duplicated, a.out_of_order, a.unacked_delivered,
      a.lost == 0            ? ""
      : LossBreaksPromise(s) ? "  LOSS: the configuration promised none"
                             : "  (loss allowed by acks / min.insync.replicas / unclean election)");
  if (a.unconsumed > 0) {
    out += fmt::format(
        "  {} acknowledged messages were still waiting to be read when the run ended "
        "(backlog, not loss)\n",
        a.unconsumed);
  }
  if (r.backlog) {
    const BacklogResult& b = *r.backlog;
    out += fmt::format("  backlog: {} messages ({:.1f} MB) built in {:.1f} s, page cache {}; ",
                       b.built_messages, static_cast<double>(b.built_bytes) / 1e6, b.build_s,
                       b.page_cache);
    out += b.catch_up_s ? fmt::format("caught up in {:.2f} s ({:.1f} MB/s)\n", *b.catch_up_s,
                                      b.catch_up_mb_per_sec.value_or(0))
                        : std::string("not caught up within the run\n");
  }
  for (const FaultRecord& f : r.faults) {
    out += fmt::format("  fault at {:.1f} s: {} broker {}: {}{}\n", f.t_s, f.action, f.broker,
                       f.ok ? "" : "FAILED: ", f.detail);
  }
  if (r.target.kind == "embedded" && r.cluster.is_object()) {
    const nlohmann::json& c = r.cluster;
    const nlohmann::json election_ms = c.value("election_ms", nlohmann::json::object());
    out += fmt::format(
        "  cluster: {} ISR shrinks, {} expands, {} leader elections (p50 {:.1f} ms, max {:.1f} "
        "ms), {:.2f} partition-s unavailable, {:.1f} MB written, {} fsyncs\n",
        c.value("isr_shrinks", int64_t{0}), c.value("isr_expands", int64_t{0}),
        c.value("leader_elections", int64_t{0}), election_ms.value("p50", 0.0),
        election_ms.value("max", 0.0), c.value("unavailable_partition_s", 0.0),
        static_cast<double>(c.value("bytes_written", int64_t{0})) / 1e6,
        c.value("fsyncs", int64_t{0}));
  }
  if (s.slo) {
    out += fmt::format("  SLO: {} <= {:.2f} ms: {}\n", s.slo->percentile, s.slo->target_ms,
                       s.slo->met ? "met" : "MISSED");
  }
  if (s.errors.produce + s.errors.consume > 0) {
    out += fmt::format("  errors: {} produce, {} consume", s.errors.produce, s.errors.consume);
    for (const auto& [code, n] : s.errors.by_code) out += fmt::format(", {} {}", code, n);
    out += "\n";
  }
  return out;
}

bool LossBreaksPromise(const Summary& s) { return s.audit.lost > 0 && !s.audit.loss_allowed; }

}  // namespace kbench::results
