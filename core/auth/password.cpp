#include "auth/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "util/hash.hpp"
#include "util/random.hpp"

namespace pb::auth {
namespace {

constexpr size_t kHashLen = 60;  // "$2a$" + "NN$" + 22 salt chars + 31 hash chars

struct CryptDataDeleter {
    void operator()(crypt_data* d) const {
        OPENSSL_cleanse(d, sizeof(crypt_data));
        delete d;
    }
};
using CryptDataPtr = std::unique_ptr<crypt_data, CryptDataDeleter>;

// Zero-initialised on the heap (libxcrypt requires a zeroed struct before first use).
CryptDataPtr newCryptData() { return CryptDataPtr(new crypt_data()); }

bool isBcryptChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '/';
}

// Runs the bcrypt algorithm ("$2b$") with `setting` (whose prefix is replaced by "$2b$").
// Returns the full output, or an empty string on failure.
std::string runCrypt(std::string_view plain, std::string_view setting) {
    std::string phrase(plain.substr(0, kMaxBcryptPasswordBytes));
    std::string s = "$2b$";
    s.append(setting.substr(4));
    auto data = newCryptData();
    const char* out = crypt_rn(phrase.c_str(), s.c_str(), data.get(), sizeof(crypt_data));
    std::string result = (out && out[0] != '*') ? std::string(out) : std::string();
    OPENSSL_cleanse(phrase.data(), phrase.size());
    return result;
}

}  // namespace

int bcryptCost(std::string_view hash) {
    if (hash.size() != kHashLen) return -1;
    if (hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return -1;
    if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return -1;
    if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return -1;
    int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < kMinBcryptCost || cost > kMaxBcryptCost) return -1;
    for (size_t i = 7; i < kHashLen; ++i)
        if (!isBcryptChar(hash[i])) return -1;
    return cost;
}

std::string hashPassword(std::string_view plain, int cost) {
    if (cost < kMinBcryptCost) cost = kDefaultBcryptCost;
    if (cost > kMaxBcryptCost) throw std::invalid_argument("bcrypt cost must be at most 31");
    if (plain.size() > kMaxBcryptPasswordBytes)
        throw std::invalid_argument("password is longer than 72 bytes");
    if (plain.find('\0') != std::string_view::npos)
        throw std::invalid_argument("password contains a NUL byte");

    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // Null random bytes: libxcrypt draws its own entropy from the OS.
    if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                          sizeof setting))
        throw std::runtime_error("crypt_gensalt_rn failed");
    std::string out = runCrypt(plain, setting);
    if (out.size() != kHashLen) throw std::runtime_error("bcrypt hashing failed");
    out[2] = 'a';  // same algorithm; label it the way Go does
    return out;
}

bool verifyPassword(std::string_view plain, std::string_view hash) {
    if (bcryptCost(hash) < 0) return false;
    if (plain.find('\0') != std::string_view::npos) return false;
    std::string out = runCrypt(plain, hash);
    if (out.size() != kHashLen) return false;
    // Compare everything after the variant letter (the prefix was normalised to $2b$).
    return hash::constantTimeEquals(std::string_view(out).substr(3), hash.substr(3));
}

std::string dummyHash(int cost) {
    if (cost < kMinBcryptCost) cost = kDefaultBcryptCost;
    if (cost > kMaxBcryptCost) throw std::invalid_argument("bcrypt cost must be at most 31");
    static std::mutex mu;
    static std::array<std::string, kMaxBcryptCost + 1> byCost;
    std::lock_guard lk(mu);
    auto& h = byCost[static_cast<size_t>(cost)];
    if (h.empty()) h = hashPassword(random::string(24), cost);  // the password is discarded
    return h;
}

}  // namespace pb::auth
