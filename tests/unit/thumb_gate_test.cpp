// ThumbGate (core/files/thumb_gate.cpp): bounded decode slots and pixel budget with a bounded
// wait, and the bounded memory of refused sources.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "files/thumb_gate.hpp"

using namespace std::chrono_literals;
using pb::files::ThumbGate;

namespace {

ThumbGate::Limits limits(int slots, uint64_t budget, std::chrono::milliseconds wait, size_t refusals = 4) {
    ThumbGate::Limits l;
    l.slots = slots;
    l.pixelBudget = budget;
    l.wait = wait;
    l.maxRefusals = refusals;
    return l;
}

}  // namespace

TEST(ThumbGate, SlotsAreBoundedAndWaitingIsBounded) {
    ThumbGate gate(limits(2, 1000, 100ms));
    auto a = gate.acquire(10), b = gate.acquire(10);
    ASSERT_TRUE(a && b);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(gate.acquire(10));  // all slots busy: gives up after the wait
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 90ms);
    EXPECT_LT(waited, 5s);
    a.reset();
    EXPECT_TRUE(gate.acquire(10));  // a released slot is reusable (and released again here)
}

TEST(ThumbGate, PixelBudgetBoundsMemoryInFlight) {
    ThumbGate gate(limits(8, 100, 50ms));
    auto big = gate.acquire(70);
    ASSERT_TRUE(big);
    EXPECT_FALSE(gate.acquire(40));  // 110 > 100
    auto small = gate.acquire(30);
    EXPECT_TRUE(small);
    // Larger than the whole budget: charged the whole budget, so it waits for an empty gate.
    EXPECT_FALSE(gate.acquire(1000));
    big.reset();
    small.reset();
    EXPECT_TRUE(gate.acquire(1000));
}

TEST(ThumbGate, WaiterProceedsWhenASlotIsReleased) {
    ThumbGate gate(limits(1, 1000, 5000ms));
    auto held = gate.acquire(1);
    ASSERT_TRUE(held);
    auto waiter = std::async(std::launch::async, [&] { return gate.acquire(1).has_value(); });
    std::this_thread::sleep_for(50ms);
    held.reset();
    EXPECT_TRUE(waiter.get());
}

TEST(ThumbGate, RefusalsAreRememberedAndBounded) {
    ThumbGate gate(limits(1, 1, 10ms, 3));
    EXPECT_FALSE(gate.refused("a"));
    gate.refuse("a");
    gate.refuse("a");  // no duplicate entry
    gate.refuse("b");
    gate.refuse("c");
    EXPECT_TRUE(gate.refused("a") && gate.refused("b") && gate.refused("c"));
    gate.refuse("d");  // over the bound: the oldest is forgotten
    EXPECT_FALSE(gate.refused("a"));
    EXPECT_TRUE(gate.refused("b") && gate.refused("d"));
}

// The server's gate (default limits) never parks a worker: with every slot busy, acquire gives up
// at once (the request then serves the original).
TEST(ThumbGate, ServerDefaultsNeverWaitForASlot) {
    ThumbGate gate{ThumbGate::Limits{}};
    std::vector<ThumbGate::Slot> held;
    for (int i = 0; i < ThumbGate::Limits{}.slots; ++i) {
        auto s = gate.acquire(1);
        ASSERT_TRUE(s);
        held.push_back(std::move(*s));
    }
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(gate.acquire(1));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}
