#include "util/time.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "util/strings.hpp"

namespace pb::timeutil {

namespace {

int64_t realMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One word holds the whole override so a reader never pairs a new mode with an old value:
// mode in the low 2 bits (0 real, 1 frozen, 2 advancing), the value (frozen: the instant;
// advancing: the offset from the real clock) in the rest. Epoch milliseconds fit easily in 62 bits.
std::atomic<int64_t> gClock{0};

constexpr int64_t kReal = 0, kFrozen = 1, kAdvancing = 2;

}  // namespace

int64_t nowMillis() {
    const int64_t c = gClock.load(std::memory_order_acquire);
    const int64_t mode = c & 3;
    const int64_t value = c >> 2;  // arithmetic shift: offsets may be negative
    if (mode == kFrozen) return value;
    if (mode == kAdvancing) return realMillis() + value;
    return realMillis();
}

void setClock(int64_t epochMs, ClockMode mode) {
    const int64_t value = mode == ClockMode::Frozen ? epochMs : epochMs - realMillis();
    const int64_t tag = mode == ClockMode::Frozen ? kFrozen : kAdvancing;
    gClock.store(static_cast<int64_t>(static_cast<uint64_t>(value) << 2) | tag, std::memory_order_release);
}

void resetClock() { gClock.store(kReal, std::memory_order_release); }

std::string applyTestClockFromEnv() {
    const char* v = std::getenv("PB_TEST_NOW");
    if (!v || !*v) return "";
    auto ms = parse(v);
    if (!ms) return std::string("PB_TEST_NOW: not a date-time: \"") + v + "\"";
    setClock(*ms, ClockMode::Advancing);
    return "";
}

int64_t nowSeconds() { return nowMillis() / 1000; }

std::string formatMillis(int64_t ms) {
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int millis = static_cast<int>(ms - secs * 1000);
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

std::string now() { return formatMillis(nowMillis()); }

static bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

std::optional<int64_t> parse(std::string_view in) {
    auto s = str::trim(in);
    if (s.empty()) return std::nullopt;
    // Unix number (seconds).
    bool allDigits = true;
    for (size_t i = 0; i < s.size(); ++i)
        if (!(s[i] >= '0' && s[i] <= '9') && !(i == 0 && s[i] == '-')) allDigits = false;
    if (allDigits && s.size() < 19) return static_cast<int64_t>(std::stoll(std::string(s))) * 1000;

    int Y, M, D, h = 0, m = 0, sec = 0;
    if (!digits(s, 0, 4, Y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
        !digits(s, 8, 2, D))
        return std::nullopt;
    size_t p = 10;
    int millis = 0;
    int offsetMin = 0;
    if (p < s.size()) {
        if (s[p] != ' ' && s[p] != 'T') return std::nullopt;
        ++p;
        if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, m))
            return std::nullopt;
        p += 5;
        if (p < s.size() && s[p] == ':') {
            if (!digits(s, p + 1, 2, sec)) return std::nullopt;
            p += 3;
        }
        if (p < s.size() && s[p] == '.') {
            ++p;
            int n = 0;
            while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
                if (n < 3) millis = millis * 10 + (s[p] - '0');
                ++n;
                ++p;
            }
            if (n == 0) return std::nullopt;
            for (int k = n; k < 3; ++k) millis *= 10;
        }
        if (p < s.size()) {
            if (s[p] == 'Z' || s[p] == 'z') {
                ++p;
            } else if (s[p] == '+' || s[p] == '-') {
                int oh, om;
                int sign = s[p] == '-' ? -1 : 1;
                if (!digits(s, p + 1, 2, oh)) return std::nullopt;
                size_t q = p + 3;
                if (q < s.size() && s[q] == ':') ++q;
                if (!digits(s, q, 2, om)) return std::nullopt;
                offsetMin = sign * (oh * 60 + om);
                p = q + 2;
            }
        }
        if (p != s.size()) return std::nullopt;
    }
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    std::time_t t = timegm(&tm);
    return (static_cast<int64_t>(t) - offsetMin * 60) * 1000 + millis;
}

std::optional<std::string> normalize(std::string_view s) {
    if (str::trim(s).empty()) return std::string();
    auto ms = parse(s);
    if (!ms) return std::nullopt;
    return formatMillis(*ms);
}

}  // namespace pb::timeutil
