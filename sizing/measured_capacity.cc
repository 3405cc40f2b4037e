#include "sizing/measured_capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kbench::sizing {
namespace {

using nlohmann::json;

constexpr int kResultsSchemaVersion = 1;

// "p99.9" and "p999" name the same percentile; results files use the dotless form.
std::string NormalizePercentile(std::string_view label) {
  std::string out;
  for (char c : label) {
    if (c != '.') out.push_back(c == 'P' ? 'p' : c);
  }
  return out;
}

// Walks a dotted path; nullptr when any step is absent or null.
const json* At(const json& root, std::string_view path) {
  const json* node = &root;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string key(
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!node->is_object() || !node->contains(key) || (*node)[key].is_null()) return nullptr;
    node = &(*node)[key];
    if (dot == std::string_view::npos) return node;
    start = dot + 1;
  }
}

Result<double> RequiredNumber(const json& root, std::string_view path, const std::string& file) {
  const json* n = At(root, path);
  if (n == nullptr) {
    return Status::InvalidArgument(
        fmt::format("{}: required field {} is missing", file, std::string(path)));
  }
  if (!n->is_number()) {
    return Status::InvalidArgument(
        fmt::format("{}: field {} is not a number", file, std::string(path)));
  }
  return n->get<double>();
}

std::optional<double> OptionalNumber(const json& root, std::string_view path) {
  const json* n = At(root, path);
  if (n == nullptr || !n->is_number()) return std::nullopt;
  return n->get<double>();
}

std::string OptionalString(const json& root, std::string_view path) {
  const json* n = At(root, path);
  return (n != nullptr && n->is_string()) ? n->get<std::string>() : std::string();
}

Status ReadSummary(const json& root, const std::string& path, MeasuredRun* run) {
  KB_ASSIGN_OR_RETURN(run->produced_msgs_per_sec,
                      RequiredNumber(root, "summary.produced.msgs_per_sec", path));
  KB_ASSIGN_OR_RETURN(double mb, RequiredNumber(root, "summary.produced.mb_per_sec", path));
  run->produced_bytes_per_sec = mb * 1e6;
  KB_ASSIGN_OR_RETURN(double partitions, RequiredNumber(root, "summary.partitions", path));
  KB_ASSIGN_OR_RETURN(double brokers, RequiredNumber(root, "summary.brokers", path));
  KB_ASSIGN_OR_RETURN(double rf, RequiredNumber(root, "summary.replication_factor", path));
  run->partitions = static_cast<int64_t>(partitions);
  run->brokers = static_cast<int64_t>(brokers);
  run->replication_factor = static_cast<int64_t>(rf);
  if (run->partitions < 1 || run->brokers < 1 || run->replication_factor < 1) {
    return Status::InvalidArgument(fmt::format(
        "{}: summary.partitions, summary.brokers and summary.replication_factor must be >= 1",
        path));
  }
  std::optional<double> msgs = OptionalNumber(root, "summary.produced.messages");
  std::optional<double> bytes = OptionalNumber(root, "summary.produced.bytes");
  if (msgs && bytes && *msgs > 0) {
    run->avg_msg_bytes = *bytes / *msgs;
  } else if (run->produced_msgs_per_sec > 0) {
    run->avg_msg_bytes = run->produced_bytes_per_sec / run->produced_msgs_per_sec;
  }
  if (const json* lat = At(root, "summary.publish_latency_ms");
      lat != nullptr && lat->is_object()) {
    for (const auto& [k, v] : lat->items()) {
      if (k.size() > 1 && k[0] == 'p' && v.is_number())
        run->publish_latency_ms.emplace_back(k, v.get<double>());
    }
  }
  if (const json* slo = At(root, "summary.slo"); slo != nullptr && slo->is_object()) {
    MeasuredRun::Slo s;
    s.percentile = OptionalString(*slo, "percentile");
    s.target_ms = OptionalNumber(*slo, "target_ms").value_or(0);
    const json* met = At(*slo, "met");
    s.met = met != nullptr && met->is_boolean() && met->get<bool>();
    run->slo = s;
  }
  return Status::Ok();
}

Status ReadMaxRate(const json& root, const std::string& path, MeasuredRun* run) {
  const json* mr = At(root, "max_rate");
  if (mr == nullptr) return Status::Ok();
  MeasuredRun::MaxRate m;
  m.slo_percentile = OptionalString(*mr, "slo_percentile");
  m.slo_ms = OptionalNumber(*mr, "slo_ms").value_or(0);
  m.found_msgs_per_sec = OptionalNumber(*mr, "found_msgs_per_sec").value_or(0);
  m.found_bytes_per_sec = OptionalNumber(*mr, "found_mb_per_sec").value_or(0) * 1e6;
  if (const json* steps = At(*mr, "steps"); steps != nullptr && steps->is_array()) {
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& s = (*steps)[i];
      std::string where = fmt::format("max_rate.steps[{}]", i);
      MaxRateStep step;
      KB_ASSIGN_OR_RETURN(step.achieved_msgs_per_sec,
                          RequiredNumber(s, "achieved_msgs_per_sec", path + ": " + where));
      step.target_msgs_per_sec = OptionalNumber(s, "target_msgs_per_sec").value_or(0);
      std::optional<double> p99 = OptionalNumber(s, "p99_ms");
      step.p99_ms = p99.value_or(0);
      const json* held = At(s, "held");
      step.held = held != nullptr && held->is_boolean() && held->get<bool>() && p99.has_value();
      m.steps.push_back(step);
    }
  }
  run->max_rate = m;
  return Status::Ok();
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
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: not a JSON object", path));
  }
  KB_ASSIGN_OR_RETURN(double version, RequiredNumber(root, "schema_version", path));
  if (version > kResultsSchemaVersion) {
    return Status::InvalidArgument(
        fmt::format("{}: schema_version {} is newer than this kbench understands ({})", path,
                    version, kResultsSchemaVersion));
  }
  MeasuredRun run;
  run.path = path;
  run.workload = OptionalString(root, "workload.name");
  if (run.workload.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: required field workload.name is missing", path));
  }
  KB_RETURN_IF_ERROR(ReadSummary(root, path, &run));
  KB_RETURN_IF_ERROR(ReadMaxRate(root, path, &run));
  run.election_ms_p50 = OptionalNumber(root, "cluster.election_ms.p50");
  return run;
}

Result<MeasuredRun> ReadResultsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("{}: cannot read the results file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseResultsJson(ss.str(), path);
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
