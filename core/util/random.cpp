#include "util/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace pb::random {

void bytes(unsigned char* buf, size_t n) {
    if (RAND_bytes(buf, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string string(size_t length, std::string_view alphabet) {
    std::string out;
    out.reserve(length);
    const unsigned n = static_cast<unsigned>(alphabet.size());
    const unsigned limit = 256 - (256 % n);  // reject bytes that would bias the result
    unsigned char buf[64];
    while (out.size() < length) {
        bytes(buf, sizeof buf);
        for (unsigned char b : buf) {
            if (b >= limit) continue;
            out.push_back(alphabet[b % n]);
            if (out.size() == length) break;
        }
    }
    return out;
}

std::string recordId() { return string(15, kAlphaNumLower); }

}  // namespace pb::random
