#include "sizing/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace kbench::sizing {
namespace {

constexpr std::string_view kSizeUnits = "B, KB, KiB, MB, MiB, GB, GiB, TB, TiB";
constexpr std::string_view kTimeUnits = "ms, s, m, h, d";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A number followed by a (possibly empty) unit: "300 MB/s" -> {300, "MB/s"}.
struct Quantity {
  double number = 0;
  std::string unit;
};

Result<Quantity> SplitQuantity(std::string_view field, std::string_view text) {
  std::string_view t = Trim(text);
  if (t.empty()) return Status::InvalidArgument(fmt::format("{}: empty value", field));
  size_t end = 0;
  std::string digits;  // thousands separators removed
  while (end < t.size()) {
    char c = t[end];
    bool exp_sign = (c == '+' || c == '-') && end > 0 && (t[end - 1] == 'e' || t[end - 1] == 'E');
    bool exponent = (c == 'e' || c == 'E') && end + 1 < t.size() &&
                    (std::isdigit(static_cast<unsigned char>(t[end + 1])) || t[end + 1] == '-' ||
                     t[end + 1] == '+');
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || (c == '-' && end == 0) ||
        exp_sign || exponent) {
      digits.push_back(c);
    } else if (c == ',' || c == '_') {
      // 1,000 or 1_000
    } else {
      break;
    }
    ++end;
  }
  Quantity q;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), q.number);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
      !std::isfinite(q.number)) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" does not start with a number", field, std::string(text)));
  }
  if (q.number < 0) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is negative; it must be zero or more", field, std::string(text)));
  }
  q.unit = std::string(Trim(t.substr(end)));
  return q;
}

std::optional<double> SizeMultiplier(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, double>, 13> kUnits = {{
      {"B", 1},
      {"KB", 1e3},
      {"kB", 1e3},
      {"KiB", 1024.0},
      {"MB", 1e6},
      {"MiB", 1048576.0},
      {"GB", 1e9},
      {"GiB", 1073741824.0},
      {"TB", 1e12},
      {"TiB", 1099511627776.0},
      {"PB", 1e15},
      {"PiB", 1125899906842624.0},
      {"bytes", 1},
  }};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) return mult;
  }
  return std::nullopt;
}

std::optional<double> BitMultiplier(std::string_view unit) {
  // Link speeds: bits per second.
  static constexpr std::array<std::pair<std::string_view, double>, 10> kUnits = {{
      {"bps", 1},
      {"Kbps", 1e3},
      {"kbps", 1e3},
      {"Mbps", 1e6},
      {"Gbps", 1e9},
      {"Tbps", 1e12},
      {"Kb/s", 1e3},
      {"Mb/s", 1e6},
      {"Gb/s", 1e9},
      {"Tb/s", 1e12},
  }};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) return mult;
  }
  return std::nullopt;
}

std::optional<double> SecondsPer(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, double>, 16> kUnits = {{
      {"ms", 1e-3},
      {"s", 1},
      {"sec", 1},
      {"secs", 1},
      {"m", 60},
      {"min", 60},
      {"mins", 60},
      {"h", 3600},
      {"hr", 3600},
      {"hour", 3600},
      {"hours", 3600},
      {"d", 86400},
      {"day", 86400},
      {"days", 86400},
      {"w", 604800},
      {"week", 604800},
  }};
  for (const auto& [name, secs] : kUnits) {
    if (unit == name) return secs;
  }
  return std::nullopt;
}

// "MB/s" -> {"MB", "s"}; "MBps" -> {"MB", "s"}; no rate part -> nullopt.
std::optional<std::pair<std::string, std::string>> SplitPerTime(std::string_view unit) {
  size_t slash = unit.find('/');
  if (slash != std::string_view::npos) {
    return std::make_pair(std::string(Trim(unit.substr(0, slash))),
                          std::string(Trim(unit.substr(slash + 1))));
  }
  if (unit.size() > 3 && unit.substr(unit.size() - 3) == "Bps") {
    return std::make_pair(std::string(unit.substr(0, unit.size() - 2)), std::string("s"));
  }
  return std::nullopt;
}

Result<double> TimeDivisor(std::string_view field, std::string_view text, std::string_view per) {
  std::optional<double> secs = SecondsPer(per);
  if (!secs || per == "ms") {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" has an unknown time unit \"/{}\"; use /s, /min, /h or /d", field,
                    std::string(text), std::string(per)));
  }
  return *secs;
}

Status NoUnit(std::string_view field, std::string_view text, std::string_view example,
              std::string_view units) {
  return Status::InvalidArgument(fmt::format("{}: \"{}\" has no unit; write it like {} (units: {})",
                                             field, std::string(text), example, units));
}

// Count prefix: "", "k", "K", "M", "G" (billions), with an optional word for what is counted.
std::optional<double> CountMultiplier(std::string_view unit) {
  std::string_view u = Trim(unit);
  double mult = 1;
  if (!u.empty() &&
      (u.front() == 'k' || u.front() == 'K' || u.front() == 'M' || u.front() == 'G')) {
    // A bare prefix or a prefix followed by a space/word: "3M", "3M msgs", "3Mmsgs" is not allowed.
    char p = u.front();
    std::string_view rest = u.substr(1);
    if (rest.empty() || rest.front() == ' ') {
      mult = p == 'M' ? 1e6 : p == 'G' ? 1e9 : 1e3;
      u = Trim(rest);
    }
  }
  static constexpr std::array<std::string_view, 10> kWords = {
      "", "msg", "msgs", "message", "messages", "rec", "recs", "records", "events", "ops"};
  for (std::string_view w : kWords) {
    if (u == w) return mult;
  }
  return std::nullopt;
}

}  // namespace

Result<double> ParseBytes(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  if (q.unit.empty()) return NoUnit(field, text, "300MB or 4TiB", kSizeUnits);
  std::optional<double> mult = SizeMultiplier(q.unit);
  if (!mult) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" has an unknown size unit \"{}\" (units: {})", field,
                    std::string(text), q.unit, kSizeUnits));
  }
  return q.number * *mult;
}

Result<double> ParseByteRate(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  if (q.unit.empty())
    return NoUnit(field, text, "300MB/s or 10Gbps", "a size per /s, /min, /h, /d");
  if (std::optional<double> bits = BitMultiplier(q.unit)) return q.number * *bits / 8;
  auto parts = SplitPerTime(q.unit);
  if (!parts) {
    if (SizeMultiplier(q.unit)) {
      return Status::InvalidArgument(
          fmt::format("{}: \"{}\" is a size, not a rate; add a time unit like \"{}/s\"", field,
                      std::string(text), std::string(Trim(text))));
    }
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a byte rate; write it like 300MB/s, 240TB/d or 10Gbps",
                    field, std::string(text)));
  }
  std::optional<double> mult = SizeMultiplier(parts->first);
  if (!mult) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" has an unknown size unit \"{}\" (units: {})", field,
                    std::string(text), parts->first, kSizeUnits));
  }
  KB_ASSIGN_OR_RETURN(double secs, TimeDivisor(field, text, parts->second));
  return q.number * *mult / secs;
}

Result<double> ParseMessageRate(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  auto parts = SplitPerTime(q.unit);
  if (!parts) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a message rate; write it like 1000/s, 3M/s or 100 msgs/s",
                    field, std::string(text)));
  }
  std::optional<double> mult = CountMultiplier(parts->first);
  if (!mult) {
    return Status::InvalidArgument(fmt::format(
        "{}: \"{}\": \"{}\" is not a count; use k, M or G (billions), optionally followed by msgs",
        field, std::string(text), parts->first));
  }
  KB_ASSIGN_OR_RETURN(double secs, TimeDivisor(field, text, parts->second));
  return q.number * *mult / secs;
}

Result<Rate> ParseRate(std::string_view field, std::string_view text) {
  Result<double> msgs = ParseMessageRate(field, text);
  if (msgs.ok()) return Rate{*msgs, Rate::Kind::kMessages};
  Result<double> bytes = ParseByteRate(field, text);
  if (bytes.ok()) return Rate{*bytes, Rate::Kind::kBytes};
  return Status::InvalidArgument(fmt::format(
      "{}: \"{}\" is neither a byte rate (10MB/s) nor a message rate (100/s, 100 msgs/s)", field,
      std::string(text)));
}

Result<double> ParseDurationSeconds(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  if (q.unit.empty()) return NoUnit(field, text, "7d or 50ms", kTimeUnits);
  std::optional<double> secs = SecondsPer(q.unit);
  if (!secs) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" has an unknown time unit \"{}\" (units: {})", field,
                    std::string(text), q.unit, kTimeUnits));
  }
  return q.number * *secs;
}

Result<double> ParseBitRate(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  if (q.unit.empty()) return NoUnit(field, text, "10Gbps", "bps, Mbps, Gbps, Tbps or a byte rate");
  if (std::optional<double> bits = BitMultiplier(q.unit)) return q.number * *bits;
  Result<double> bytes = ParseByteRate(field, text);
  if (!bytes.ok()) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a link speed; write it like 10Gbps or 25Gb/s", field,
                    std::string(text)));
  }
  return *bytes * 8;
}

Result<int64_t> ParseCount(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  std::optional<double> mult = CountMultiplier(q.unit);
  if (!mult) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a count (a whole number, optionally with k or M)", field,
                    std::string(text)));
  }
  double v = q.number * *mult;
  if (v != std::floor(v) || v > 9e15) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" must be a whole number", field, std::string(text)));
  }
  return static_cast<int64_t>(v);
}

Result<double> ParseFactor(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  if (!q.unit.empty() && q.unit != "x" && q.unit != "X") {
    return Status::InvalidArgument(fmt::format("{}: \"{}\" is not a multiplier (write 1.5 or 1.5x)",
                                               field, std::string(text)));
  }
  return q.number;
}

Result<double> ParseFraction(std::string_view field, std::string_view text) {
  KB_ASSIGN_OR_RETURN(Quantity q, SplitQuantity(field, text));
  double v = q.number;
  if (q.unit == "%") {
    v /= 100;
  } else if (!q.unit.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a fraction (write 0.5 or 50%)", field, std::string(text)));
  }
  if (v > 1) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is above 1 (100%)", field, std::string(text)));
  }
  return v;
}

Result<LatencySlo> ParseLatencySlo(std::string_view field, std::string_view text) {
  std::string_view t = Trim(text);
  LatencySlo slo;
  std::string_view value = t;
  size_t eq = t.find('=');
  if (eq != std::string_view::npos) {
    std::string_view pct = Trim(t.substr(0, eq));
    value = t.substr(eq + 1);
    bool valid = pct.size() >= 2 && (pct[0] == 'p' || pct[0] == 'P');
    double pv = 0;
    if (valid) {
      auto [ptr, ec] = std::from_chars(pct.data() + 1, pct.data() + pct.size(), pv);
      valid = ec == std::errc() && ptr == pct.data() + pct.size() && pv > 0 && pv < 100;
    }
    if (!valid) {
      return Status::InvalidArgument(
          fmt::format("{}: \"{}\": \"{}\" is not a percentile; write p50, p99 or p99.9", field,
                      std::string(text), std::string(pct)));
    }
    slo.percentile = fmt::format("p{}", pct.substr(1));
  }
  KB_ASSIGN_OR_RETURN(double secs, ParseDurationSeconds(field, value));
  if (secs <= 0) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\": the latency target must be above zero", field, std::string(text)));
  }
  slo.target_ms = secs * 1000;
  return slo;
}

Result<bool> ParseBool(std::string_view field, std::string_view text) {
  std::string_view t = Trim(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return Status::InvalidArgument(
      fmt::format("{}: \"{}\" is not true or false", field, std::string(text)));
}

namespace {

std::string Scaled(double v, std::string_view unit, double base, const char* const* prefixes,
                   int n) {
  int i = 0;
  double a = std::fabs(v);
  while (i + 1 < n && a >= base * 0.9995) {
    a /= base;
    v /= base;
    ++i;
  }
  int decimals = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  if (i == 0 && v == std::floor(v)) decimals = 0;
  return fmt::format("{:.{}f} {}{}", v, decimals, prefixes[i], unit);
}

}  // namespace

std::string FormatBytes(double bytes) {
  static const char* const kPrefix[] = {"", "k", "M", "G", "T", "P", "E"};
  std::string s = Scaled(bytes, "B", 1000, kPrefix, 7);
  // "kB" reads oddly next to MB/GB; Kafka's tools print KB.
  size_t k = s.find(" kB");
  if (k != std::string::npos) s.replace(k, 3, " KB");
  return s;
}

std::string FormatBinaryBytes(double bytes) {
  static const char* const kPrefix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
  return Scaled(bytes, "B", 1024, kPrefix, 6);
}

std::string FormatByteRate(double bytes_per_sec) { return FormatBytes(bytes_per_sec) + "/s"; }

std::string FormatBitRate(double bits_per_sec) {
  static const char* const kPrefix[] = {"", "K", "M", "G", "T"};
  return Scaled(bits_per_sec, "bps", 1000, kPrefix, 5);
}

std::string FormatMessageRate(double msgs_per_sec) {
  if (msgs_per_sec < 10000 && std::fabs(msgs_per_sec - std::round(msgs_per_sec)) < 1e-9) {
    return FormatCount(std::round(msgs_per_sec)) + " msg/s";
  }
  static const char* const kPrefix[] = {"", "k", "M", "G"};
  std::string s = Scaled(msgs_per_sec, "", 1000, kPrefix, 4);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  // "12.3 k" -> "12.3k"
  size_t sp = s.find(' ');
  if (sp != std::string::npos) s.erase(sp, 1);
  return s + " msg/s";
}

std::string FormatDuration(double seconds) {
  if (seconds < 1e-3) return fmt::format("{:.1f} us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.{}f} ms", seconds * 1e3, seconds < 0.01 ? 2 : 1);
  if (seconds < 120) return fmt::format("{:.1f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.1f} min", seconds / 60);
  if (seconds < 2 * 86400) return fmt::format("{:.1f} h", seconds / 3600);
  return fmt::format("{:.1f} d", seconds / 86400);
}

std::string FormatCount(double n) {
  if (n != std::floor(n)) return fmt::format("{:.2f}", n);
  std::string digits = fmt::format("{:.0f}", std::fabs(n));
  std::string out;
  out.reserve(digits.size() + digits.size() / 3 + 1);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return FormatCount(v);
  double a = std::fabs(v);
  if (a >= 100) return fmt::format("{:.1f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  if (a > 0 && a < 0.001) return "<0.001";
  return fmt::format("{:.3g}", v);
}

}  // namespace kbench::sizing
