#pragma once
// Bounds what thumbnail generation may cost the server. The decode cap and header check live in
// thumbs.cpp; this adds the limits across requests:
//   - decode slots: at most `slots` decodes at once and at most `pixelBudget` declared source
//     pixels in flight (a decoded pixel costs libgd 4 bytes, plus the decoder's own buffers); a
//     request that cannot get a slot within `wait` (0 in the server) serves the original
//     instead of holding its worker;
//   - refusals: a source that could not be made into a thumbnail (over the cap, malformed) is
//     remembered, bounded to `maxRefusals` entries (oldest forgotten first), so it is not
//     re-read and re-decoded on every request.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "files/storage.hpp"
#include "files/thumbs.hpp"

namespace pb::files {

class ThumbGate {
public:
    struct Limits {
        int slots = 4;
        uint64_t pixelBudget = 60ull * 1000 * 1000;
        // 0 in the server: a worker never waits for a slot (the request serves the original).
        std::chrono::milliseconds wait{0};
        size_t maxRefusals = 1024;
    };

    // Held while decoding; releases its share of the budget when destroyed.
    class Slot {
    public:
        Slot(ThumbGate* g, uint64_t pixels) : gate_(g), pixels_(pixels) {}
        Slot(Slot&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)), pixels_(o.pixels_) {}
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        Slot& operator=(Slot&&) = delete;
        ~Slot();

    private:
        ThumbGate* gate_;
        uint64_t pixels_;
    };

    explicit ThumbGate(Limits limits);

    // Waits up to limits.wait for a slot with room for `pixels` (a source larger than the whole
    // budget is charged the whole budget, so it runs alone). nullopt = busy.
    std::optional<Slot> acquire(uint64_t pixels);

    bool refused(const std::string& key) const;
    void refuse(const std::string& key);

private:
    void release(uint64_t pixels);

    const Limits limits_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    int active_ = 0;
    uint64_t pixelsInFlight_ = 0;
    std::unordered_set<std::string> refused_;
    std::deque<std::string> refusedOrder_;
};

// The process-wide gate used by /api/files.
ThumbGate& thumbGate();

// The thumbnail at thumbPath from storage, or made now from `data` through the gate and stored
// there (a failed write is reported to logError and the thumbnail still returned). nullopt means
// "serve the original", as PocketBase does when it cannot make a thumb: the source was refused
// (now or before) or no decode slot freed up in time.
std::optional<std::string> cachedOrNewThumb(ThumbGate& gate, const Storage& storage, const std::string& thumbPath,
                                            std::string_view data, std::string_view mime, const ThumbSpec& spec,
                                            const std::function<void(const std::string&)>& logError);

}  // namespace pb::files
