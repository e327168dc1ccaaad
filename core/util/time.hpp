#pragma once
// UTC date-time helpers in PocketBase's format "YYYY-MM-DD HH:MM:SS.mmmZ".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pb::timeutil {

// Milliseconds since the unix epoch: the real clock, or the test clock below when one is set.
// Every date-sensitive path (filter date macros, cron ticks, token expiry, OTP/MFA windows,
// log retention, backup names, mail Date headers) reads the time through here.
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

// ---- settable clock (tests only) ----
// A process-wide override of nowMillis(): Frozen stays at epochMs; Advancing starts at epochMs
// and then moves with the real clock (what a server under test needs: timers and windows still
// run). Thread-safe; readers see either the old or the new clock.
enum class ClockMode { Frozen, Advancing };
void setClock(int64_t epochMs, ClockMode mode = ClockMode::Frozen);
void resetClock();  // back to the real clock
// PB_TEST_NOW (set only by tests, docs/reliability.md): when the variable is set, the process
// clock starts at that instant (any form parse() accepts) and advances. Returns an error message
// for a value that does not parse, empty otherwise.
std::string applyTestClockFromEnv();

// RAII for tests: sets the clock, restores the real one when it goes out of scope.
class ScopedClock {
public:
    explicit ScopedClock(int64_t epochMs, ClockMode mode = ClockMode::Frozen) { setClock(epochMs, mode); }
    ~ScopedClock() { resetClock(); }
    ScopedClock(const ScopedClock&) = delete;
    ScopedClock& operator=(const ScopedClock&) = delete;
};

}  // namespace pb::timeutil
