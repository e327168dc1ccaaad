#include "util/ip.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>

namespace pb::ip {

namespace {

struct Addr {
    std::array<unsigned char, 16> bytes{};
    bool v4 = false;
    size_t size() const { return v4 ? 4 : 16; }
};

std::optional<Addr> parseAddr(std::string_view s, bool allowZone) {
    if (s.empty() || s.size() > 64) return std::nullopt;
    std::string str(s);
    Addr a;
    if (inet_pton(AF_INET, str.c_str(), a.bytes.data()) == 1) {
        a.v4 = true;
        return a;
    }
    if (auto pct = str.find('%'); pct != std::string::npos) {
        if (!allowZone || pct + 1 == str.size()) return std::nullopt;
        str.resize(pct);
    }
    if (inet_pton(AF_INET6, str.c_str(), a.bytes.data()) == 1) return a;
    return std::nullopt;
}

// "::ffff:a.b.c.d" -> a.b.c.d
Addr unmap(Addr a) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a.v4 || std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) != 0) return a;
    Addr v4;
    v4.v4 = true;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    return v4;
}

struct Prefix {
    Addr addr;
    int bits = 0;
};

std::optional<Prefix> parsePrefix(std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = parseAddr(s.substr(0, slash), false);
    auto digits = s.substr(slash + 1);
    if (!addr || digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    int bits = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    if (bits < 0 || bits > static_cast<int>(addr->size() * 8)) return std::nullopt;
    return Prefix{*addr, bits};
}

bool contains(const Prefix& p, const Addr& a) {
    if (p.addr.v4 != a.v4) return false;
    int bits = p.bits;
    for (size_t i = 0; i < a.size() && bits > 0; ++i, bits -= 8) {
        const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
        if ((p.addr.bytes[i] & mask) != (a.bytes[i] & mask)) return false;
    }
    return true;
}

bool sameAddr(const Addr& x, const Addr& y) {
    return x.v4 == y.v4 && std::memcmp(x.bytes.data(), y.bytes.data(), x.size()) == 0;
}

}  // namespace

bool isAddr(std::string_view s) { return parseAddr(s, true).has_value(); }

bool isPrefix(std::string_view s) { return parsePrefix(s).has_value(); }

bool inList(const std::vector<std::string>& list, std::string_view addr) {
    auto a = parseAddr(addr, true);
    if (!a) return false;
    const Addr client = unmap(*a);
    for (const auto& entry : list) {
        if (auto p = parsePrefix(entry)) {
            if (contains(*p, client)) return true;
        } else if (auto e = parseAddr(entry, true); e && sameAddr(unmap(*e), client)) {
            return true;
        }
    }
    return false;
}

}  // namespace pb::ip
