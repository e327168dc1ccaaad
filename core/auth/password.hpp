#pragma once
// bcrypt password hashing via libxcrypt, interoperable with Go's golang.org/x/crypto/bcrypt
// (what PocketBase uses) and npm bcryptjs.
//
// Prefixes: Go emits "$2a$"; libxcrypt's "$2a$" is Openwall's variant with an extra
// countermeasure that changes the result for a few rare 8-bit passwords, while Go, bcryptjs
// and libxcrypt's "$2b$"/"$2y$" all run the plain (correct) algorithm. So we always compute
// with the "$2b$" algorithm: hashPassword() labels its output "$2a$" (byte-for-byte what Go
// would produce for the same salt), and verifyPassword() accepts "$2a$", "$2b$" and "$2y$"
// and computes all three the Go way.
//
// Length: bcrypt only uses the first 72 bytes of a password. hashPassword() rejects longer
// passwords (like Go's ErrPasswordTooLong); verifyPassword() silently uses the first 72
// bytes (like Go's CompareHashAndPassword). PocketBase's password field already caps
// passwords at 71 bytes through validation, so the API layer never gets here with more.
// NUL bytes cannot be passed to crypt(3): hashPassword() throws, verifyPassword() fails.
//
// Each call allocates libxcrypt's ~32 KB `struct crypt_data` on the heap and wipes it
// afterwards. Cost 10 takes ~45 ms: call these from the worker pool, not the reactor.
#include <string>
#include <string_view>

namespace pb::auth {

inline constexpr int kDefaultBcryptCost = 10;
inline constexpr int kMinBcryptCost = 4;
inline constexpr int kMaxBcryptCost = 31;
inline constexpr size_t kMaxBcryptPasswordBytes = 72;

// Returns a 60-char "$2a$<cost>$..." hash with a fresh random salt.
// cost < 4 falls back to 10 (like Go); cost > 31 throws std::invalid_argument.
// Throws std::invalid_argument when plain is longer than 72 bytes or contains a NUL byte,
// std::runtime_error when libxcrypt fails.
std::string hashPassword(std::string_view plain, int cost = kDefaultBcryptCost);

// True when `hash` is a well-formed "$2a$"/"$2b$"/"$2y$" bcrypt hash of `plain`.
// The final comparison is constant-time. Never throws for bad input; returns false.
bool verifyPassword(std::string_view plain, std::string_view hash);

// A valid bcrypt hash, at `cost`, of an unguessable password. When the identity does not exist,
// run verifyPassword(input, dummyHash(cost of the real hashes)) so the response takes as long
// as a real check. Made once per cost (the first call per cost pays one hashing).
std::string dummyHash(int cost = kDefaultBcryptCost);

// The cost of a bcrypt hash, or -1 when the hash is not well formed.
int bcryptCost(std::string_view hash);

}  // namespace pb::auth
