#include "files/thumb_gate.hpp"

#include <algorithm>

namespace pb::files {

ThumbGate::Slot::~Slot() {
    if (gate_) gate_->release(pixels_);
}

ThumbGate::ThumbGate(Limits limits) : limits_(limits) {}

std::optional<ThumbGate::Slot> ThumbGate::acquire(uint64_t pixels) {
    pixels = std::min(pixels, limits_.pixelBudget);
    std::unique_lock lk(mu_);
    const bool ok = cv_.wait_for(lk, limits_.wait, [&] {
        return active_ < limits_.slots && pixelsInFlight_ + pixels <= limits_.pixelBudget;
    });
    if (!ok) return std::nullopt;
    ++active_;
    pixelsInFlight_ += pixels;
    return Slot(this, pixels);
}

void ThumbGate::release(uint64_t pixels) {
    {
        std::lock_guard lk(mu_);
        --active_;
        pixelsInFlight_ -= pixels;
    }
    cv_.notify_all();  // waiters need different amounts of room
}

bool ThumbGate::refused(const std::string& key) const {
    std::lock_guard lk(mu_);
    return refused_.count(key) > 0;
}

void ThumbGate::refuse(const std::string& key) {
    std::lock_guard lk(mu_);
    if (limits_.maxRefusals == 0 || !refused_.insert(key).second) return;
    refusedOrder_.push_back(key);
    while (refusedOrder_.size() > limits_.maxRefusals) {
        refused_.erase(refusedOrder_.front());
        refusedOrder_.pop_front();
    }
}

ThumbGate& thumbGate() {
    static ThumbGate gate{ThumbGate::Limits{}};
    return gate;
}

std::optional<std::string> cachedOrNewThumb(ThumbGate& gate, const Storage& storage, const std::string& thumbPath,
                                            std::string_view data, std::string_view mime, const ThumbSpec& spec,
                                            const std::function<void(const std::string&)>& logError) {
    if (auto cached = Storage::read(thumbPath)) return cached;
    // Stored names are never reused for other content, so the path and size identify the source.
    const std::string key = thumbPath + "\n" + std::to_string(data.size());
    if (gate.refused(key)) return std::nullopt;
    auto size = thumbSourceSize(data);
    if (!size) {
        gate.refuse(key);
        return std::nullopt;
    }
    auto slot = gate.acquire(static_cast<uint64_t>(size->width) * size->height);
    if (!slot) return std::nullopt;  // busy: not a refusal, a later request may succeed
    // Another request may have made it while this one waited for the slot.
    if (auto cached = Storage::read(thumbPath)) return cached;
    auto made = makeThumb(data, mime, spec);
    if (!made) {
        gate.refuse(key);
        return std::nullopt;
    }
    try {
        storage.write(thumbPath, *made);
    } catch (const std::exception& ex) {
        logError(std::string("thumb: ") + ex.what());
    }
    return made;
}

}  // namespace pb::files
