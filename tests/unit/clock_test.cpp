// The settable clock (timeutil::setClock / ScopedClock / PB_TEST_NOW) and the date-sensitive code
// that reads it, under the edge clocks of support/edge_clocks.hpp: the filter date macros' exact
// values and the cron ticker's schedule matching across day, month and year boundaries.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "cron/cron.hpp"
#include "filter_test_db.hpp"
#include "support/edge_clocks.hpp"
#include "util/time.hpp"

namespace tu = pb::timeutil;

namespace {

int64_t at(const char* iso) { return *tu::parse(iso); }

}  // namespace

// ---------------------------------------------------------------- the clock itself

TEST(TestClock, FrozenAdvancingAndReset) {
    const int64_t real = tu::nowMillis();
    {
        tu::ScopedClock c(at("2026-12-31 23:59:59.999Z"));
        EXPECT_EQ(tu::now(), "2026-12-31 23:59:59.999Z");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(tu::nowMillis(), at("2026-12-31 23:59:59.999Z"));  // frozen
        EXPECT_EQ(tu::nowSeconds(), at("2026-12-31 23:59:59Z") / 1000);
        tu::setClock(at("1969-12-31 23:59:59.500Z"));  // before the epoch: negative values work
        EXPECT_EQ(tu::now(), "1969-12-31 23:59:59.500Z");
        tu::setClock(at("2028-02-29 23:59:59.900Z"), tu::ClockMode::Advancing);
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        const int64_t moved = tu::nowMillis() - at("2028-02-29 23:59:59.900Z");
        EXPECT_GE(moved, 150);
        EXPECT_LT(moved, 60000);
        EXPECT_EQ(tu::now().substr(0, 10), "2028-03-01");  // advanced past midnight of the leap day
    }
    // Back on the real clock.
    EXPECT_GE(tu::nowMillis(), real);
    EXPECT_LT(tu::nowMillis() - real, 60000);
}

TEST(TestClock, AppliedFromEnvironment) {
    ::setenv("PB_TEST_NOW", "2027-01-01 00:00:00.000Z", 1);
    EXPECT_EQ(tu::applyTestClockFromEnv(), "");
    const int64_t t = tu::nowMillis() - at("2027-01-01 00:00:00.000Z");
    EXPECT_GE(t, 0);  // advancing from that instant
    EXPECT_LT(t, 60000);
    ::setenv("PB_TEST_NOW", "tomorrow", 1);
    EXPECT_NE(tu::applyTestClockFromEnv().find("PB_TEST_NOW"), std::string::npos);
    ::unsetenv("PB_TEST_NOW");
    tu::resetClock();
    EXPECT_EQ(tu::applyTestClockFromEnv(), "");  // unset: the real clock stays
    EXPECT_GT(tu::nowMillis(), at("2020-01-01 00:00:00Z"));
}

// ---------------------------------------------------------------- filter date macros

namespace {

// Expected value of every date macro at one instant (PocketBase: UTC; @yesterday/@tomorrow are
// now -/+ 24 h; @weekday 0 = Sunday).
struct MacroCase {
    const char* clock;
    const char* yesterday;
    const char* tomorrow;
    const char* todayStart;
    const char* todayEnd;
    const char* monthStart;
    const char* monthEnd;
    const char* yearStart;
    const char* yearEnd;
    int second, minute, hour, day, month, weekday, year;
};

const MacroCase kMacroCases[] = {
    {"2026-12-31 23:59:59.999Z", "2026-12-30 23:59:59.999Z", "2027-01-01 23:59:59.999Z", "2026-12-31 00:00:00.000Z",
     "2026-12-31 23:59:59.999Z", "2026-12-01 00:00:00.000Z", "2026-12-31 23:59:59.999Z", "2026-01-01 00:00:00.000Z",
     "2026-12-31 23:59:59.999Z", 59, 59, 23, 31, 12, 4, 2026},
    {"2027-01-01 00:00:00.000Z", "2026-12-31 00:00:00.000Z", "2027-01-02 00:00:00.000Z", "2027-01-01 00:00:00.000Z",
     "2027-01-01 23:59:59.999Z", "2027-01-01 00:00:00.000Z", "2027-01-31 23:59:59.999Z", "2027-01-01 00:00:00.000Z",
     "2027-12-31 23:59:59.999Z", 0, 0, 0, 1, 1, 5, 2027},
    {"2028-02-29 23:59:59.999Z", "2028-02-28 23:59:59.999Z", "2028-03-01 23:59:59.999Z", "2028-02-29 00:00:00.000Z",
     "2028-02-29 23:59:59.999Z", "2028-02-01 00:00:00.000Z", "2028-02-29 23:59:59.999Z", "2028-01-01 00:00:00.000Z",
     "2028-12-31 23:59:59.999Z", 59, 59, 23, 29, 2, 2, 2028},
    {"2027-02-28 12:00:00.000Z", "2027-02-27 12:00:00.000Z", "2027-03-01 12:00:00.000Z", "2027-02-28 00:00:00.000Z",
     "2027-02-28 23:59:59.999Z", "2027-02-01 00:00:00.000Z", "2027-02-28 23:59:59.999Z", "2027-01-01 00:00:00.000Z",
     "2027-12-31 23:59:59.999Z", 0, 0, 12, 28, 2, 0, 2027},
    {"2027-04-30 23:59:59.999Z", "2027-04-29 23:59:59.999Z", "2027-05-01 23:59:59.999Z", "2027-04-30 00:00:00.000Z",
     "2027-04-30 23:59:59.999Z", "2027-04-01 00:00:00.000Z", "2027-04-30 23:59:59.999Z", "2027-01-01 00:00:00.000Z",
     "2027-12-31 23:59:59.999Z", 59, 59, 23, 30, 4, 5, 2027},
    {"2027-01-31 00:00:00.000Z", "2027-01-30 00:00:00.000Z", "2027-02-01 00:00:00.000Z", "2027-01-31 00:00:00.000Z",
     "2027-01-31 23:59:59.999Z", "2027-01-01 00:00:00.000Z", "2027-01-31 23:59:59.999Z", "2027-01-01 00:00:00.000Z",
     "2027-12-31 23:59:59.999Z", 0, 0, 0, 31, 1, 0, 2027},
};

}  // namespace

using FilterMacros = filtertest::FilterDb;

TEST_F(FilterMacros, ExactValuesUnderEdgeClocks) {
    for (const auto& m : kMacroCases) {
        SCOPED_TRACE(m.clock);
        tu::ScopedClock clock(at(m.clock));
        const std::string all = "p1,p2,p3,p4,p5,p6";
        auto is = [](const char* macro, const std::string& v) { return std::string(macro) + " = '" + v + "'"; };
        EXPECT_EQ(ids(is("@now", m.clock)), all);
        EXPECT_EQ(ids(is("@yesterday", m.yesterday)), all);
        EXPECT_EQ(ids(is("@tomorrow", m.tomorrow)), all);
        EXPECT_EQ(ids(is("@todayStart", m.todayStart)), all);
        EXPECT_EQ(ids(is("@todayEnd", m.todayEnd)), all);
        EXPECT_EQ(ids(is("@monthStart", m.monthStart)), all);
        EXPECT_EQ(ids(is("@monthEnd", m.monthEnd)), all);
        EXPECT_EQ(ids(is("@yearStart", m.yearStart)), all);
        EXPECT_EQ(ids(is("@yearEnd", m.yearEnd)), all);
        auto num = [](const char* macro, int v) { return std::string(macro) + " = " + std::to_string(v); };
        EXPECT_EQ(ids(num("@second", m.second)), all);
        EXPECT_EQ(ids(num("@minute", m.minute)), all);
        EXPECT_EQ(ids(num("@hour", m.hour)), all);
        EXPECT_EQ(ids(num("@day", m.day)), all);
        EXPECT_EQ(ids(num("@month", m.month)), all);
        EXPECT_EQ(ids(num("@weekday", m.weekday)), all);
        EXPECT_EQ(ids(num("@year", m.year)), all);
    }
}

// A record dated "today" is found by the @todayStart/@todayEnd window at either end of its day,
// and by @now from the millisecond it was created (p1: 2024-01-02 10:00, p2: 2023-05-06).
TEST_F(FilterMacros, WindowsAtDayEdges) {
    const std::string today = "created >= @todayStart && created <= @todayEnd";
    const std::string year = "created >= @yearStart && created <= @yearEnd";
    const std::string past = "created > '2000' && created <= @now";
    {
        tu::ScopedClock clock(at("2024-01-02 00:00:00.000Z"));
        EXPECT_EQ(ids(today), "p1");
        EXPECT_EQ(ids(year), "p1");
    }
    {
        tu::ScopedClock clock(at("2024-01-02 23:59:59.999Z"));
        EXPECT_EQ(ids(today), "p1");
        EXPECT_EQ(ids(past), "p1,p2");
    }
    {
        tu::ScopedClock clock(at("2024-01-02 09:59:59.999Z"));
        EXPECT_EQ(ids(past), "p2");
    }
    {
        tu::ScopedClock clock(at("2024-01-01 23:59:59.999Z"));
        EXPECT_EQ(ids(today), "");
        EXPECT_EQ(ids(year), "p1");
    }
    {
        tu::ScopedClock clock(at("2023-12-31 23:59:59.999Z"));
        EXPECT_EQ(ids(year), "p2");
    }
}

// ---------------------------------------------------------------- cron ticker

namespace {

struct TickCase {
    const char* start;   // the test clock starts here, advancing: 1.2 s before a day boundary
    const char* before;  // due in the last minute before the boundary
    const char* after;   // due in the first minute after it
    const char* wrong;   // a neighbouring date a broken calendar would pick; never due here
    const char* nextDay;
};

void PrintTo(const TickCase& c, std::ostream* os) { *os << c.start; }

class CronEdgeTicks : public ::testing::TestWithParam<TickCase> {};

std::string tickCaseName(const ::testing::TestParamInfo<TickCase>& info) {
    static const char* const names[] = {"YearEnd", "LeapDay", "EndOfApril", "EndOfJanuary"};
    return names[info.index];
}

}  // namespace

// The ticker takes its boundaries and matching time from the settable clock: a job for the first
// minute of a year, a leap day, or a month runs when the test clock crosses into it.
TEST_P(CronEdgeTicks, TickerFollowsTheSettableClock) {
    const TickCase& tc = GetParam();
    tu::ScopedClock clock(at(tc.start), tu::ClockMode::Advancing);
    std::promise<std::string> beforeRan, afterRan;  // outlive the scheduler (declared first)
    auto beforeFut = beforeRan.get_future(), afterFut = afterRan.get_future();
    pb::cron::Cron c;
    c.setInterval(std::chrono::seconds(1));
    auto once = [](std::promise<std::string>& p) {
        auto flag = std::make_shared<std::atomic<bool>>(false);
        return [&p, flag] {
            if (!flag->exchange(true)) p.set_value(tu::now());
        };
    };
    c.add("before", tc.before, once(beforeRan));
    c.add("after", tc.after, once(afterRan));
    c.add("wrong", tc.wrong, [] { ADD_FAILURE() << "a job for the wrong date ran"; });
    c.start();
    ASSERT_EQ(beforeFut.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    ASSERT_EQ(afterFut.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    const std::string b = beforeFut.get(), a = afterFut.get();  // when each job ran
    EXPECT_LE(b, a);
    EXPECT_EQ(a.substr(0, 10), tc.nextDay) << a;
    c.stop();
}

INSTANTIATE_TEST_SUITE_P(
    Edges, CronEdgeTicks,
    ::testing::Values(TickCase{"2026-12-31 23:59:58.800Z", "59 23 31 12 *", "0 0 1 1 *", "0 0 31 12 *", "2027-01-01"},
                      TickCase{"2028-02-28 23:59:58.800Z", "59 23 28 2 *", "0 0 29 2 *", "0 0 1 3 *", "2028-02-29"},
                      TickCase{"2027-04-30 23:59:58.800Z", "59 23 30 4 *", "0 0 1 5 *", "0 0 31 4 *", "2027-05-01"},
                      TickCase{"2027-01-31 23:59:58.800Z", "59 23 31 1 *", "0 0 1 2 *", "0 0 1 1 *", "2027-02-01"}),
    tickCaseName);
