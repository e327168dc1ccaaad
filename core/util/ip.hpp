#pragma once
// IP address and CIDR subnet helpers (Go's netip.ParseAddr / netip.ParsePrefix semantics, as
// PocketBase uses them for settings.superuserIPs and settings.rateLimits.excludedIPs).
#include <string>
#include <string_view>
#include <vector>

namespace pb::ip {

// An individual IPv4/IPv6 address ("10.0.0.1", "::1", "fe80::1%eth0").
bool isAddr(std::string_view s);
// A CIDR subnet ("10.0.0.0/8", "2001:db8::/32"); the prefix length must fit the family.
bool isPrefix(std::string_view s);
// PocketBase's validators.IPOrSubnet: an address or a subnet.
inline bool isAddrOrPrefix(std::string_view s) { return isAddr(s) || isPrefix(s); }

// True when `addr` equals one of the listed addresses or lies in one of the listed subnets.
// An IPv4-mapped IPv6 client address ("::ffff:10.0.0.1") is compared as its IPv4 form.
// Invalid entries and an invalid `addr` never match.
bool inList(const std::vector<std::string>& list, std::string_view addr);

}  // namespace pb::ip
