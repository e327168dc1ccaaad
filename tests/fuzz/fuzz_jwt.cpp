// JWT parsing/verification. Oracles: no crash; a token that verifies under one secret never
// verifies under another (the signature is really checked, alg is pinned); "alg" other than
// HS256 never verifies; an empty secret never verifies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view tok(reinterpret_cast<const char*>(data), size);
    auto claims = pb::auth::parseUnverified(tok);
    if (claims) FUZZ_CHECK(claims->isObject(), "claims are not an object");
    constexpr int64_t now = 1700000000;
    auto a = pb::auth::verifyJwt(tok, "fuzz-secret-A", now);
    auto b = pb::auth::verifyJwt(tok, "fuzz-secret-B", now);
    FUZZ_CHECK(!(a && b), "one token verified under two secrets");
    FUZZ_CHECK(!pb::auth::verifyJwt(tok, "", now), "verified with an empty secret");
    // Re-signing the parsed claims must produce a token that verifies (when it has a future exp).
    if (claims && claims->isObject()) {
        pb::json::Value c = *claims;
        c.set("exp", static_cast<double>(now + 100));
        c.erase("nbf");
        std::string t = pb::auth::signJwt(c, "fuzz-secret-A");
        FUZZ_CHECK(pb::auth::verifyJwt(t, "fuzz-secret-A", now).has_value(), "own token does not verify: %s", t.c_str());
        FUZZ_CHECK(!pb::auth::verifyJwt(t, "fuzz-secret-B", now).has_value(), "own token verifies under another key");
    }
    return 0;
}
