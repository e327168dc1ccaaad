// SerialExecutor (core/util/serial_executor.*): FIFO order, drain, stop semantics, and the
// thread-safety of stop()/drain() racing each other (run under TSan by `make test-tsan`).
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/serial_executor.hpp"

namespace {

TEST(SerialExecutor, RunsJobsInOrderAndDrains) {
    pb::SerialExecutor ex;
    std::vector<int> seen;  // only touched by the executor thread, read after drain()
    for (int i = 0; i < 100; ++i) ex.post([&seen, i] { seen.push_back(i); });
    ex.drain();
    ASSERT_EQ(seen.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
}

TEST(SerialExecutor, StopRunsQueuedJobsThenDropsNewOnes) {
    pb::SerialExecutor ex;
    std::atomic<int> ran{0};
    for (int i = 0; i < 50; ++i) ex.post([&] { ++ran; });
    ex.stop();
    EXPECT_EQ(ran.load(), 50);
    EXPECT_FALSE(ex.post([&] { ++ran; }));
    ex.drain();  // nothing pending: returns at once
    EXPECT_EQ(ran.load(), 50);
}

TEST(SerialExecutor, ThrowingJobIsContained) {
    pb::SerialExecutor ex;
    std::atomic<int> ran{0};
    ex.post([] { throw std::runtime_error("boom"); });
    ex.post([&] { ++ran; });
    ex.drain();
    EXPECT_EQ(ran.load(), 1);
}

// Regression: stop() from several threads at once (App::stop racing a destructor) joined the
// worker more than once and read the std::thread while another caller was joining it.
TEST(SerialExecutor, ConcurrentStopAndDrainAreSafe) {
    for (int round = 0; round < 20; ++round) {
        pb::SerialExecutor ex;
        std::atomic<int> ran{0};
        for (int i = 0; i < 20; ++i) ex.post([&] { ++ran; });
        std::atomic<bool> go{false};
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                if (t % 2) ex.drain();
                ex.stop();
            });
        go = true;
        for (auto& t : ts) t.join();
        EXPECT_EQ(ran.load(), 20);
    }
}

TEST(SerialExecutor, JobMayDrainAndStopItsOwnExecutor) {
    pb::SerialExecutor ex;
    std::atomic<bool> ran{false};
    ex.post([&] {
        ex.drain();  // would wait for itself
        ex.stop();   // would join itself
        ran = true;
    });
    ex.stop();
    EXPECT_TRUE(ran.load());
}

}  // namespace
