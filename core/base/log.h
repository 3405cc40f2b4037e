// Logging to stderr, one line per call, safe from any thread:
//   2026-11-21T23:40:01.123Z WARN  broker.1 ISR for orders-0 shrank from [1,2,3] to [1,3]
//
// log::Warn("broker.1", "ISR for {} shrank ...", tp, ...). Level from SetLevel() or KBENCH_LOG_LEVEL
// (debug|info|warn|error|off). Tests may install a sink to capture lines.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string_view>

namespace kbench::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
inline bool Enabled(Level level) { return level >= GetLevel(); }
// Parses "debug", "info", "warn", "error", "off"; false when unknown.
bool ParseLevel(std::string_view name, Level* out);

// Replaces stderr as the destination (nullptr restores stderr). The sink gets the formatted line.
using Sink = std::function<void(Level, std::string_view component, std::string_view message)>;
void SetSink(Sink sink);

void Write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void Debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (Enabled(Level::kError)) Write(Level::kError, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace kbench::log
