// Query-string / percent decoding and the header/name normalisers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "util/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view s(reinterpret_cast<const char*>(data), size);
    std::string a = pb::str::urlDecode(s, true);
    std::string b = pb::str::urlDecode(s, false);
    FUZZ_CHECK(a.size() <= s.size() && b.size() <= s.size(), "decoding grew the input");
    // Encoding then decoding is the identity.
    std::string enc = pb::str::urlEncode(s);
    FUZZ_CHECK(pb::str::urlDecode(enc, true) == s, "urlDecode(urlEncode(x)) != x");
    FUZZ_CHECK(pb::str::urlDecode(enc, false) == s, "urlDecode(urlEncode(x), false) != x");
    auto q = pb::str::parseQuery(s);
    size_t total = 0;
    for (auto& [k, v] : q) total += k.size() + v.size();
    FUZZ_CHECK(total <= s.size(), "parseQuery produced more bytes than its input");
    (void)pb::str::headerToSnake(s);
    (void)pb::str::snakeCase(s);
    (void)pb::str::validUtf8(s);
    return 0;
}
