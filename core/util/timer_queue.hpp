#pragma once
// One background thread that runs jobs at their due time (generic tool, no domain types).
// Jobs must be short: they run one after another on the timer thread. stop() runs every job
// still pending at once (earliest first), then joins; jobs scheduled after stop() run inline.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace pb {

class TimerQueue {
public:
    using Clock = std::chrono::steady_clock;

    TimerQueue();
    ~TimerQueue();
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;

    void schedule(Clock::time_point due, std::function<void()> job);
    void stop();
    size_t pending();

private:
    void run();
    static void runContained(std::function<void()>& job);

    std::mutex mu_;
    std::condition_variable cv_;
    // Keyed by (due, sequence): equal due times keep their scheduling order.
    std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> jobs_;
    uint64_t seq_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace pb
