#include <gtest/gtest.h>

#include <random>
#include <string>

#include "util/base64.hpp"
#include "util/hash.hpp"

using namespace std::string_literals;
namespace b64 = pb::base64;

TEST(Base64, Rfc4648Vectors) {
    const std::pair<std::string, std::string> v[] = {
        {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},       {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, enc] : v) {
        EXPECT_EQ(b64::encode(plain), enc);
        ASSERT_TRUE(b64::decode(enc).has_value()) << enc;
        EXPECT_EQ(*b64::decode(enc), plain);
        std::string url = enc;
        while (!url.empty() && url.back() == '=') url.pop_back();
        EXPECT_EQ(b64::encodeUrl(plain), url);
        ASSERT_TRUE(b64::decodeUrl(url).has_value()) << url;
        EXPECT_EQ(*b64::decodeUrl(url), plain);
    }
}

TEST(Base64, AlphabetsDiffer) {
    const std::string bytes = "\xfb\xff\xbf"s;
    EXPECT_EQ(b64::encode(bytes), "+/+/");
    EXPECT_EQ(b64::encodeUrl(bytes), "-_-_");
    EXPECT_EQ(*b64::decode("+/+/"), bytes);
    EXPECT_EQ(*b64::decodeUrl("-_-_"), bytes);
    EXPECT_FALSE(b64::decode("-_-_"));
    EXPECT_FALSE(b64::decodeUrl("+/+/"));
}

TEST(Base64, AllByteValuesRoundTrip) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (size_t len = 0; len <= all.size(); ++len) {
        std::string s = all.substr(256 - len);
        EXPECT_EQ(*b64::decode(b64::encode(s)), s);
        EXPECT_EQ(*b64::decodeUrl(b64::encodeUrl(s)), s);
    }
}

TEST(Base64, RandomRoundTrip) {
    std::mt19937 rng(42);
    for (int i = 0; i < 500; ++i) {
        std::string s(rng() % 100, '\0');
        for (auto& c : s) c = static_cast<char>(rng());
        std::string e = b64::encode(s), u = b64::encodeUrl(s);
        EXPECT_EQ(e.size() % 4, 0u);
        EXPECT_EQ(u.find('='), std::string::npos);
        EXPECT_EQ(*b64::decode(e), s);
        EXPECT_EQ(*b64::decodeUrl(u), s);
    }
}

TEST(Base64, StdRejectsBadPadding) {
    EXPECT_FALSE(b64::decode("Zg"));     // padding required
    EXPECT_FALSE(b64::decode("Zg="));    // wrong length
    EXPECT_FALSE(b64::decode("Zg==="));
    EXPECT_FALSE(b64::decode("Z==="));
    EXPECT_FALSE(b64::decode("===="));
    EXPECT_FALSE(b64::decode("Zm8=Zm8="));  // padding in the middle
    EXPECT_FALSE(b64::decode("Z=g="));
    EXPECT_FALSE(b64::decode("Zm9=v"));
    EXPECT_FALSE(b64::decode("="));
}

TEST(Base64, RejectsInvalidCharacters) {
    for (std::string bad : {"Zm9v!"s, "Zm 9v"s, "Zm9v\n"s, "Zm\x00v"s, "Zm9\xff"s, "Zm.v"s, "\tZm9v"s}) {
        EXPECT_FALSE(b64::decode(bad)) << bad;
        EXPECT_FALSE(b64::decodeUrl(bad)) << bad;
    }
}

TEST(Base64, UrlRejectsPaddingAndImpossibleLengths) {
    EXPECT_FALSE(b64::decodeUrl("Zg=="));
    EXPECT_FALSE(b64::decodeUrl("Zm8="));
    EXPECT_FALSE(b64::decodeUrl("Z"));      // 1 mod 4 can never be produced
    EXPECT_FALSE(b64::decodeUrl("Zm9vY"));
    EXPECT_TRUE(b64::decodeUrl("").has_value());
    EXPECT_EQ(*b64::decodeUrl(""), "");
}

TEST(Base64, RejectsNonCanonicalTrailingBits) {
    // "Zg" is 'f'; "Zh" carries the same byte plus non-zero leftover bits.
    EXPECT_EQ(*b64::decodeUrl("Zg"), "f");
    EXPECT_FALSE(b64::decodeUrl("Zh"));
    EXPECT_FALSE(b64::decode("Zh=="));
    EXPECT_EQ(*b64::decodeUrl("Zm8"), "fo");
    EXPECT_FALSE(b64::decodeUrl("Zm9"));
    EXPECT_FALSE(b64::decode("Zm9="));
}

TEST(Hash, Sha256) {
    EXPECT_EQ(pb::hash::sha256Hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(pb::hash::sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(pb::hash::sha256("abc").size(), 32u);
    EXPECT_EQ(pb::hash::toHex(pb::hash::sha256("abc")), pb::hash::sha256Hex("abc"));
}

TEST(Hash, Md5) {
    EXPECT_EQ(pb::hash::md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(pb::hash::md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(pb::hash::md5("abc").size(), 16u);
}

TEST(Hash, HmacSha256Rfc4231) {
    // RFC 4231 test case 2.
    EXPECT_EQ(pb::hash::hmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 1: key = 20 x 0x0b.
    EXPECT_EQ(pb::hash::hmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Empty key is allowed.
    EXPECT_EQ(pb::hash::hmacSha256("", "x").size(), 32u);
}

TEST(Hash, ConstantTimeEquals) {
    EXPECT_TRUE(pb::hash::constantTimeEquals("", ""));
    EXPECT_TRUE(pb::hash::constantTimeEquals("abc", "abc"));
    EXPECT_FALSE(pb::hash::constantTimeEquals("abc", "abd"));
    EXPECT_FALSE(pb::hash::constantTimeEquals("abc", "abcd"));
    EXPECT_TRUE(pb::hash::constantTimeEquals("a\0b"s, "a\0b"s));
    EXPECT_FALSE(pb::hash::constantTimeEquals("a\0b"s, "a\0c"s));
}

TEST(Hash, PkceS256Challenge) {
    // RFC 7636 appendix B.
    EXPECT_EQ(b64::encodeUrl(pb::hash::sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
