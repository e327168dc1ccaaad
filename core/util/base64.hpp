#pragma once
// Base64 (RFC 4648). Two alphabets:
//  - standard ("+/") with '=' padding, as Go's base64.StdEncoding;
//  - URL-safe ("-_") without padding, as Go's base64.RawURLEncoding (JWT segments, PKCE).
// Decoding is strict: characters outside the alphabet, whitespace, wrong padding and
// non-canonical trailing bits are all rejected (std::nullopt). Encoding never fails.
#include <optional>
#include <string>
#include <string_view>

namespace pb::base64 {

// Standard alphabet, padded with '=' to a multiple of 4 characters.
std::string encode(std::string_view data);
// Standard alphabet; the input length must be a multiple of 4 and padding must be correct.
std::optional<std::string> decode(std::string_view text);

// URL-safe alphabet, no padding.
std::string encodeUrl(std::string_view data);
// URL-safe alphabet; padding ('=') is rejected, as is a length of 1 (mod 4).
std::optional<std::string> decodeUrl(std::string_view text);

}  // namespace pb::base64
