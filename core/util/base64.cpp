#include "util/base64.hpp"

#include <array>
#include <cstdint>

namespace pb::base64 {
namespace {

constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Reverse lookup table: 0..63 for alphabet characters, -1 for everything else.
using Table = std::array<int8_t, 256>;
constexpr Table makeTable(std::string_view alphabet) {
    Table t{};
    for (auto& v : t) v = -1;
    for (size_t i = 0; i < alphabet.size(); ++i)
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr Table kStdTable = makeTable(kStd);
constexpr Table kUrlTable = makeTable(kUrl);

std::string encodeWith(std::string_view data, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    for (; i + 3 <= data.size(); i += 3) {
        uint32_t n = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        out.push_back(alphabet[(n >> 18) & 63]);
        out.push_back(alphabet[(n >> 12) & 63]);
        out.push_back(alphabet[(n >> 6) & 63]);
        out.push_back(alphabet[n & 63]);
    }
    size_t rest = data.size() - i;
    if (rest == 1) {
        uint32_t n = uint32_t(p[i]) << 16;
        out.push_back(alphabet[(n >> 18) & 63]);
        out.push_back(alphabet[(n >> 12) & 63]);
        if (pad) out += "==";
    } else if (rest == 2) {
        uint32_t n = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        out.push_back(alphabet[(n >> 18) & 63]);
        out.push_back(alphabet[(n >> 12) & 63]);
        out.push_back(alphabet[(n >> 6) & 63]);
        if (pad) out.push_back('=');
    }
    return out;
}

// Decodes unpadded text (padding already stripped by the caller).
std::optional<std::string> decodeWith(std::string_view text, const Table& table) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        int v = table[c];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    // Leftover bits (2 or 4) must be zero, otherwise several encodings would map to the
    // same bytes (signature malleability for JWTs).
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string encode(std::string_view data) { return encodeWith(data, kStd, true); }

std::string encodeUrl(std::string_view data) { return encodeWith(data, kUrl, false); }

std::optional<std::string> decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    std::string_view body = text.substr(0, text.size() - pad);
    // A remaining '=' (e.g. "a===" or "=" in the middle) is rejected by the table lookup.
    // The padding must complete the final quantum exactly: 2 chars + "==", 3 chars + "=".
    if (pad > 0 && body.size() % 4 != 4 - pad) return std::nullopt;
    return decodeWith(body, kStdTable);
}

std::optional<std::string> decodeUrl(std::string_view text) { return decodeWith(text, kUrlTable); }

}  // namespace pb::base64
