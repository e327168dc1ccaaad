// JSON body parsing: no crash, depth limit honoured, round trip parse -> dump -> parse -> dump stable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "util/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    pb::json::ParseError err;
    auto v = pb::json::parse(text, &err, 64);
    if (!v) return 0;
    std::string d1 = v->dump();
    auto v2 = pb::json::parse(d1, nullptr, 64);
    FUZZ_CHECK(v2.has_value(), "dump of a parsed value does not parse: %s", d1.c_str());
    std::string d2 = v2->dump();
    FUZZ_CHECK(d1 == d2, "unstable round trip:\n%s\n%s", d1.c_str(), d2.c_str());
    (void)v->dump(true);
    return 0;
}
