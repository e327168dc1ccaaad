#pragma once
// Cryptographically secure random strings (OpenSSL RAND_bytes, rejection sampling).
#include <string>
#include <string_view>

namespace pb::random {

inline constexpr std::string_view kAlphaNumLower = "abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kAlphaNum =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

std::string string(size_t length, std::string_view alphabet = kAlphaNum);
// A record id: 15 chars of [a-z0-9].
std::string recordId();
// Fills buf with random bytes.
void bytes(unsigned char* buf, size_t n);

}  // namespace pb::random
