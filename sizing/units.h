// Strict parsing and printing of the quantities sizing works with: sizes, byte rates, message
// rates, durations, bit rates, counts, fractions and latency SLOs.
//
// Every parser takes the name of the field it is parsing ("--msg-size", "msg_size in req.yaml") and
// puts it in the error, so a bad value is always reported against what the user typed. A size or
// rate without a unit is an error ("300" could be bytes, KB or MB); so is an unknown unit
// ("300MB/q").
//
// Units (decimal like Kafka's tools: 1 MB = 10^6 bytes; binary with "i": 1 MiB = 2^20 bytes):
//   sizes      B, KB/kB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB
//   rates      a size or count over a time: "/s", "/sec", "/min", "/h", "/d" (also "MBps"); bit
//   rates
//              Kbps/Mbps/Gbps/Tbps or "Gb/s" (1 Gbps = 1.25e8 bytes/s)
//   counts     plain, or with k (10^3), M (10^6), G (10^9); optional word
//   msgs/msg/messages/rec/records/events durations  ms, s, m/min, h, d, w
//
// All functions are pure and thread-safe. Results are in base units: bytes, bytes/s, messages/s,
// seconds, bits/s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace kbench::sizing {

// A throughput that is either bytes/s or messages/s (a consumer's processing rate may be given
// either way).
struct Rate {
  enum class Kind { kBytes, kMessages };
  double per_sec = 0;
  Kind kind = Kind::kBytes;
};

// A latency objective: percentile label ("p99", "p99.9") and target in milliseconds.
struct LatencySlo {
  std::string percentile = "p99";
  double target_ms = 0;
};

Result<double> ParseBytes(std::string_view field, std::string_view text);
Result<double> ParseByteRate(std::string_view field, std::string_view text);
Result<double> ParseMessageRate(std::string_view field, std::string_view text);
// Bytes/s or messages/s, whichever the text is ("10MB/s", "100/s", "100 rec/s").
Result<Rate> ParseRate(std::string_view field, std::string_view text);
Result<double> ParseDurationSeconds(std::string_view field, std::string_view text);
// A link speed in bits/s ("10Gbps", "25 Gb/s"); a byte rate ("1.25GB/s") is converted.
Result<double> ParseBitRate(std::string_view field, std::string_view text);
// A whole, non-negative count ("3", "4000", "2k").
Result<int64_t> ParseCount(std::string_view field, std::string_view text);
// A positive multiplier ("1.5", "2x").
Result<double> ParseFactor(std::string_view field, std::string_view text);
// A fraction in [0, 1] ("0.5" or "50%").
Result<double> ParseFraction(std::string_view field, std::string_view text);
// "p99=50ms", "p99.9=20ms", "50ms" (p99 implied).
Result<LatencySlo> ParseLatencySlo(std::string_view field, std::string_view text);
Result<bool> ParseBool(std::string_view field, std::string_view text);

// Human-readable output, decimal units: "1.20 TB", "300 MB/s", "10 Gbps", "5.0 s", "12.3k msg/s".
std::string FormatBytes(double bytes);
std::string FormatBinaryBytes(double bytes);  // "32 GiB", "1.5 GiB": memory sizes
std::string FormatByteRate(double bytes_per_sec);
std::string FormatBitRate(double bits_per_sec);
std::string FormatMessageRate(double msgs_per_sec);
std::string FormatDuration(double seconds);
std::string FormatCount(double n);   // "1,000", "3,000,000"; fractions keep two decimals
std::string FormatNumber(double v);  // compact: 3 significant figures, no unit

}  // namespace kbench::sizing
