#include "util/timer_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

using pb::TimerQueue;
using namespace std::chrono_literals;

TEST(TimerQueue, RunsJobsAtTheirDueTimeInOrder) {
    TimerQueue q;
    std::mutex mu;
    std::vector<int> order;
    std::vector<TimerQueue::Clock::duration> lateness;
    auto t0 = TimerQueue::Clock::now();
    for (int i : {3, 1, 2}) {
        auto due = t0 + i * 60ms;
        q.schedule(due, [&, i, due] {
            std::lock_guard lk(mu);
            order.push_back(i);
            lateness.push_back(TimerQueue::Clock::now() - due);
        });
    }
    q.schedule(t0 + 60ms, [&] {
        std::lock_guard lk(mu);
        order.push_back(10);  // same due time as job 1: runs after it
        lateness.push_back(0ms);
    });
    while (q.pending() > 0) std::this_thread::sleep_for(5ms);
    q.stop();
    EXPECT_EQ(order, (std::vector<int>{1, 10, 2, 3}));
    for (auto l : lateness) EXPECT_GE(l, 0ms);  // never early
}

TEST(TimerQueue, StopRunsPendingJobsAtOnceAndLaterOnesInline) {
    TimerQueue q;
    std::atomic<int> ran{0};
    q.schedule(TimerQueue::Clock::now() + 1h, [&] { ++ran; });
    q.schedule(TimerQueue::Clock::now() + 1h, [] { throw 1; });  // contained
    auto t0 = TimerQueue::Clock::now();
    q.stop();
    EXPECT_LT(TimerQueue::Clock::now() - t0, 5s);
    EXPECT_EQ(ran.load(), 1);
    q.schedule(TimerQueue::Clock::now() + 1h, [&] { ++ran; });
    EXPECT_EQ(ran.load(), 2);
}
