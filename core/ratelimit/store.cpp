#include "ratelimit/store.hpp"

#include <algorithm>
#include <functional>

namespace pb::ratelimit {

Store::Store(size_t maxEntries) : perShard_(std::max<size_t>(maxEntries / kShards, 16)) {}

size_t Store::sweepLocked(Shard& s, int64_t nowMs) {
    size_t removed = 0;
    for (auto it = s.map.begin(); it != s.map.end();) {
        if (nowMs >= it->second.start + it->second.length) {
            it = s.map.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

bool Store::allow(const std::string& key, int64_t maxRequests, int64_t windowMs, int64_t nowMs) {
    if (maxRequests <= 0) return false;
    Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard lk(s.mu);
    auto it = s.map.find(key);
    if (it != s.map.end()) {
        Window& w = it->second;
        if (nowMs >= w.start + w.length || w.length != windowMs) {
            w = Window{nowMs, windowMs, 1};
            return true;
        }
        if (w.count >= maxRequests) return false;
        ++w.count;
        return true;
    }
    if (s.map.size() >= perShard_) {
        sweepLocked(s, nowMs);
        if (s.map.size() >= perShard_) {
            // Still full of live windows: evict ~10% so the next sweeps are amortised.
            size_t toEvict = std::max<size_t>(perShard_ / 10, 1);
            for (auto e = s.map.begin(); e != s.map.end() && toEvict > 0; --toEvict) e = s.map.erase(e);
        }
    }
    s.map.emplace(key, Window{nowMs, windowMs, 1});
    return true;
}

size_t Store::cleanup(int64_t nowMs) {
    size_t removed = 0;
    for (auto& s : shards_) {
        std::lock_guard lk(s.mu);
        removed += sweepLocked(s, nowMs);
    }
    return removed;
}

size_t Store::size() const {
    size_t n = 0;
    for (auto& s : shards_) {
        std::lock_guard lk(s.mu);
        n += s.map.size();
    }
    return n;
}

void Store::clear() {
    for (auto& s : shards_) {
        std::lock_guard lk(s.mu);
        s.map.clear();
    }
}

}  // namespace pb::ratelimit
