#pragma once
// UTC date-time helpers in PocketBase's format "YYYY-MM-DD HH:MM:SS.mmmZ".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pb::timeutil {

// Milliseconds since the unix epoch.
int64_t nowMillis();
int64_t nowSeconds();
// Formats epoch milliseconds as "2006-01-02 15:04:05.000Z".
std::string formatMillis(int64_t ms);
std::string now();
// Parses "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|±HH:MM]", "YYYY-MM-DD" or a unix number.
// Returns epoch milliseconds (sub-millisecond precision truncated).
std::optional<int64_t> parse(std::string_view s);
// Normalises any accepted input to PocketBase's format; empty input stays empty.
std::optional<std::string> normalize(std::string_view s);

}  // namespace pb::timeutil
