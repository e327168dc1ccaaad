#pragma once
// Durations as the command line and the environment write them (`--plugin-deadline`,
// PB_PLUGIN_DEADLINE): "10s", "500ms", "2m", "1.5s", or a bare number of seconds; "0" is zero.
// Negative values and values over 24 h are invalid.
#include <chrono>
#include <optional>
#include <string>

namespace pb {

// nullopt = invalid.
std::optional<std::chrono::milliseconds> parseDuration(const std::string& s);

}  // namespace pb
