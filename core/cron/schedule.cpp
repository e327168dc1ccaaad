#include "cron/schedule.hpp"

#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

namespace pb::cron {

namespace {

struct ParseError {
    std::string message;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
    int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

Civil civilFromDays(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

int64_t floorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

// 1970-01-01 was a Thursday (4).
int weekdayOfDays(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

// Strict non-negative decimal: digits only, no sign, no spaces, not empty.
int parseNumber(std::string_view s, std::string_view field) {
    if (s.empty()) throw ParseError{"empty value in the " + std::string(field) + " field"};
    if (s.size() > 9) throw ParseError{"value \"" + std::string(s) + "\" is too large in the " +
                                       std::string(field) + " field"};
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            throw ParseError{"invalid number \"" + std::string(s) + "\" in the " +
                             std::string(field) + " field"};
        v = v * 10 + (c - '0');
    }
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

struct FieldSpec {
    const char* name;
    int min;
    int max;
};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day", 1, 31},
    {"month", 1, 12},
    {"weekday", 0, 6},
}};

uint64_t parseField(std::string_view segment, const FieldSpec& f) {
    const std::string range = std::to_string(f.min) + "-" + std::to_string(f.max);
    uint64_t mask = 0;
    for (std::string_view item : split(segment, ',')) {
        if (item.empty()) throw ParseError{std::string("empty list item in the ") + f.name + " field"};
        auto stepParts = split(item, '/');
        if (stepParts.size() > 2)
            throw ParseError{"invalid step format \"" + std::string(item) + "\" in the " + f.name +
                             " field - must be */S or A-B/S"};
        int step = 1;
        if (stepParts.size() == 2) {
            step = parseNumber(stepParts[1], f.name);
            if (step < 1 || step > f.max)
                throw ParseError{"invalid step " + std::to_string(step) + " in the " + f.name +
                                 " field - must be between 1 and " + std::to_string(f.max)};
        }
        int lo, hi;
        if (stepParts[0] == "*") {
            lo = f.min;
            hi = f.max;
        } else {
            auto rangeParts = split(stepParts[0], '-');
            if (rangeParts.size() == 1) {
                if (step != 1)
                    throw ParseError{"invalid item \"" + std::string(item) + "\" in the " + f.name +
                                     " field - a step can only follow * or a range A-B"};
                lo = hi = parseNumber(rangeParts[0], f.name);
                if (lo < f.min || lo > f.max)
                    throw ParseError{"value " + std::to_string(lo) + " out of range in the " +
                                     f.name + " field - must be " + range};
            } else if (rangeParts.size() == 2) {
                lo = parseNumber(rangeParts[0], f.name);
                hi = parseNumber(rangeParts[1], f.name);
                if (lo < f.min || lo > f.max || hi < f.min || hi > f.max)
                    throw ParseError{"range \"" + std::string(stepParts[0]) + "\" out of range in the " +
                                     f.name + " field - must be within " + range};
                if (lo > hi)
                    throw ParseError{"invalid range \"" + std::string(stepParts[0]) + "\" in the " +
                                     f.name + " field - start is greater than end"};
            } else {
                throw ParseError{"invalid range \"" + std::string(stepParts[0]) + "\" in the " +
                                 f.name + " field - must be A-B"};
            }
        }
        for (int i = lo; i <= hi; i += step) mask |= uint64_t{1} << i;
    }
    return mask;
}

}  // namespace

std::optional<std::string_view> expandMacro(std::string_view expr) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros{{
        {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
        {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},
        {"@daily", "0 0 * * *"},
        {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    }};
    for (auto& [name, value] : kMacros)
        if (name == expr) return value;
    return std::nullopt;
}

std::optional<Schedule> Schedule::tryParse(std::string_view expr, std::string* error) {
    try {
        std::string_view body = expr;
        if (auto m = expandMacro(expr)) {
            body = *m;
        } else if (!expr.empty() && expr.front() == '@') {
            throw ParseError{"unknown macro"};
        }
        auto segments = split(body, ' ');
        if (segments.size() != 5)
            throw ParseError{"must have exactly 5 fields separated by single spaces"};
        Schedule s;
        s.expr_ = std::string(expr);
        s.minutes_ = parseField(segments[0], kFields[0]);
        s.hours_ = static_cast<uint32_t>(parseField(segments[1], kFields[1]));
        s.days_ = static_cast<uint32_t>(parseField(segments[2], kFields[2]));
        s.months_ = static_cast<uint16_t>(parseField(segments[3], kFields[3]));
        s.weekdays_ = static_cast<uint8_t>(parseField(segments[4], kFields[4]));
        return s;
    } catch (const ParseError& e) {
        if (error) *error = "invalid cron expression \"" + std::string(expr) + "\": " + e.message;
        return std::nullopt;
    }
}

Schedule Schedule::parse(std::string_view expr) {
    std::string err;
    auto s = tryParse(expr, &err);
    if (!s) throw std::invalid_argument(err);
    return std::move(*s);
}

bool Schedule::matches(const std::tm& t) const {
    auto in = [](uint64_t mask, int v, int lo, int hi) {
        return v >= lo && v <= hi && (mask >> v) & 1;
    };
    return in(minutes_, t.tm_min, 0, 59) && in(hours_, t.tm_hour, 0, 23) &&
           in(days_, t.tm_mday, 1, 31) && in(months_, t.tm_mon + 1, 1, 12) &&
           in(weekdays_, t.tm_wday, 0, 6);
}

bool Schedule::matchesAt(int64_t epochSeconds) const { return matches(utcTime(epochSeconds)); }

int64_t Schedule::nextRun(int64_t after) const {
    if (after > INT64_MAX - 120) return -1;
    const int64_t t0 = floorDiv(after, 60) * 60 + 60;
    const int64_t day0 = floorDiv(t0, 86400);
    const int64_t secOfDay = t0 - day0 * 86400;
    const int startHour = static_cast<int>(secOfDay / 3600);
    const int startMin = static_cast<int>((secOfDay % 3600) / 60);
    const int64_t maxDays = int64_t{366} * kMaxSearchYears;

    for (int64_t d = day0; d <= day0 + maxDays; ++d) {
        const Civil c = civilFromDays(d);
        if (!((months_ >> c.month) & 1) || !((days_ >> c.day) & 1) ||
            !((weekdays_ >> weekdayOfDays(d)) & 1))
            continue;
        for (int h = (d == day0 ? startHour : 0); h < 24; ++h) {
            if (!((hours_ >> h) & 1)) continue;
            for (int m = (d == day0 && h == startHour ? startMin : 0); m < 60; ++m) {
                if ((minutes_ >> m) & 1) return d * 86400 + h * 3600 + m * 60;
            }
        }
    }
    return -1;
}

std::tm utcTime(int64_t epochSeconds) {
    const int64_t days = floorDiv(epochSeconds, 86400);
    const int64_t sod = epochSeconds - days * 86400;
    const Civil c = civilFromDays(days);
    std::tm t{};
    t.tm_sec = static_cast<int>(sod % 60);
    t.tm_min = static_cast<int>((sod / 60) % 60);
    t.tm_hour = static_cast<int>(sod / 3600);
    t.tm_mday = static_cast<int>(c.day);
    t.tm_mon = static_cast<int>(c.month) - 1;
    t.tm_year = static_cast<int>(c.year - 1900);
    t.tm_wday = weekdayOfDays(days);
    t.tm_yday = static_cast<int>(days - daysFromCivil(c.year, 1, 1));
    return t;
}

}  // namespace pb::cron
