// multipart/form-data: first byte picks the boundary length; the rest is the body. Also the
// Content-Type / Content-Disposition parameter parser. Oracles: no crash; parts are bounded by
// the limits; part data is never larger than the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "util/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view all(reinterpret_cast<const char*>(data), size);
    size_t blen = static_cast<size_t>(data[0] % 72);
    std::string_view rest = all.substr(1);
    std::string_view boundary = rest.substr(0, std::min(blen, rest.size()));
    std::string_view body = rest.substr(boundary.size());

    pb::multipart::Limits lim;
    lim.maxParts = 50;
    auto parts = pb::multipart::parseMultipart(body, boundary, lim);
    if (parts) {
        FUZZ_CHECK(parts->size() <= lim.maxParts, "too many parts: %zu", parts->size());
        for (auto& p : *parts) {
            FUZZ_CHECK(p.data.size() <= body.size(), "part larger than body");
            if (p.filename) FUZZ_CHECK(!p.filename->empty(), "empty filename reported as a file");
        }
    }
    // The whole input as a header value.
    auto mt = pb::multipart::parseMediaType(all);
    if (mt) {
        for (auto& [k, v] : mt->params) (void)mt->param(k);
    }
    auto b = pb::multipart::boundaryFromContentType(all);
    if (b) {
        FUZZ_CHECK(!b->empty() && b->size() <= 70, "bad boundary accepted (len %zu)", b->size());
        FUZZ_CHECK(b->find('\r') == std::string::npos && b->find('\n') == std::string::npos, "CR/LF in boundary");
    }
    return 0;
}
