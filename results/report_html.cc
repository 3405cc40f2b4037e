#include "results/report_html.h"

#include <fmt/format.h>

#include "results/metric_catalog.h"
#include "results/number_format.h"

namespace kbench::results {
namespace {

constexpr const char* kCss = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}nav a{margin-right:12px;color:#0b57d0}.sub{color:#5b6576;margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d8dde6;padding:3px 8px;text-align:right;vertical-align:top}
th{background:#f3f5f8}td.l,th.l{text-align:left}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.charts{display:flex;flex-wrap:wrap;gap:10px}.note{color:#5b6576}.bad{color:#b3261e;font-weight:600}
svg.chart{background:#fff;border:1px solid #e3e7ee;border-radius:4px}
svg .grid{stroke:#e9edf3;stroke-width:1}svg .frame{fill:none;stroke:#aab3c2}
svg .tick{font-size:11px;fill:#5b6576}svg .axis-label{font-size:12px;fill:#36404f}
svg .chart-title{font-size:13px;font-weight:600;fill:#1d2430}
svg .series{fill:none;stroke-width:1.8;stroke-linejoin:round}
svg .legend text{font-size:11px;fill:#36404f}svg .legend line{stroke-width:2.5}
svg .marker{stroke-width:1.2;stroke-dasharray:3 3}svg .marker.fault{stroke-width:1.6;stroke-dasharray:none}
svg .marker-label{font-size:10px}svg .band{fill-opacity:.14}
)";

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Cell(const std::optional<double>& v) { return v ? FormatNumber(*v) : "-"; }

std::string RunHeaderCells(const std::vector<ReportRun>& runs) {
  std::string out;
  for (size_t i = 0; i < runs.size(); ++i) {
    out += fmt::format(
        "<th data-run=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>"
        "#{}</th>",
        i, RunColor(i), i + 1);
  }
  return out;
}

std::string RunsSection(const std::vector<ReportRun>& runs) {
  std::string out =
      "<h2 id=\"s-runs\">Runs</h2><table id=\"runs\"><tr><th class=\"l\">run</th><th "
      "class=\"l\">file</th>"
      "<th class=\"l\">workload</th><th class=\"l\">target</th><th class=\"l\">run id</th>"
      "<th class=\"l\">started</th><th>measured (s)</th><th class=\"l\">status</th>"
      "<th class=\"l\">kbench</th></tr>";
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunResult& r = runs[i].result;
    const std::string name = StringField(r.workload, "name");
    const std::string variant = StringField(r.workload, "variant");
    out += fmt::format(
        "<tr class=\"run\" data-run=\"{}\"><td class=\"l\"><span class=\"swatch\" "
        "style=\"background:{}\"></span>#{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>"
        "<td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td>"
        "<td class=\"l{}\">{}</td><td class=\"l\">{} {}</td></tr>",
        i, RunColor(i), i + 1, HtmlEscape(runs[i].source),
        HtmlEscape(variant.empty() ? name : name + " / " + variant), HtmlEscape(r.target.kind),
        HtmlEscape(r.run.id), HtmlEscape(r.run.started_at), FormatNumber(r.run.measure_s),
        r.run.status == "completed" ? "" : " bad", HtmlEscape(r.run.status),
        HtmlEscape(r.kbench_version), HtmlEscape(r.kbench_revision));
  }
  return out + "</table>";
}

std::string SummaryRow(std::string_view label, const std::vector<ReportRun>& runs,
                       const auto& value) {
  std::string out = fmt::format("<tr><th class=\"l\">{}</th>", HtmlEscape(label));
  for (const ReportRun& r : runs) out += "<td>" + value(r.result) + "</td>";
  return out + "</tr>";
}

std::string SummarySection(const std::vector<ReportRun>& runs) {
  std::string out =
      "<h2 id=\"s-summary\">Summary</h2><table id=\"summary\"><tr><th class=\"l\">metric</th>" +
      RunHeaderCells(runs) + "</tr>";
  for (const MetricDef& m : CompareMetrics()) {
    out += SummaryRow(fmt::format("{} ({})", m.label, m.unit), runs,
                      [&m](const RunResult& r) { return Cell(m.get(r.summary)); });
  }
  out += SummaryRow("messages produced / consumed (measured)", runs, [](const RunResult& r) {
    return fmt::format("{} / {}", r.summary.produced.messages, r.summary.consumed.messages);
  });
  out += SummaryRow("SLO", runs, [](const RunResult& r) -> std::string {
    if (!r.summary.slo) return "-";
    return fmt::format("{} &le; {} ms: {}", HtmlEscape(r.summary.slo->percentile),
                       FormatNumber(r.summary.slo->target_ms),
                       r.summary.slo->met ? "met" : "<span class=\"bad\">missed</span>");
  });
  out += SummaryRow("loss allowed by the configuration", runs, [](const RunResult& r) {
    return std::string(r.summary.audit.loss_allowed ? "yes" : "no");
  });
  out += SummaryRow("topics / partitions / RF", runs, [](const RunResult& r) {
    return fmt::format("{} / {} / {}", r.summary.topics, r.summary.partitions,
                       r.summary.replication_factor);
  });
  out += SummaryRow("brokers / producers / consumers", runs, [](const RunResult& r) {
    return fmt::format("{} / {} / {}", r.summary.brokers, r.summary.producers, r.summary.consumers);
  });
  out += SummaryRow("consumer groups (Burrow status)", runs, [](const RunResult& r) {
    std::string s;
    for (const auto& [g, st] : r.lag_status)
      s += fmt::format("{}{}: {}", s.empty() ? "" : "<br>", HtmlEscape(g), HtmlEscape(st.status));
    return s.empty() ? std::string("-") : s;
  });
  return out + "</table>";
}

std::string Charts(const std::vector<LineChart>& charts) {
  std::string out = "<div class=\"charts\">";
  for (const LineChart& c : charts) out += RenderSvg(c);
  return out + "</div>";
}

std::string TimeSection(const std::vector<ReportRun>& runs) {
  std::vector<LineChart> charts;
  for (auto c : {ThroughputChart(runs), LatencyTimeChart(runs), LagChart(runs), MaxRateChart(runs)})
    if (c) charts.push_back(std::move(*c));
  std::string out = "<h2 id=\"s-time\">Over time</h2>";
  if (charts.empty()) return out + "<p class=\"note\">No run has a time series.</p>";
  out +=
      "<p class=\"note\">Solid and dashed lines per run as in each legend; vertical lines mark "
      "faults (solid) and the start of measurement (dashed); shaded ranges are partitions "
      "without a leader.</p>";
  return out + Charts(charts);
}

std::string FaultsSection(const std::vector<ReportRun>& runs) {
  std::string faults, windows;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const FaultRecord& f : runs[i].result.faults) {
      faults += fmt::format(
          "<tr class=\"fault\" data-run=\"{}\"><td class=\"l\">#{}</td><td>{}</td><td "
          "class=\"l\">{}</td><td>{}</td><td class=\"l{}\">{}</td><td class=\"l\">{}</td></tr>",
          i, i + 1, FormatNumber(f.t_s), HtmlEscape(f.action), f.broker, f.ok ? "" : " bad",
          f.ok ? "ok" : "failed", HtmlEscape(f.detail));
    }
    for (const UnavailabilityWindow& u : runs[i].result.unavailability) {
      windows += fmt::format(
          "<tr class=\"unavailability\" data-run=\"{}\"><td class=\"l\">#{}</td><td "
          "class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
          i, i + 1, HtmlEscape(u.partition), FormatNumber(u.from_s), FormatNumber(u.to_s),
          FormatNumber(u.to_s - u.from_s));
    }
  }
  std::string out = "<h2 id=\"s-faults\">Faults</h2>";
  if (faults.empty() && windows.empty())
    return out + "<p class=\"note\">No faults were scheduled and no partition lost its leader.</p>";
  if (!faults.empty()) {
    out +=
        "<table id=\"faults\"><tr><th class=\"l\">run</th><th>t (s)</th><th class=\"l\">action"
        "</th><th>broker</th><th class=\"l\">result</th><th class=\"l\">detail</th></tr>" +
        faults + "</table>";
  }
  if (!windows.empty()) {
    out +=
        "<table id=\"unavailability\"><tr><th class=\"l\">run</th><th class=\"l\">partition"
        "</th><th>from (s)</th><th>to (s)</th><th>for (s)</th></tr>" +
        windows + "</table>";
  }
  return out;
}

std::string EnvironmentSection(const std::vector<ReportRun>& runs) {
  std::string out =
      "<h2 id=\"s-environment\">Environment</h2><table id=\"environment\"><tr><th "
      "class=\"l\"></th>" +
      RunHeaderCells(runs) + "</tr>";
  auto row = [&](std::string_view label, auto value) {
    out += fmt::format("<tr><th class=\"l\">{}</th>", label);
    for (const ReportRun& r : runs)
      out += "<td class=\"l\">" + HtmlEscape(value(r.result.environment)) + "</td>";
    out += "</tr>";
  };
  row("host", [](const Environment& e) { return e.host; });
  row("CPU", [](const Environment& e) { return e.cpu_model; });
  row("cores", [](const Environment& e) { return std::to_string(e.cores); });
  row("memory", [](const Environment& e) {
    return fmt::format("{:.1f} GiB", static_cast<double>(e.memory_bytes) / (1 << 30));
  });
  row("kernel", [](const Environment& e) { return e.kernel; });
  row("OS", [](const Environment& e) { return e.os; });
  row("disk", [](const Environment& e) {
    return fmt::format("{} ({}, {}{}{})", e.disk.path, e.disk.device, e.disk.fs,
                       e.disk.model.empty() ? "" : ", " + e.disk.model,
                       !e.disk.rotational   ? ""
                       : *e.disk.rotational ? ", rotational"
                                            : ", solid state");
  });
  row("clock offset (ms)", [](const Environment& e) { return FormatNumber(e.clock_offset_ms); });
  return out + "</table>";
}

std::string TrendSection(const History& h) {
  std::string out = fmt::format(
      "<h2 id=\"s-trend\">Nightly trend</h2><p class=\"sub\">{} nights in <code>{}</code>, {} "
      "profiles</p>",
      h.entries.size(), HtmlEscape(h.dir), h.profiles.size());
  for (const std::string& p : h.problems)
    out += fmt::format("<p class=\"bad\">skipped: {}</p>", HtmlEscape(p));
  for (const std::string& profile : h.profiles) {
    out += fmt::format("<h3 id=\"trend-{0}\">{0}</h3>", HtmlEscape(profile));
    out += Charts(TrendCharts(h, profile));
  }
  return out;
}

// Links to the sections on this page (fragment links only: nothing is fetched).
std::string Navigation(bool runs, bool trend) {
  std::string out = "<nav>";
  if (trend) out += "<a href=\"#s-trend\">trend</a>";
  if (runs) {
    for (const char* s : {"runs", "summary", "spectrum", "time", "faults", "environment"})
      out += fmt::format("<a href=\"#s-{0}\">{0}</a>", s);
  }
  return out + "</nav>\n";
}

}  // namespace

std::string HtmlEscape(std::string_view text) { return XmlEscape(text); }

Result<std::string> RenderHtmlReport(const std::vector<ReportRun>& runs,
                                     const ReportOptions& options) {
  KB_ASSIGN_OR_RETURN(std::vector<LineChart> spectra, SpectrumCharts(runs));
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>"
      "<style>{}</style></head><body>\n<h1>{}</h1><p class=\"sub\">{} run{}{}</p>\n",
      HtmlEscape(options.title), kCss, HtmlEscape(options.title), runs.size(),
      runs.size() == 1 ? "" : "s side by side",
      options.generated_at.empty() ? ""
                                   : " &middot; generated " + HtmlEscape(options.generated_at));
  out += Navigation(!runs.empty(), options.history != nullptr);
  if (options.history != nullptr) out += TrendSection(*options.history);
  if (runs.empty()) return out + "</body></html>\n";
  out += RunsSection(runs) + SummarySection(runs);
  out += "<h2 id=\"s-spectrum\">Latency percentile spectrum</h2>";
  out += spectra.empty() ? "<p class=\"note\">No run carries histograms.</p>"
                         : "<p class=\"note\">Latency at each percentile, measured from the "
                           "intended send time; the x axis is log(1/(1-p)), so each step right is "
                           "ten times rarer.</p>" +
                               Charts(spectra);
  out += TimeSection(runs) + FaultsSection(runs) + EnvironmentSection(runs);
  return out + "</body></html>\n";
}

}  // namespace kbench::results
