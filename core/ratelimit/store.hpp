#pragma once
// Fixed-window request counters with bounded memory (generic tool, no domain types).
//
// Each key (limiter id + client, e.g. "rule|127.0.0.1") owns a window of `windowMs` starting at its
// first request; at most `maxRequests` requests pass per window. Memory is capped: the store is
// split into shards, each holding at most maxEntries/shards keys. When a shard is full, expired
// windows are swept first; if it is still full, about a tenth of its keys are evicted (those
// clients simply start a fresh window), so the cost of a sweep is amortised and memory never grows
// with the number of distinct clients. cleanup() drops expired windows (run it periodically).
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pb::ratelimit {

class Store {
public:
    static constexpr size_t kShards = 16;

    explicit Store(size_t maxEntries = 100000);

    // Counts one request for `key`; returns false when the window's budget is exhausted.
    bool allow(const std::string& key, int64_t maxRequests, int64_t windowMs, int64_t nowMs);
    // Removes expired windows; returns how many were removed.
    size_t cleanup(int64_t nowMs);
    size_t size() const;
    void clear();
    size_t capacity() const { return perShard_ * kShards; }

private:
    struct Window {
        int64_t start = 0;
        int64_t length = 0;
        int64_t count = 0;
    };
    struct Shard {
        mutable std::mutex mu;
        std::unordered_map<std::string, Window> map;
    };
    static size_t sweepLocked(Shard& s, int64_t nowMs);

    size_t perShard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace pb::ratelimit
