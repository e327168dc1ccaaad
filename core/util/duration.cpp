#include "util/duration.hpp"

#include <cctype>
#include <cstdint>

namespace pb {

std::optional<std::chrono::milliseconds> parseDuration(const std::string& s) {
    if (s.empty()) return std::nullopt;
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double v = 0;
    try {
        v = std::stod(s.substr(0, i));
    } catch (...) {
        return std::nullopt;
    }
    std::string unit = s.substr(i);
    double ms = 0;
    if (unit.empty() || unit == "s") ms = v * 1000;
    else if (unit == "ms") ms = v;
    else if (unit == "m") ms = v * 60000;
    else return std::nullopt;
    if (ms < 0 || ms > 24.0 * 3600 * 1000) return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

}  // namespace pb
