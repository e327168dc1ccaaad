#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "auth/jwt.hpp"
#include "util/base64.hpp"
#include "util/json.hpp"

using namespace std::string_literals;
using pb::auth::parseUnverified;
using pb::auth::signJwt;
using pb::auth::verifyJwt;
namespace json = pb::json;
namespace b64 = pb::base64;

namespace {

constexpr int64_t kNow = 1'900'000'000;

// A token built by hand with OpenSSL: any header/payload text, HMAC with the given digest.
std::string handToken(const std::string& header, const std::string& payload,
                      const std::string& secret, const EVP_MD* md = EVP_sha256()) {
    std::string input = b64::encodeUrl(header) + "." + b64::encodeUrl(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return input + "." + b64::encodeUrl(std::string(reinterpret_cast<char*>(mac), len));
}

const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

json::Value authClaims(double exp) {
    json::Value c = json::Value::object();
    c.set("id", "abc123def456ghi");
    c.set("collectionId", "_pb_users_auth_");
    c.set("type", "auth");
    c.set("refreshable", true);
    c.set("exp", exp);
    return c;
}

std::string segment(const std::string& token, int i) {
    size_t a = 0;
    for (int k = 0; k < i; ++k) a = token.find('.', a) + 1;
    size_t b = token.find('.', a);
    return token.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

}  // namespace

TEST(Jwt, SignVerifyRoundTrip) {
    auto claims = authClaims(2'000'000'000);
    std::string token = signJwt(claims, "secret");
    auto out = verifyJwt(token, "secret", kNow);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->find("id")->asString(), "abc123def456ghi");
    EXPECT_EQ(out->find("collectionId")->asString(), "_pb_users_auth_");
    EXPECT_EQ(out->find("type")->asString(), "auth");
    EXPECT_TRUE(out->find("refreshable")->asBool());
    EXPECT_EQ(out->find("exp")->asNumber(), 2'000'000'000);
}

TEST(Jwt, OutputMatchesGoLayoutAndHandBuiltToken) {
    std::string token = signJwt(authClaims(2'000'000'000), "k3y");
    // golang-jwt's header; claims keys sorted like Go's map encoding, exp as an integer.
    const std::string payload =
        R"({"collectionId":"_pb_users_auth_","exp":2000000000,"id":"abc123def456ghi",)"
        R"("refreshable":true,"type":"auth"})";
    EXPECT_EQ(segment(token, 0), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    EXPECT_EQ(*b64::decodeUrl(segment(token, 1)), payload);
    EXPECT_EQ(token, handToken(kHs256Header, payload, "k3y"));
}

TEST(Jwt, VerifiesJwtIoExampleSignatureButRequiresExp) {
    // https://jwt.io default example; it has no exp, which PocketBase requires.
    const std::string token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    auto claims = parseUnverified(token);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->find("name")->asString(), "John Doe");
    EXPECT_EQ(claims->find("iat")->asNumber(), 1516239022);
    EXPECT_FALSE(verifyJwt(token, "your-256-bit-secret", kNow));
    // Same signature construction reproduces the published signature byte for byte.
    EXPECT_EQ(handToken(kHs256Header, *b64::decodeUrl(segment(token, 1)), "your-256-bit-secret"),
              token);
}

TEST(Jwt, VerifiesTokenFromNodeJsonwebtoken) {
    // jsonwebtoken@9: jwt.sign({id,collectionId,type,refreshable,exp:2e9}, "secret-key",
    // {noTimestamp:true}); keys are NOT sorted there, which must not matter.
    const std::string token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJpZCI6ImFiYzEyM2RlZjQ1NmdoaSIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsInR5cGUiOiJhdXRo"
        "IiwicmVmcmVzaGFibGUiOnRydWUsImV4cCI6MjAwMDAwMDAwMH0."
        "geJA9Oekv2avV8RY-UctB3FZywa5pZKAJb3vvSLzR_U";
    auto out = verifyJwt(token, "secret-key", kNow);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->find("id")->asString(), "abc123def456ghi");
    EXPECT_FALSE(verifyJwt(token, "secret-kez", kNow));
    EXPECT_FALSE(verifyJwt(token, "secret-key", 2'000'000'000));
}

TEST(Jwt, RejectsWrongSecret) {
    std::string token = signJwt(authClaims(2'000'000'000), "tokenKeyA" "collectionSecret");
    EXPECT_FALSE(verifyJwt(token, "tokenKeyB" "collectionSecret", kNow));
    EXPECT_FALSE(verifyJwt(token, "", kNow));
    EXPECT_FALSE(verifyJwt(token, "tokenKeyAcollectionSecre", kNow));
}

TEST(Jwt, EmptySecretOrNonObjectClaimsCannotSign) {
    EXPECT_THROW(signJwt(authClaims(1), ""), std::invalid_argument);
    EXPECT_THROW(signJwt(json::Value(json::Array{}), "s"), std::invalid_argument);
    EXPECT_THROW(signJwt(json::Value("x"), "s"), std::invalid_argument);
}

TEST(Jwt, ExpiryIsChecked) {
    EXPECT_TRUE(verifyJwt(signJwt(authClaims(kNow + 1), "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(signJwt(authClaims(kNow), "s"), "s", kNow));  // exp == now: expired
    EXPECT_FALSE(verifyJwt(signJwt(authClaims(kNow - 1), "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(signJwt(authClaims(0), "s"), "s", kNow));
    EXPECT_TRUE(verifyJwt(signJwt(authClaims(kNow + 0.5), "s"), "s", kNow));
}

TEST(Jwt, ExpMustBePresentAndNumeric) {
    auto noExp = authClaims(0);
    noExp.erase("exp");
    EXPECT_FALSE(verifyJwt(signJwt(noExp, "s"), "s", kNow));
    for (json::Value bad : {json::Value("2000000000"), json::Value(nullptr), json::Value(true),
                            json::Value(json::Array{})}) {
        auto c = authClaims(0);
        c.set("exp", bad);
        EXPECT_FALSE(verifyJwt(signJwt(c, "s"), "s", kNow)) << bad.dump();
    }
}

TEST(Jwt, NotBeforeIsChecked) {
    auto c = authClaims(kNow + 100);
    c.set("nbf", kNow + 10);
    EXPECT_FALSE(verifyJwt(signJwt(c, "s"), "s", kNow));
    c.set("nbf", kNow);
    EXPECT_TRUE(verifyJwt(signJwt(c, "s"), "s", kNow));
    c.set("nbf", "soon");
    EXPECT_FALSE(verifyJwt(signJwt(c, "s"), "s", kNow));
}

TEST(Jwt, RejectsTamperedPayload) {
    std::string token = signJwt(authClaims(2'000'000'000), "s");
    auto other = authClaims(2'000'000'000);
    other.set("id", "someoneelse0000");
    std::string forged = signJwt(other, "s");
    std::string spliced = segment(token, 0) + "." + segment(forged, 1) + "." + segment(token, 2);
    EXPECT_FALSE(verifyJwt(spliced, "s", kNow));
    // parseUnverified does not check the signature (by design).
    EXPECT_EQ(parseUnverified(spliced)->find("id")->asString(), "someoneelse0000");
}

TEST(Jwt, RejectsTamperedSignatureAtEveryPosition) {
    std::string token = signJwt(authClaims(2'000'000'000), "s");
    size_t sigStart = token.rfind('.') + 1;
    for (size_t i = sigStart; i < token.size(); ++i) {
        std::string t = token;
        t[i] = t[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(verifyJwt(t, "s", kNow)) << i;
    }
    // Any other flipped character (header, dots, payload) fails too.
    for (size_t i = 0; i < sigStart; ++i) {
        std::string t = token;
        t[i] = t[i] == 'x' ? 'y' : 'x';
        EXPECT_FALSE(verifyJwt(t, "s", kNow)) << i;
    }
    EXPECT_FALSE(verifyJwt(token.substr(0, token.size() - 1), "s", kNow));
    EXPECT_FALSE(verifyJwt(token + "A", "s", kNow));
    EXPECT_FALSE(verifyJwt(token.substr(0, sigStart), "s", kNow));  // empty signature
}

TEST(Jwt, RejectsAlgNone) {
    const std::string payload = R"({"exp":2000000000,"id":"x"})";
    const std::string none =
        b64::encodeUrl(R"({"alg":"none","typ":"JWT"})") + "." + b64::encodeUrl(payload) + ".";
    EXPECT_FALSE(verifyJwt(none, "s", kNow));
    // Even with a correct HMAC over the input, alg must say HS256.
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"none","typ":"JWT"})", payload, "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"None"})", payload, "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"typ":"JWT"})", payload, "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"hs256"})", payload, "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":["HS256"]})", payload, "s"), "s", kNow));
    // Control: the same construction with HS256 passes (typ is optional, like golang-jwt).
    EXPECT_TRUE(verifyJwt(handToken(R"({"alg":"HS256"})", payload, "s"), "s", kNow));
    EXPECT_TRUE(verifyJwt(handToken(kHs256Header, payload, "s"), "s", kNow));
}

TEST(Jwt, RejectsOtherAlgorithms) {
    const std::string payload = R"({"exp":2000000000})";
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"HS512","typ":"JWT"})", payload, "s", EVP_sha512()),
                           "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"HS512","typ":"JWT"})", payload, "s"), "s", kNow));
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"HS384","typ":"JWT"})", payload, "s", EVP_sha384()),
                           "s", kNow));
    // RS256 "key confusion": HMAC keyed with what would be the public key.
    EXPECT_FALSE(verifyJwt(handToken(R"({"alg":"RS256","typ":"JWT"})", payload, "s"), "s", kNow));
    // A header with the right alg but an HS512-sized signature.
    EXPECT_FALSE(verifyJwt(handToken(kHs256Header, payload, "s", EVP_sha512()), "s", kNow));
}

TEST(Jwt, RejectsNonObjectClaimsAndHeaders) {
    for (std::string payload : {"[1,2]", "123", "\"str\"", "null", "{", "", "{\"exp\":1e99}x"}) {
        EXPECT_FALSE(verifyJwt(handToken(kHs256Header, payload, "s"), "s", kNow)) << payload;
        EXPECT_FALSE(parseUnverified(handToken(kHs256Header, payload, "s"))) << payload;
    }
    const std::string payload = R"({"exp":2000000000})";
    for (std::string header : {"[\"HS256\"]", "HS256", "", "{\"alg\":\"HS256\""}) {
        EXPECT_FALSE(verifyJwt(handToken(header, payload, "s"), "s", kNow)) << header;
        EXPECT_FALSE(parseUnverified(handToken(header, payload, "s"))) << header;
    }
}

TEST(Jwt, RejectsMalformedStructure) {
    std::string token = signJwt(authClaims(2'000'000'000), "s");
    std::string h = segment(token, 0), p = segment(token, 1), s = segment(token, 2);
    for (std::string bad :
         {""s, "."s, ".."s, "..."s, h, h + "." + p, h + "." + p + "." + s + "." + s,
          h + "." + p + "." + s + ".", "." + p + "." + s, h + ".." + s, " " + token, token + " ",
          token + "\n", "Bearer " + token, h + "=." + p + "." + s, h + "." + p + "=." + s,
          h + "." + p + "." + s + "=", h + "." + p + "." + b64::encode(*b64::decodeUrl(s)),
          std::string(token).replace(3, 1, "\0"s), "not-a-jwt"s, "a.b.c"s}) {
        EXPECT_FALSE(verifyJwt(bad, "s", kNow)) << bad;
    }
    EXPECT_FALSE(parseUnverified(h + "." + p));
    EXPECT_FALSE(parseUnverified("a.b.c"));
    EXPECT_FALSE(parseUnverified(""));
    EXPECT_TRUE(parseUnverified(token));
}

TEST(Jwt, ParseUnverifiedIgnoresSignatureAndExpiry) {
    std::string token = signJwt(authClaims(1), "whatever");
    auto claims = parseUnverified(token);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->find("collectionId")->asString(), "_pb_users_auth_");
    EXPECT_FALSE(verifyJwt(token, "whatever", kNow));
}

// The JS SDK's getTokenPayload (src/tools/jwt.ts): the SDK decodes the payload with atob(), which rejects '-' and '_'.
TEST(Jwt, PayloadSegmentIsAtobSafe) {
    auto check = [](const json::Value& claims) {
        std::string token = signJwt(claims, "s");
        std::string p = segment(token, 1);
        EXPECT_EQ(p.find_first_of("-_"), std::string::npos) << claims.dump() << " -> " << p;
        auto out = verifyJwt(token, "s", kNow);
        EXPECT_TRUE(out.has_value()) << claims.dump();
        return out;
    };
    // Every ASCII character at every offset mod 3 (the payload's byte alignment).
    for (int c = 0; c < 128; ++c) {
        for (int pad = 0; pad < 3; ++pad) {
            auto claims = authClaims(2'000'000'000);
            std::string s = std::string(static_cast<size_t>(pad), 'a') + static_cast<char>(c) +
                            std::string(3, static_cast<char>(c));
            claims.set("email", s);
            auto out = check(claims);
            if (out) {
                EXPECT_EQ(out->find("email")->asString(), s) << c;
            }
        }
    }
    // Non-ASCII text survives as \u escapes (astral characters as surrogate pairs).
    for (std::string s : {"\xc3\xa9t\xc3\xa9"s, "\xe2\x82\xac?"s, "\xf0\x9f\x98\x80~"s, "a>b<c&d"s,
                          "\xe4\xb8\xad\xe6\x96\x87"s}) {
        for (int pad = 0; pad < 3; ++pad) {
            auto claims = authClaims(2'000'000'000);
            claims.set("name", std::string(static_cast<size_t>(pad), 'x') + s);
            auto out = check(claims);
            if (out) {
                EXPECT_EQ(out->find("name")->asString(), std::string(pad, 'x') + s);
            }
        }
    }
    // Invalid UTF-8 becomes U+FFFD, like Go's encoder.
    auto claims = authClaims(2'000'000'000);
    claims.set("name", "a\xff" "b\xc3");
    auto out = check(claims);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->find("name")->asString(), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    // Non-ASCII keys and nested values are covered too; nested keys are sorted.
    auto nested = authClaims(2'000'000'000);
    json::Value inner = json::Value::object();
    inner.set("z\xc3\xa9", "?~");
    inner.set("a", json::Value(json::Array{json::Value("\xe2\x82\xac"), json::Value(1)}));
    nested.set("meta", inner);
    auto n = check(nested);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->find("meta")->asObject().front().first, "a");
    EXPECT_EQ(n->find("meta")->find("z\xc3\xa9")->asString(), "?~");
}
