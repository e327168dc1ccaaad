#pragma once
// PocketBase-compatible cron expressions (PocketBase tools/cron/schedule.go). Generic tool: no
// domain types.
//
// An expression is 5 fields separated by single spaces:
//   minute 0-59, hour 0-23, day of month 1-31, month 1-12, weekday 0-6 (0 = Sunday).
// Each field is a comma list of items; an item is `*`, `N`, `A-B`, `*/S` or `A-B/S`.
//   - S must be between 1 and the field's max (e.g. 1..59 for minutes, 1..6 for weekdays).
//   - `N/S` with S > 1 is an error. (`N/1` is accepted and means N, exactly as PocketBase's
//     parser does.)
//   - A > B, values outside the field range, empty items, signs and non-digits are errors.
// Macros (the whole expression): @yearly/@annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
// @weekly = "0 0 * * 0", @daily/@midnight = "0 0 * * *", @hourly = "0 * * * *".
//
// A time matches only when ALL five fields match: day of month and weekday are ANDed, not ORed
// as in classic cron. All times are UTC.
//
// Errors: Schedule::parse throws std::invalid_argument whose what() is a human-readable message
// naming the expression and the problem; Schedule::tryParse returns std::nullopt and fills
// *error instead.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace pb::cron {

class Schedule {
public:
    // nextRun() looks this many years ahead before giving up. 8 years covers every
    // Feb-29-only schedule, including the gap around non-leap century years (2096 -> 2104).
    static constexpr int kMaxSearchYears = 8;

    // Parses an expression or macro. Throws std::invalid_argument on a bad expression.
    static Schedule parse(std::string_view expr);
    // Non-throwing variant: nullopt on error, with the message in *error when error != nullptr.
    static std::optional<Schedule> tryParse(std::string_view expr, std::string* error = nullptr);

    // The expression exactly as given (a macro stays a macro, e.g. "@daily").
    const std::string& expression() const { return expr_; }

    // Uses tm_min, tm_hour, tm_mday, tm_mon (0-11), tm_wday (0 = Sunday) of a UTC broken-down
    // time; seconds and the year are ignored. Out-of-range fields never match.
    bool matches(const std::tm& utc) const;
    // Same for a unix time (seconds, UTC); the seconds within the minute are ignored.
    bool matchesAt(int64_t epochSeconds) const;

    // The smallest minute boundary (epoch seconds, UTC, a multiple of 60) strictly greater than
    // afterEpochSeconds that matches, or -1 when none exists within kMaxSearchYears
    // (e.g. "0 0 30 2 *", which never matches).
    int64_t nextRun(int64_t afterEpochSeconds) const;

    // Field membership, for introspection and tests: bit i set = value i allowed.
    uint64_t minutesMask() const { return minutes_; }
    uint32_t hoursMask() const { return hours_; }
    uint32_t daysMask() const { return days_; }      // bits 1..31
    uint16_t monthsMask() const { return months_; }  // bits 1..12
    uint8_t weekdaysMask() const { return weekdays_; }

private:
    Schedule() = default;
    std::string expr_;
    uint64_t minutes_ = 0;
    uint32_t hours_ = 0;
    uint32_t days_ = 0;
    uint16_t months_ = 0;
    uint8_t weekdays_ = 0;
};

// Expands a macro ("@daily" -> "0 0 * * *"); returns nullopt for anything else.
std::optional<std::string_view> expandMacro(std::string_view expr);

// Broken-down UTC time of a unix time (independent of the process TZ; no libc state).
std::tm utcTime(int64_t epochSeconds);

}  // namespace pb::cron
