#include "auth/jwt.hpp"

#include <algorithm>
#include <stdexcept>

#include "util/base64.hpp"
#include "util/hash.hpp"

namespace pb::auth {
namespace {

// base64url('{"alg":"HS256","typ":"JWT"}'), the header golang-jwt emits for HS256.
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

// Object keys sorted recursively, like Go's json.Marshal of map[string]any.
json::Value sortedKeys(const json::Value& v) {
    if (v.isArray()) {
        json::Array out;
        out.reserve(v.asArray().size());
        for (const auto& item : v.asArray()) out.push_back(sortedKeys(item));
        return json::Value(std::move(out));
    }
    if (v.isObject()) {
        json::Object out;
        out.reserve(v.asObject().size());
        for (const auto& [k, item] : v.asObject()) out.emplace_back(k, sortedKeys(item));
        std::stable_sort(out.begin(), out.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        return json::Value(std::move(out));
    }
    return v;
}

void appendEscape(std::string& out, uint32_t unit) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 15]);
}

// Length and code point of the UTF-8 sequence at s[i], or 0 when invalid (overlong,
// surrogate, > U+10FFFF or truncated).
size_t decodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t min;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

// Rewrites compact JSON so that every byte is printable ASCII other than '?' and '~'
// (those bytes, DEL and non-ASCII are the only ones whose base64 encoding can contain
// 62 or 63, i.e. '-' or '_' in base64url). Outside strings compact JSON never contains
// them, and no escape sequence contains them, so a plain byte scan is enough.
// Invalid UTF-8 becomes U+FFFD, as Go's encoder does.
std::string atobSafe(std::string_view jsonText) {
    std::string out;
    out.reserve(jsonText.size() + 16);
    for (size_t i = 0; i < jsonText.size();) {
        auto c = static_cast<unsigned char>(jsonText[i]);
        if (c == '?' || c == '~' || c == 0x7f) {
            appendEscape(out, c);
            ++i;
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else {
            uint32_t cp = 0;
            size_t len = decodeUtf8(jsonText, i, cp);
            if (len == 0) {
                appendEscape(out, 0xfffd);
                ++i;
                continue;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                appendEscape(out, 0xd800 + (cp >> 10));
                appendEscape(out, 0xdc00 + (cp & 0x3ff));
            } else {
                appendEscape(out, cp);
            }
            i += len;
        }
    }
    return out;
}

struct Segments {
    std::string_view header, payload, signature, signingInput;
};

std::optional<Segments> split(std::string_view token) {
    size_t d1 = token.find('.');
    if (d1 == std::string_view::npos) return std::nullopt;
    size_t d2 = token.find('.', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    if (token.find('.', d2 + 1) != std::string_view::npos) return std::nullopt;
    Segments s;
    s.header = token.substr(0, d1);
    s.payload = token.substr(d1 + 1, d2 - d1 - 1);
    s.signature = token.substr(d2 + 1);
    s.signingInput = token.substr(0, d2);
    if (s.header.empty() || s.payload.empty()) return std::nullopt;
    return s;
}

std::optional<json::Value> decodeObject(std::string_view segment) {
    auto raw = base64::decodeUrl(segment);
    if (!raw) return std::nullopt;
    auto v = json::parse(*raw, nullptr, 64);
    if (!v || !v->isObject()) return std::nullopt;
    return v;
}

}  // namespace

std::string signJwt(const json::Value& claims, std::string_view secret) {
    if (!claims.isObject()) throw std::invalid_argument("jwt claims must be a JSON object");
    if (secret.empty()) throw std::invalid_argument("jwt secret must not be empty");
    std::string token(kHeaderB64);
    token.push_back('.');
    token += base64::encodeUrl(atobSafe(sortedKeys(claims).dump(true)));
    std::string sig = hash::hmacSha256(secret, token);
    token.push_back('.');
    token += base64::encodeUrl(sig);
    return token;
}

std::optional<json::Value> parseUnverified(std::string_view token) {
    auto seg = split(token);
    if (!seg) return std::nullopt;
    if (!decodeObject(seg->header)) return std::nullopt;
    return decodeObject(seg->payload);
}

std::optional<json::Value> verifyJwt(std::string_view token, std::string_view secret,
                                     int64_t nowSeconds) {
    if (secret.empty()) return std::nullopt;
    auto seg = split(token);
    if (!seg) return std::nullopt;

    auto header = decodeObject(seg->header);
    if (!header) return std::nullopt;
    const json::Value* alg = header->find("alg");
    if (!alg || !alg->isString() || alg->asString() != "HS256") return std::nullopt;

    auto sig = base64::decodeUrl(seg->signature);
    if (!sig || sig->size() != 32) return std::nullopt;
    if (!hash::constantTimeEquals(*sig, hash::hmacSha256(secret, seg->signingInput)))
        return std::nullopt;

    auto claims = decodeObject(seg->payload);
    if (!claims) return std::nullopt;
    const auto now = static_cast<double>(nowSeconds);
    const json::Value* exp = claims->find("exp");
    if (!exp || !exp->isNumber() || !(now < exp->asNumber())) return std::nullopt;
    if (const json::Value* nbf = claims->find("nbf")) {
        if (!nbf->isNumber() || now < nbf->asNumber()) return std::nullopt;
    }
    return claims;
}

}  // namespace pb::auth
