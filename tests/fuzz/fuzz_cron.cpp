// Cron expressions. Oracles: no crash; a parsed schedule's nextRun is a future minute boundary
// that matches, or -1.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cron/schedule.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 256) return 0;
    std::string_view s(reinterpret_cast<const char*>(data), size);
    std::string err;
    auto sch = pb::cron::Schedule::tryParse(s, &err);
    if (!sch) return 0;
    const int64_t after = 1700000000 + static_cast<int64_t>(size) * 3607;
    int64_t next = sch->nextRun(after);
    if (next != -1) {
        FUZZ_CHECK(next > after, "nextRun not in the future");
        FUZZ_CHECK(next % 60 == 0, "nextRun not on a minute boundary");
        FUZZ_CHECK(sch->matchesAt(next), "nextRun does not match: %s", std::string(s).c_str());
    }
    return 0;
}
