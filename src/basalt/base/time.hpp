// Datetimes in PocketBase's canonical layout: "2006-01-02 15:04:05.000Z" (UTC, space separator).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace basalt {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

TimePoint Now();

/// Formats as "YYYY-MM-DD HH:MM:SS.sssZ".
std::string FormatDateTime(TimePoint t);

/// The current time, formatted.
inline std::string NowString() { return FormatDateTime(Now()); }

/// Parses the canonical layout and RFC 3339-like variants ("T" or space separator, optional
/// fraction, "Z" or +hh:mm offset, or a bare date). Returns nullopt when unparseable.
std::optional<TimePoint> ParseDateTime(std::string_view s);

/// Seconds since the Unix epoch.
std::int64_t UnixNow();

}  // namespace basalt
