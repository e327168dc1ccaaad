#pragma once
// The instants at which date-sensitive tests run (issue 13, item 1), set through the app's
// settable clock (timeutil::ScopedClock in-process, PB_TEST_NOW for a `pb serve` child): the last
// millisecond of a year, the first of the next, the last of a leap day, and the last days of a
// 30-day and a 31-day month. Tests use these instead of "today", so they hold on any date.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "util/time.hpp"

namespace pbtest {

struct EdgeClock {
    const char* name;
    const char* iso;  // PocketBase's date format
};

inline constexpr EdgeClock kEdgeClocks[] = {
    {"LastMsOfYear", "2026-12-31 23:59:59.999Z"},
    {"NewYear", "2027-01-01 00:00:00.000Z"},
    {"LeapDayEnd", "2028-02-29 23:59:59.999Z"},
    {"LastOfApril", "2027-04-30 23:59:59.999Z"},
    {"LastOfJanuary", "2027-01-31 00:00:00.000Z"},
};

inline int64_t edgeMillis(const EdgeClock& c) {
    auto ms = pb::timeutil::parse(c.iso);
    if (!ms) throw std::logic_error(std::string("bad edge clock ") + c.iso);
    return *ms;
}

// The environment entry that starts a `pb serve` child's clock at this instant.
inline std::string testNowEnv(const EdgeClock& c) { return std::string("PB_TEST_NOW=") + c.iso; }

}  // namespace pbtest
