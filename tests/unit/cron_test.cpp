// Tests for core/cron: expression parsing, matching, nextRun and the scheduler.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cron/cron.hpp"
#include "cron/schedule.hpp"

using pb::cron::Cron;
using pb::cron::Job;
using pb::cron::Schedule;

namespace {

int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
    std::tm t{};
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    t.tm_sec = s;
    return static_cast<int64_t>(timegm(&t));
}

std::string fmt(int64_t epoch) {
    if (epoch < 0) return "-1";
    std::time_t tt = static_cast<std::time_t>(epoch);
    std::tm t{};
    gmtime_r(&tt, &t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &t);
    return buf;
}

uint64_t bits(std::initializer_list<int> values) {
    uint64_t m = 0;
    for (int v : values) m |= uint64_t{1} << v;
    return m;
}

uint64_t rangeBits(int lo, int hi, int step = 1) {
    uint64_t m = 0;
    for (int v = lo; v <= hi; v += step) m |= uint64_t{1} << v;
    return m;
}

// Reference implementation: walk minute by minute.
int64_t bruteNext(const Schedule& s, int64_t after, int64_t limitMinutes) {
    int64_t t = (after >= 0 ? after / 60 : (after - 59) / 60) * 60 + 60;
    for (int64_t i = 0; i < limitMinutes; ++i, t += 60)
        if (s.matchesAt(t)) return t;
    return -1;
}

}  // namespace

// ---------------------------------------------------------------- parsing

TEST(CronSchedule, WildcardAllFields) {
    auto s = Schedule::parse("* * * * *");
    EXPECT_EQ(s.minutesMask(), rangeBits(0, 59));
    EXPECT_EQ(s.hoursMask(), rangeBits(0, 23));
    EXPECT_EQ(s.daysMask(), rangeBits(1, 31));
    EXPECT_EQ(s.monthsMask(), rangeBits(1, 12));
    EXPECT_EQ(s.weekdaysMask(), rangeBits(0, 6));
    EXPECT_EQ(s.expression(), "* * * * *");
}

TEST(CronSchedule, SingleValuesAtBounds) {
    auto lo = Schedule::parse("0 0 1 1 0");
    EXPECT_EQ(lo.minutesMask(), bits({0}));
    EXPECT_EQ(lo.hoursMask(), bits({0}));
    EXPECT_EQ(lo.daysMask(), bits({1}));
    EXPECT_EQ(lo.monthsMask(), bits({1}));
    EXPECT_EQ(lo.weekdaysMask(), bits({0}));
    auto hi = Schedule::parse("59 23 31 12 6");
    EXPECT_EQ(hi.minutesMask(), bits({59}));
    EXPECT_EQ(hi.hoursMask(), bits({23}));
    EXPECT_EQ(hi.daysMask(), bits({31}));
    EXPECT_EQ(hi.monthsMask(), bits({12}));
    EXPECT_EQ(hi.weekdaysMask(), bits({6}));
}

TEST(CronSchedule, StepsOnWildcard) {
    // Same scenario as PocketBase's schedule_test.go.
    auto s = Schedule::parse("*/2 */3 */5 */4 */2");
    EXPECT_EQ(s.minutesMask(), rangeBits(0, 59, 2));
    EXPECT_EQ(s.hoursMask(), rangeBits(0, 23, 3));
    EXPECT_EQ(s.daysMask(), bits({1, 6, 11, 16, 21, 26, 31}));
    EXPECT_EQ(s.monthsMask(), bits({1, 5, 9}));
    EXPECT_EQ(s.weekdaysMask(), bits({0, 2, 4, 6}));
}

TEST(CronSchedule, StepAtFieldMaxIsAllowed) {
    auto s = Schedule::parse("*/59 */23 */31 */12 */6");
    EXPECT_EQ(s.minutesMask(), bits({0, 59}));
    EXPECT_EQ(s.hoursMask(), bits({0, 23}));
    EXPECT_EQ(s.daysMask(), bits({1}));
    EXPECT_EQ(s.monthsMask(), bits({1}));
    EXPECT_EQ(s.weekdaysMask(), bits({0, 6}));
    EXPECT_EQ(Schedule::parse("*/1 * * * *").minutesMask(), rangeBits(0, 59));
}

TEST(CronSchedule, RangesListsAndRangeSteps) {
    EXPECT_EQ(Schedule::parse("1,2,5,7,40-50/2 * * * *").minutesMask(),
              bits({1, 2, 5, 7, 40, 42, 44, 46, 48, 50}));
    EXPECT_EQ(Schedule::parse("* 3,4,8-16/3,7 * * *").hoursMask(), bits({3, 4, 7, 8, 11, 14}));
    EXPECT_EQ(Schedule::parse("* * 5,6,20-30/3,1 * *").daysMask(), bits({1, 5, 6, 20, 23, 26, 29}));
    EXPECT_EQ(Schedule::parse("* * * 1,4,5-10/2 *").monthsMask(), bits({1, 4, 5, 7, 9}));
    EXPECT_EQ(Schedule::parse("* * * * 1-5").weekdaysMask(), bits({1, 2, 3, 4, 5}));
    EXPECT_EQ(Schedule::parse("10-10 * * * *").minutesMask(), bits({10}));
    // Overlapping items and duplicates are fine.
    EXPECT_EQ(Schedule::parse("1,1,0-2,*/30 * * * *").minutesMask(), bits({0, 1, 2, 30}));
    // A step larger than the range keeps just the start.
    EXPECT_EQ(Schedule::parse("5-10/20 * * * *").minutesMask(), bits({5}));
}

TEST(CronSchedule, SingleValueWithStepOneIsAcceptedLikePocketBase) {
    // PocketBase only rejects N/S when S != 1.
    EXPECT_EQ(Schedule::parse("5/1 * * * *").minutesMask(), bits({5}));
}

TEST(CronSchedule, InvalidExpressions) {
    const char* bad[] = {
        // structure
        "", "invalid", "* * * *", "* * * * * *", "*  * * * *", " * * * * *", "* * * * * ",
        "*\t* * * *",
        // N/S
        "2/3 * * * *", "* 1/2 * * *", "* * * * 0/2",
        // minute range
        "-1 * * * *", "60 * * * *", "0-60 * * * *",
        // hour range
        "* -1 * * *", "* 24 * * *", "* 0-24 * * *",
        // day range
        "* * 0 * *", "* * 32 * *", "* * 0-5 * *",
        // month range
        "* * * 0 *", "* * * 13 *", "* * * 1-13 *",
        // weekday range (7 is not Sunday here)
        "* * * * -1", "* * * * 7", "* * * * 0-7",
        // steps
        "*/0 * * * *", "*/60 * * * *", "* */24 * * *", "* * */32 * *", "* * * */13 *",
        "* * * * */7", "1-10/0 * * * *", "*/ * * * *", "*/-1 * * * *", "*/2/3 * * * *",
        "*/a * * * *",
        // ranges
        "5-3 * * * *", "1-2-3 * * * *", "1- * * * *", "-5 * * * *", "*-5 * * * *", "5-* * * * *",
        // numbers
        "a * * * *", "+5 * * * *", "5a * * * *", "0x1 * * * *", "99999999999 * * * *",
        // lists
        "1,,2 * * * *", ",1 * * * *", "1, * * * *", "* * * * ,",
        // macros
        "@every 5m", "@DAILY", "@daily ", " @daily", "@reboot", "@",
    };
    for (const char* expr : bad) {
        EXPECT_THROW(Schedule::parse(expr), std::invalid_argument) << "expr: \"" << expr << "\"";
        std::string err;
        EXPECT_FALSE(Schedule::tryParse(expr, &err).has_value()) << expr;
        EXPECT_FALSE(err.empty()) << expr;
    }
}

TEST(CronSchedule, ErrorMessagesAreClear) {
    auto message = [](const char* expr) {
        try {
            Schedule::parse(expr);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("<no error>");
    };
    auto m = message("* * * *");
    EXPECT_NE(m.find("\"* * * *\""), std::string::npos) << m;
    EXPECT_NE(m.find("5 fields"), std::string::npos) << m;

    m = message("* * * * 7");
    EXPECT_NE(m.find("weekday"), std::string::npos) << m;
    EXPECT_NE(m.find("0-6"), std::string::npos) << m;

    m = message("2/3 * * * *");
    EXPECT_NE(m.find("minute"), std::string::npos) << m;
    EXPECT_NE(m.find("step"), std::string::npos) << m;

    m = message("* */24 * * *");
    EXPECT_NE(m.find("hour"), std::string::npos) << m;
    EXPECT_NE(m.find("between 1 and 23"), std::string::npos) << m;

    m = message("* * 9-2 * *");
    EXPECT_NE(m.find("day"), std::string::npos) << m;

    std::string err;
    EXPECT_FALSE(Schedule::tryParse("* * * 13 *", &err));
    EXPECT_NE(err.find("month"), std::string::npos) << err;
    EXPECT_FALSE(Schedule::tryParse("* * * 13 *"));  // error pointer is optional
}

TEST(CronSchedule, Macros) {
    struct {
        const char* macro;
        const char* expansion;
    } cases[] = {
        {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    };
    for (auto& c : cases) {
        auto m = Schedule::parse(c.macro);
        auto e = Schedule::parse(c.expansion);
        EXPECT_EQ(m.expression(), c.macro);  // kept as given
        EXPECT_EQ(m.minutesMask(), e.minutesMask()) << c.macro;
        EXPECT_EQ(m.hoursMask(), e.hoursMask()) << c.macro;
        EXPECT_EQ(m.daysMask(), e.daysMask()) << c.macro;
        EXPECT_EQ(m.monthsMask(), e.monthsMask()) << c.macro;
        EXPECT_EQ(m.weekdaysMask(), e.weekdaysMask()) << c.macro;
        ASSERT_TRUE(pb::cron::expandMacro(c.macro).has_value());
        EXPECT_EQ(*pb::cron::expandMacro(c.macro), c.expansion);
    }
    EXPECT_FALSE(pb::cron::expandMacro("0 0 * * *").has_value());
    // Next runs of macros.
    const int64_t from = utc(2024, 5, 15, 10, 30);  // a Wednesday
    EXPECT_EQ(fmt(Schedule::parse("@hourly").nextRun(from)), "2024-05-15 11:00:00");
    EXPECT_EQ(fmt(Schedule::parse("@daily").nextRun(from)), "2024-05-16 00:00:00");
    EXPECT_EQ(fmt(Schedule::parse("@weekly").nextRun(from)), "2024-05-19 00:00:00");
    EXPECT_EQ(fmt(Schedule::parse("@monthly").nextRun(from)), "2024-06-01 00:00:00");
    EXPECT_EQ(fmt(Schedule::parse("@yearly").nextRun(from)), "2025-01-01 00:00:00");
}

// ---------------------------------------------------------------- matching

TEST(CronSchedule, MatchesBrokenDownTime) {
    auto s = Schedule::parse("30 14 * * *");
    std::tm t = pb::cron::utcTime(utc(2024, 2, 29, 14, 30, 59));
    EXPECT_TRUE(s.matches(t));
    t.tm_min = 31;
    EXPECT_FALSE(s.matches(t));
    // Out-of-range fields never match (and never read outside the masks).
    t.tm_min = 90;
    EXPECT_FALSE(Schedule::parse("* * * * *").matches(t));
    t.tm_min = -1;
    EXPECT_FALSE(Schedule::parse("* * * * *").matches(t));
}

TEST(CronSchedule, DayAndWeekdayAreAnded) {
    // Friday the 13th: classic cron would fire on every 13th OR every Friday.
    auto s = Schedule::parse("0 0 13 * 5");
    EXPECT_TRUE(s.matchesAt(utc(2024, 9, 13)));    // Friday 13th
    EXPECT_FALSE(s.matchesAt(utc(2024, 10, 13)));  // Sunday 13th
    EXPECT_FALSE(s.matchesAt(utc(2024, 9, 20)));   // Friday 20th
    EXPECT_EQ(fmt(s.nextRun(utc(2024, 9, 13, 0, 0))), "2024-12-13 00:00:00");
    EXPECT_EQ(fmt(s.nextRun(utc(2024, 12, 14))), "2025-06-13 00:00:00");
}

TEST(CronSchedule, WeekdayZeroIsSunday) {
    auto sunday = Schedule::parse("0 12 * * 0");
    EXPECT_TRUE(sunday.matchesAt(utc(2024, 6, 2, 12, 0)));  // Sunday
    EXPECT_FALSE(sunday.matchesAt(utc(2024, 6, 3, 12, 0)));
    auto saturday = Schedule::parse("0 12 * * 6");
    EXPECT_TRUE(saturday.matchesAt(utc(2024, 6, 1, 12, 0)));
}

TEST(CronSchedule, UtcTimeMatchesGmtime) {
    const int64_t samples[] = {0,          59,         60,         86399,      86400,
                               951782400,  951868799,  1709164800, 1709251199, 4107542400,
                               -1,         -86400,     -86401,     253402300799};
    for (int64_t s : samples) {
        std::time_t tt = static_cast<std::time_t>(s);
        std::tm ref{};
        gmtime_r(&tt, &ref);
        std::tm got = pb::cron::utcTime(s);
        EXPECT_EQ(got.tm_sec, ref.tm_sec) << s;
        EXPECT_EQ(got.tm_min, ref.tm_min) << s;
        EXPECT_EQ(got.tm_hour, ref.tm_hour) << s;
        EXPECT_EQ(got.tm_mday, ref.tm_mday) << s;
        EXPECT_EQ(got.tm_mon, ref.tm_mon) << s;
        EXPECT_EQ(got.tm_year, ref.tm_year) << s;
        EXPECT_EQ(got.tm_wday, ref.tm_wday) << s;
        EXPECT_EQ(got.tm_yday, ref.tm_yday) << s;
    }
}

// ---------------------------------------------------------------- nextRun

TEST(CronSchedule, NextRunIsStrictlyAfterAndOnMinuteBoundary) {
    auto every = Schedule::parse("* * * * *");
    EXPECT_EQ(fmt(every.nextRun(utc(2024, 1, 1, 12, 0, 0))), "2024-01-01 12:01:00");
    EXPECT_EQ(fmt(every.nextRun(utc(2024, 1, 1, 12, 0, 30))), "2024-01-01 12:01:00");
    EXPECT_EQ(fmt(every.nextRun(utc(2024, 1, 1, 12, 0, 59))), "2024-01-01 12:01:00");
    EXPECT_EQ(every.nextRun(utc(2024, 1, 1, 12, 0, 0)) % 60, 0);
    auto at = Schedule::parse("30 12 * * *");
    EXPECT_EQ(fmt(at.nextRun(utc(2024, 1, 1, 12, 29, 59))), "2024-01-01 12:30:00");
    EXPECT_EQ(fmt(at.nextRun(utc(2024, 1, 1, 12, 30, 0))), "2024-01-02 12:30:00");
}

TEST(CronSchedule, NextRunAcrossHourDayMonthYear) {
    EXPECT_EQ(fmt(Schedule::parse("*/15 * * * *").nextRun(utc(2024, 3, 10, 23, 50))),
              "2024-03-11 00:00:00");
    EXPECT_EQ(fmt(Schedule::parse("0 0 1 1 *").nextRun(utc(2024, 12, 31, 23, 59))),
              "2025-01-01 00:00:00");
    EXPECT_EQ(fmt(Schedule::parse("59 23 31 12 *").nextRun(utc(2024, 6, 1))),
              "2024-12-31 23:59:00");
    EXPECT_EQ(fmt(Schedule::parse("59 23 31 12 *").nextRun(utc(2024, 12, 31, 23, 59))),
              "2025-12-31 23:59:00");
    // April has 30 days: day 31 skips to May.
    EXPECT_EQ(fmt(Schedule::parse("0 0 31 * *").nextRun(utc(2025, 4, 1))), "2025-05-31 00:00:00");
    // Month list wraps into next year.
    EXPECT_EQ(fmt(Schedule::parse("0 6 1 3,9 *").nextRun(utc(2024, 9, 1, 6, 0))),
              "2025-03-01 06:00:00");
    // Weekdays only: from Saturday to Monday.
    EXPECT_EQ(fmt(Schedule::parse("30 14 * * 1-5").nextRun(utc(2024, 6, 1, 15))),
              "2024-06-03 14:30:00");
    // Hour list later the same day, then next day.
    EXPECT_EQ(fmt(Schedule::parse("5 8,20 * * *").nextRun(utc(2024, 6, 1, 8, 5))),
              "2024-06-01 20:05:00");
    EXPECT_EQ(fmt(Schedule::parse("5 8,20 * * *").nextRun(utc(2024, 6, 1, 20, 5))),
              "2024-06-02 08:05:00");
}

TEST(CronSchedule, NextRunLeapDays) {
    auto leap = Schedule::parse("0 0 29 2 *");
    EXPECT_EQ(fmt(leap.nextRun(utc(2025, 3, 1))), "2028-02-29 00:00:00");
    EXPECT_EQ(fmt(leap.nextRun(utc(2024, 1, 15))), "2024-02-29 00:00:00");
    EXPECT_EQ(fmt(leap.nextRun(utc(2024, 2, 29, 0, 0))), "2028-02-29 00:00:00");
    // 2100 is not a leap year: 2096 -> 2104.
    EXPECT_EQ(fmt(leap.nextRun(utc(2096, 3, 1))), "2104-02-29 00:00:00");
    // 2000 is a leap year.
    EXPECT_EQ(fmt(leap.nextRun(utc(1999, 1, 1))), "2000-02-29 00:00:00");
    // Feb 28 -> Mar 1 in a non-leap year, Feb 29 in a leap year.
    auto late = Schedule::parse("0 12 28-31 2 *");
    EXPECT_EQ(fmt(late.nextRun(utc(2025, 2, 28, 13))), "2026-02-28 12:00:00");
    EXPECT_EQ(fmt(late.nextRun(utc(2024, 2, 28, 13))), "2024-02-29 12:00:00");
    EXPECT_EQ(fmt(Schedule::parse("0 0 1 3 *").nextRun(utc(2024, 2, 29, 23, 59))),
              "2024-03-01 00:00:00");
}

TEST(CronSchedule, NextRunNeverOrTooFarReturnsMinusOne) {
    EXPECT_EQ(Schedule::parse("0 0 30 2 *").nextRun(utc(2025, 1, 1)), -1);
    EXPECT_EQ(Schedule::parse("0 0 31 2 *").nextRun(utc(2025, 1, 1)), -1);
    EXPECT_EQ(Schedule::parse("0 0 31 4,6,9,11 *").nextRun(utc(2025, 1, 1)), -1);
    // Feb 29 on a Monday next happens in 2044: beyond the search window from 2025.
    EXPECT_EQ(Schedule::parse("0 0 29 2 1").nextRun(utc(2025, 1, 1)), -1);
    EXPECT_EQ(fmt(Schedule::parse("0 0 29 2 1").nextRun(utc(2040, 1, 1))), "2044-02-29 00:00:00");
}

TEST(CronSchedule, NextRunAgreesWithMinuteByMinuteSearch) {
    const char* exprs[] = {"*/7 3-5 * * *", "0,30 */6 1-7 * 1", "15 0 * 2 *",
                           "59 23 * * 6",   "1-3,58 * 31 * *",  "@weekly"};
    const int64_t starts[] = {utc(2024, 1, 31, 23, 58, 30), utc(2024, 2, 27, 4, 59),
                              utc(2023, 12, 31, 23, 59, 59), utc(2024, 6, 30, 0, 0)};
    for (const char* expr : exprs) {
        auto s = Schedule::parse(expr);
        for (int64_t start : starts) {
            const int64_t limit = 60 * 24 * 62;
            const int64_t want = bruteNext(s, start, limit);
            const int64_t got = s.nextRun(start);
            if (want >= 0) {
                EXPECT_EQ(fmt(got), fmt(want)) << expr << " from " << fmt(start);
            } else {  // beyond the brute-force window
                EXPECT_GT(got, start + limit * 60) << expr << " from " << fmt(start);
            }
            // Chain a few runs.
            int64_t t = start;
            for (int i = 0; i < 5 && t >= 0; ++i) {
                int64_t n = s.nextRun(t);
                if (n < 0) break;
                EXPECT_TRUE(s.matchesAt(n)) << expr;
                EXPECT_GT(n, t);
                t = n;
            }
        }
    }
}

// ---------------------------------------------------------------- scheduler

TEST(CronScheduler, AddReplaceRemoveTotal) {
    Cron c;
    EXPECT_EQ(c.total(), 0u);
    c.add("a", "* * * * *", [] {});
    c.add("b", "@daily", [] {});
    EXPECT_EQ(c.total(), 2u);
    c.add("a", "0 5 * * *", [] {});  // replace
    EXPECT_EQ(c.total(), 2u);
    auto jobs = c.jobs();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].id, "a");
    EXPECT_EQ(jobs[0].expression, "0 5 * * *");
    EXPECT_EQ(jobs[1].expression, "@daily");

    // A bad expression throws and keeps the old job.
    EXPECT_THROW(c.add("a", "not a cron", [] {}), std::invalid_argument);
    EXPECT_THROW(c.add("x", "* * * * 7", [] {}), std::invalid_argument);
    EXPECT_THROW(c.add("y", "* * * * *", std::function<void()>{}), std::invalid_argument);
    EXPECT_EQ(c.total(), 2u);
    EXPECT_EQ(c.jobs()[0].expression, "0 5 * * *");

    EXPECT_TRUE(c.remove("a"));
    EXPECT_FALSE(c.remove("a"));
    EXPECT_FALSE(c.remove("missing"));
    EXPECT_EQ(c.total(), 1u);
    c.removeAll();
    EXPECT_EQ(c.total(), 0u);
    EXPECT_TRUE(c.jobs().empty());
}

TEST(CronScheduler, JobsSortedByIdWithSystemJobsLast) {
    Cron c;
    for (const char* id : {"__pbOTPCleanup__", "b", "__pbDBOptimize__", "a", "_x", "Z", "__p",
                           "__pbAutoBackup__"})
        c.add(id, "0 0 * * *", [] {});
    std::vector<std::string> ids;
    for (auto& j : c.jobs()) ids.push_back(j.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"Z", "__p", "_x", "a", "b", "__pbAutoBackup__",
                                             "__pbDBOptimize__", "__pbOTPCleanup__"}));
}

TEST(CronScheduler, TickRunsOnlyDueJobs) {
    Cron c;
    std::atomic<int> every{0}, noon{0}, fri13{0}, never{0};
    c.add("every", "* * * * *", [&] { ++every; });
    c.add("noon", "0 12 * * *", [&] { ++noon; });
    c.add("fri13", "0 0 13 * 5", [&] { ++fri13; });
    c.add("never", "0 0 30 2 *", [&] { ++never; });

    EXPECT_EQ(c.tick(utc(2024, 9, 13, 0, 0, 0)), 2u);   // every + fri13
    EXPECT_EQ(c.tick(utc(2024, 9, 13, 12, 0, 42)), 2u);  // every + noon (seconds ignored)
    EXPECT_EQ(c.tick(utc(2024, 10, 13, 0, 0)), 1u);      // Sunday 13th: every only
    c.waitIdle();
    EXPECT_EQ(every, 3);
    EXPECT_EQ(noon, 1);
    EXPECT_EQ(fri13, 1);
    EXPECT_EQ(never, 0);
    EXPECT_EQ(c.running(), 0u);
}

TEST(CronScheduler, ReplacedJobRunsNewFunction) {
    Cron c;
    std::atomic<int> oldRuns{0}, newRuns{0};
    c.add("job", "* * * * *", [&] { ++oldRuns; });
    c.add("job", "* * * * *", [&] { ++newRuns; });
    c.tick(utc(2024, 1, 1));
    c.waitIdle();
    EXPECT_EQ(oldRuns, 0);
    EXPECT_EQ(newRuns, 1);
    c.remove("job");
    EXPECT_EQ(c.tick(utc(2024, 1, 1, 0, 1)), 0u);
}

TEST(CronScheduler, RunNowIsAsyncAndReportsMissing) {
    Cron c;
    std::promise<std::thread::id> ran;
    auto fut = ran.get_future();
    c.add("manual", "0 0 30 2 *", [&] { ran.set_value(std::this_thread::get_id()); });
    EXPECT_TRUE(c.run("manual"));  // works without start()
    ASSERT_EQ(fut.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_NE(fut.get(), std::this_thread::get_id());
    EXPECT_FALSE(c.run("missing"));
    c.waitIdle();
}

TEST(CronScheduler, DueJobsRunConcurrentlyOffTheCaller) {
    // "a" blocks until "b" has run: only possible if they run on separate threads.
    Cron c;
    std::promise<void> bRan;
    auto bFut = bRan.get_future().share();
    std::atomic<bool> aSawB{false};
    c.add("a", "* * * * *", [&] {
        aSawB = bFut.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    });
    c.add("b", "* * * * *", [&] { bRan.set_value(); });
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.tick(utc(2024, 1, 1)), 2u);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));  // async
    c.waitIdle();
    EXPECT_TRUE(aSawB);
}

TEST(CronScheduler, ThrowingJobDoesNotKillScheduler) {
    Cron c;
    std::atomic<int> ok{0};
    c.add("throws", "* * * * *", [] { throw std::runtime_error("job exploded"); });
    c.add("throwsInt", "* * * * *", [] { throw 42; });
    c.add("ok", "* * * * *", [&] { ++ok; });
    testing::internal::CaptureStderr();
    c.tick(utc(2024, 1, 1, 0, 0));
    c.waitIdle();
    c.tick(utc(2024, 1, 1, 0, 1));
    c.waitIdle();
    EXPECT_TRUE(c.run("throws"));
    c.waitIdle();
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(ok, 2);
    EXPECT_NE(err.find("throws"), std::string::npos) << err;
    EXPECT_NE(err.find("job exploded"), std::string::npos) << err;
    EXPECT_NE(err.find("throwsInt"), std::string::npos) << err;
    EXPECT_EQ(c.total(), 3u);
}

TEST(CronScheduler, JobsMayAddAndRemoveJobsWhileRunning) {
    Cron c;
    std::atomic<int> selfRuns{0}, addedRuns{0};
    c.add("self", "* * * * *", [&] {
        ++selfRuns;
        c.remove("self");
        c.add("added", "* * * * *", [&] { ++addedRuns; });
        (void)c.jobs();
        (void)c.total();
    });
    c.tick(utc(2024, 1, 1, 0, 0));
    c.waitIdle();
    c.tick(utc(2024, 1, 1, 0, 1));
    c.waitIdle();
    EXPECT_EQ(selfRuns, 1);
    EXPECT_EQ(addedRuns, 1);
    ASSERT_EQ(c.jobs().size(), 1u);
    EXPECT_EQ(c.jobs()[0].id, "added");
}

TEST(CronScheduler, StartStopIsPromptAndIdempotent) {
    Cron c;
    EXPECT_FALSE(c.hasStarted());
    c.stop();  // stop before start: fine
    c.add("job", "0 0 30 2 *", [] {});
    c.start();
    EXPECT_TRUE(c.hasStarted());
    c.start();  // no-op
    EXPECT_TRUE(c.hasStarted());
    auto t0 = std::chrono::steady_clock::now();
    c.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
    EXPECT_FALSE(c.hasStarted());
    c.stop();
    // Restart works, and jobs survive stop().
    c.start();
    EXPECT_TRUE(c.hasStarted());
    EXPECT_EQ(c.total(), 1u);
    c.stop();
    EXPECT_FALSE(c.hasStarted());
}

TEST(CronScheduler, DestructorStopsRunningTicker) {
    auto t0 = std::chrono::steady_clock::now();
    {
        Cron c;
        c.add("job", "* * * * *", [] {});
        c.start();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
}

TEST(CronScheduler, StopWaitsForRunningJobs) {
    Cron c;
    std::atomic<bool> started{false}, finished{false};
    c.add("slow", "* * * * *", [&] {
        started = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        finished = true;
    });
    c.start();
    c.tick(utc(2024, 1, 1));
    while (!started) std::this_thread::yield();
    EXPECT_EQ(c.running(), 1u);
    c.stop();
    EXPECT_TRUE(finished);
    EXPECT_EQ(c.running(), 0u);
}

TEST(CronScheduler, StopFromInsideAJobDoesNotDeadlock) {
    Cron c;
    std::promise<void> done;
    auto fut = done.get_future();
    c.add("stopper", "* * * * *", [&] {
        c.stop();
        done.set_value();
    });
    c.start();
    c.tick(utc(2024, 1, 1));
    ASSERT_EQ(fut.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_FALSE(c.hasStarted());
    c.waitIdle();
}

TEST(CronScheduler, ConcurrentAddRemoveTickIsSafe) {
    Cron c;
    std::atomic<int> runs{0};
    c.start();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                std::string id = "j" + std::to_string((t * 7 + i) % 10);
                switch (i % 5) {
                    case 0: c.add(id, "* * * * *", [&] { ++runs; }); break;
                    case 1: c.remove(id); break;
                    case 2: (void)c.jobs(); break;
                    case 3: c.tick(utc(2024, 1, 1, 0, i % 60)); break;
                    case 4: c.run(id); break;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    c.stop();
    EXPECT_EQ(c.running(), 0u);
    EXPECT_LE(c.total(), 10u);
    EXPECT_GT(runs.load(), 0);
}

TEST(CronScheduler, RealTickerRunsDueJobsAtIntervalBoundary) {
    // The only test that waits for the real clock: a 1 s interval, so at most ~1 s.
    Cron c;
    EXPECT_EQ(c.interval(), std::chrono::seconds(60));
    EXPECT_THROW(c.setInterval(std::chrono::seconds(0)), std::invalid_argument);
    c.setInterval(std::chrono::seconds(1));
    std::promise<std::thread::id> ran;
    auto fut = ran.get_future();
    std::atomic<bool> first{true};
    c.add("every", "* * * * *", [&] {
        if (first.exchange(false)) ran.set_value(std::this_thread::get_id());
    });
    c.add("never", "0 0 30 2 *", [] { ADD_FAILURE() << "never-due job ran"; });
    c.start();
    ASSERT_EQ(fut.wait_for(std::chrono::milliseconds(1500)), std::future_status::ready);
    EXPECT_NE(fut.get(), std::this_thread::get_id());
    auto t0 = std::chrono::steady_clock::now();
    c.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
}
