#include "sizing/measured_capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "results/run_result.h"

namespace kbench::sizing {
namespace {

// "p99.9" and "p999" name the same percentile; results files use the dotless form.
std::string NormalizePercentile(std::string_view label) {
  std::string out;
  for (char c : label) {
    if (c != '.') out.push_back(c == 'P' ? 'p' : c);
  }
  return out;
}

void ReadSummary(const results::Summary& s, MeasuredRun* run) {
  run->produced_msgs_per_sec = s.produced.msgs_per_sec;
  run->produced_bytes_per_sec = s.produced.mb_per_sec * 1e6;
  run->partitions = s.partitions;
  run->brokers = s.brokers;
  run->replication_factor = s.replication_factor;
  if (s.produced.messages > 0) {
    run->avg_msg_bytes = double(s.produced.bytes) / double(s.produced.messages);
  } else if (run->produced_msgs_per_sec > 0) {
    run->avg_msg_bytes = run->produced_bytes_per_sec / run->produced_msgs_per_sec;
  }
  for (const char* label : {"p50", "p75", "p95", "p99", "p999", "p9999"}) {
    if (std::optional<double> v = s.publish_latency_ms.At(label)) {
      run->publish_latency_ms.emplace_back(label, *v);
    }
  }
  if (s.slo) run->slo = MeasuredRun::Slo{s.slo->percentile, s.slo->target_ms, s.slo->met};
}

void ReadMaxRate(const results::MaxRateResult& mr, MeasuredRun* run) {
  MeasuredRun::MaxRate m;
  m.slo_percentile = mr.slo_percentile;
  m.slo_ms = mr.slo_ms;
  m.found_msgs_per_sec = mr.found_msgs_per_sec;
  m.found_bytes_per_sec = mr.found_mb_per_sec * 1e6;
  for (const results::MaxRateStep& s : mr.steps) {
    // A step without a p99 (no samples) cannot have held.
    m.steps.push_back({s.target_msgs_per_sec, s.achieved_msgs_per_sec, s.p99_ms.value_or(0),
                       s.held && s.p99_ms.has_value()});
  }
  run->max_rate = m;
}

std::optional<double> ElectionP50(const nlohmann::json& cluster) {
  auto it = cluster.find("election_ms");
  if (it == cluster.end() || !it->is_object()) return std::nullopt;
  auto p50 = it->find("p50");
  if (p50 == it->end() || !p50->is_number()) return std::nullopt;
  return p50->get<double>();
}

Result<MeasuredRun> FromRunResult(const results::RunResult& r, const std::string& path) {
  MeasuredRun run;
  run.path = path;
  run.workload = r.workload.value("name", "");
  ReadSummary(r.summary, &run);
  if (run.partitions < 1 || run.brokers < 1 || run.replication_factor < 1) {
    return Status::InvalidArgument(fmt::format(
        "{}: summary.partitions, summary.brokers and summary.replication_factor must be >= 1",
        path));
  }
  if (r.max_rate) ReadMaxRate(*r.max_rate, &run);
  run.election_ms_p50 = ElectionP50(r.cluster);
  return run;
}

std::optional<double> SummaryLatency(const MeasuredRun& run, const std::string& percentile) {
  for (const auto& [k, v] : run.publish_latency_ms) {
    if (NormalizePercentile(k) == percentile) return v;
  }
  return std::nullopt;
}

void Fill(RunCapacity* c, const MeasuredRun& run, double msgs, double bytes, std::string how) {
  c->usable = msgs > 0 || bytes > 0;
  c->held_msgs_per_sec = msgs;
  c->held_bytes_per_sec = bytes;
  c->partition_msgs_per_sec = msgs / static_cast<double>(run.partitions);
  c->partition_bytes_per_sec = bytes / static_cast<double>(run.partitions);
  c->broker_write_bytes_per_sec =
      bytes * static_cast<double>(run.replication_factor) / static_cast<double>(run.brokers);
  c->how = std::move(how);
}

// From the max-rate search: the fastest step that held with p99 within the target.
bool FromMaxRate(const MeasuredRun& run, const LatencySlo& slo, RunCapacity* c) {
  if (!run.max_rate || run.max_rate->steps.empty()) return false;
  const MeasuredRun::MaxRate& m = *run.max_rate;
  const MaxRateStep* best = nullptr;
  const MaxRateStep* fastest_latency = nullptr;
  for (const MaxRateStep& s : m.steps) {
    if (s.held && s.p99_ms <= slo.target_ms &&
        (!best || s.achieved_msgs_per_sec > best->achieved_msgs_per_sec)) {
      best = &s;
    }
    if (s.p99_ms > 0 && (!fastest_latency || s.p99_ms < fastest_latency->p99_ms))
      fastest_latency = &s;
  }
  if (best == nullptr) {
    if (fastest_latency) {
      c->best_latency_ms = fastest_latency->p99_ms;
      c->best_latency_at_msgs_per_sec = fastest_latency->achieved_msgs_per_sec;
    }
    c->how = fmt::format("no max_rate step held p99 <= {} ms", FormatNumber(slo.target_ms));
    return true;
  }
  double bytes = best->achieved_msgs_per_sec * run.avg_msg_bytes;
  Fill(c, run, best->achieved_msgs_per_sec, bytes,
       fmt::format("max_rate step {} held p99 {} ms <= {} ms over {} partitions, {} brokers, RF {}",
                   FormatMessageRate(best->achieved_msgs_per_sec), FormatNumber(best->p99_ms),
                   FormatNumber(slo.target_ms), run.partitions, run.brokers,
                   run.replication_factor));
  return true;
}

}  // namespace

Result<MeasuredRun> ParseResultsJson(const std::string& text, const std::string& path) {
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: not a JSON object", path));
  }
  KB_ASSIGN_OR_RETURN(results::RunResult r, results::RunResultFromJson(root, path));
  return FromRunResult(r, path);
}

Result<MeasuredRun> ReadResultsFile(const std::string& path) {
  KB_ASSIGN_OR_RETURN(results::RunResult r, results::ReadRunResultFile(path));
  return FromRunResult(r, path);
}

RunCapacity CapacityAtSlo(const MeasuredRun& run, const std::optional<LatencySlo>& slo) {
  RunCapacity c;
  c.path = run.path;
  c.partitions = run.partitions;
  if (!slo) {
    // No SLO asked: the run's own verdict decides; a max-rate search already found the held rate.
    if (run.max_rate && run.max_rate->found_msgs_per_sec > 0) {
      const auto& m = *run.max_rate;
      double bytes = m.found_bytes_per_sec > 0 ? m.found_bytes_per_sec
                                               : m.found_msgs_per_sec * run.avg_msg_bytes;
      Fill(&c, run, m.found_msgs_per_sec, bytes,
           fmt::format("max_rate found {} at the run's {} <= {} ms",
                       FormatMessageRate(m.found_msgs_per_sec), m.slo_percentile,
                       FormatNumber(m.slo_ms)));
    } else if (!run.slo || run.slo->met) {
      Fill(&c, run, run.produced_msgs_per_sec, run.produced_bytes_per_sec,
           fmt::format("throughput {} sustained{}", FormatByteRate(run.produced_bytes_per_sec),
                       run.slo ? " with its SLO met" : ""));
    } else {
      c.how = "the run missed its own SLO";
    }
    return c;
  }
  std::string pct = NormalizePercentile(slo->percentile);
  if (pct == "p99" && FromMaxRate(run, *slo, &c)) return c;
  // Summary: the run's SLO verdict when it judged the same percentile at a target no looser than
  // ours, otherwise its measured percentile against our target.
  std::optional<double> latency = SummaryLatency(run, pct);
  bool held = false;
  std::string how;
  if (latency) {
    held = *latency <= slo->target_ms;
    how = fmt::format("throughput {} with publish {} {} ms {} {} ms",
                      FormatByteRate(run.produced_bytes_per_sec), slo->percentile,
                      FormatNumber(*latency), held ? "<=" : ">", FormatNumber(slo->target_ms));
  } else if (run.slo && NormalizePercentile(run.slo->percentile) == pct &&
             run.slo->target_ms <= slo->target_ms) {
    held = run.slo->met;
    how = fmt::format("throughput {} with the run's SLO {} <= {} ms {}",
                      FormatByteRate(run.produced_bytes_per_sec), run.slo->percentile,
                      FormatNumber(run.slo->target_ms), held ? "met" : "missed");
  } else {
    c.how = fmt::format("has no {} latency to judge against the SLO", slo->percentile);
    return c;
  }
  if (held) {
    Fill(&c, run, run.produced_msgs_per_sec, run.produced_bytes_per_sec, how);
  } else {
    // One rate that missed says capacity is below it, not that the SLO is out of reach; only a
    // max-rate search that found no held step says that.
    c.how = how + "; capacity is below this rate";
  }
  return c;
}

}  // namespace kbench::sizing
