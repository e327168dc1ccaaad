#pragma once
// Message digests and HMAC via OpenSSL. "Hex" variants return lowercase hex.
#include <string>
#include <string_view>

namespace pb::hash {

// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
std::string sha256Hex(std::string_view data);
// Raw 16-byte MD5 digest (not for security: fingerprints, ETags, PocketBase's device hash).
std::string md5(std::string_view data);
std::string md5Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of data under key (any key length, including empty).
std::string hmacSha256(std::string_view key, std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);

// Lowercase hex of arbitrary bytes.
std::string toHex(std::string_view bytes);
// Compares in time independent of the content (the length is not secret).
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace pb::hash
