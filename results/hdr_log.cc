#include "results/hdr_log.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "results/hdr_encoding.h"

namespace kbench::results {
namespace {

std::string IsoUtc(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

bool ParseDouble(std::string_view s, double* out) {
  const std::string copy(s);  // strtod needs a terminator; lines are short
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(copy.c_str(), &end);
  return errno == 0 && end == copy.c_str() + copy.size() && !copy.empty();
}

// "#[StartTime: 1700000000.000 (seconds since epoch), ...]" -> 1700000000.0
bool ParseTimeComment(std::string_view line, std::string_view prefix, double* out) {
  if (line.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = line.substr(prefix.size());
  const size_t end = rest.find_first_of(" ]");
  return ParseDouble(rest.substr(0, end), out);
}

Status ParseIntervalLine(std::string_view line, double base_s, HdrLogInterval* out) {
  if (line.substr(0, 4) == "Tag=") {
    const size_t comma = line.find(',');
    if (comma == std::string_view::npos)
      return Status::Corruption("Tag= without a following field");
    out->tag = std::string(line.substr(4, comma - 4));
    line.remove_prefix(comma + 1);
  }
  std::string_view fields[4];
  for (int i = 0; i < 3; ++i) {
    const size_t comma = line.find(',');
    if (comma == std::string_view::npos) {
      return Status::Corruption("expected start,length,max,histogram");
    }
    fields[i] = line.substr(0, comma);
    line.remove_prefix(comma + 1);
  }
  fields[3] = line;
  double start = 0;
  if (!ParseDouble(fields[0], &start) || !ParseDouble(fields[1], &out->length_s) ||
      !ParseDouble(fields[2], &out->max)) {
    return Status::Corruption("start, length and max must be numbers");
  }
  out->start_s = start + base_s;
  KB_ASSIGN_OR_RETURN(out->histogram, DecodeHdrV2Base64(fields[3]));
  return Status::Ok();
}

}  // namespace

Result<HdrLogWriter> HdrLogWriter::Create(const std::string& path, int64_t start_time_ms,
                                          int64_t base_time_ms,
                                          const std::vector<std::string>& comments) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::FromErrno("cannot create " + path, errno);
  HdrLogWriter w(f, path);
  fmt::print(f, "#[Histogram log format version 1.3]\n");
  fmt::print(f, "#[StartTime: {:.3f} (seconds since epoch), {}]\n", start_time_ms / 1000.0,
             IsoUtc(start_time_ms));
  fmt::print(f, "#[BaseTime: {:.3f} (seconds since epoch)]\n", base_time_ms / 1000.0);
  for (const std::string& c : comments) fmt::print(f, "#{}\n", c);
  fmt::print(f,
             "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_"
             "Histogram\"\n");
  w.base_time_ms_ = base_time_ms;
  if (std::ferror(f)) return Status::IoError("write failed: " + path);
  return w;
}

HdrLogWriter::HdrLogWriter(HdrLogWriter&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      base_time_ms_(other.base_time_ms_) {}

HdrLogWriter& HdrLogWriter::operator=(HdrLogWriter&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    path_ = std::move(other.path_);
    base_time_ms_ = other.base_time_ms_;
  }
  return *this;
}

HdrLogWriter::~HdrLogWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status HdrLogWriter::WriteInterval(const HdrHistogram& h, int64_t start_ms, int64_t length_ms,
                                   std::string_view tag, double max_value_unit_ratio) {
  if (file_ == nullptr) return Status::Internal("hlog writer already closed: " + path_);
  if (tag.find_first_of(", \r\n") != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("hlog tag '{}' contains a comma, space or line break", tag));
  }
  const std::string prefix = tag.empty() ? std::string() : fmt::format("Tag={},", tag);
  fmt::print(file_, "{}{:.3f},{:.3f},{:.3f},{}\n", prefix, (start_ms - base_time_ms_) / 1000.0,
             length_ms / 1000.0, static_cast<double>(h.Max()) / max_value_unit_ratio,
             EncodeHdrV2Base64(h));
  if (std::ferror(file_)) return Status::IoError("write failed: " + path_);
  return Status::Ok();
}

Status HdrLogWriter::Close() {
  if (file_ == nullptr) return Status::Ok();
  const bool failed = std::ferror(file_) != 0;
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (failed || rc != 0) return Status::IoError("write failed: " + path_);
  return Status::Ok();
}

Result<HdrLog> ParseHdrLog(std::string_view text, std::string_view name) {
  HdrLog log;
  bool have_base = false;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '"') continue;  // blank or legend
    if (line[0] == '#') {
      if (ParseTimeComment(line, "#[StartTime: ", &log.start_time_s)) continue;
      if (ParseTimeComment(line, "#[BaseTime: ", &log.base_time_s)) have_base = true;
      continue;
    }
    HdrLogInterval interval;
    // Without BaseTime, HdrHistogram treats timestamps below StartTime as relative to it.
    const double base = have_base ? log.base_time_s : 0.0;
    Status st = ParseIntervalLine(line, base, &interval);
    if (!st.ok()) return Status::Corruption(fmt::format("{}:{}: {}", name, line_no, st.message()));
    if (!have_base && interval.start_s < log.start_time_s) interval.start_s += log.start_time_s;
    log.intervals.push_back(std::move(interval));
  }
  return log;
}

Result<HdrLog> ReadHdrLogFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FromErrno("cannot open " + path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseHdrLog(ss.str(), path);
}

}  // namespace kbench::results
