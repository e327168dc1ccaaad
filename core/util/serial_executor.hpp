#pragma once
// One background thread running posted jobs in FIFO order (generic tool, no domain types).
// stop() runs what is already queued, then joins; jobs posted after stop() are dropped.
// A job that throws is contained (the exception is swallowed) so later jobs still run.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace pb {

class SerialExecutor {
public:
    SerialExecutor();
    ~SerialExecutor();
    SerialExecutor(const SerialExecutor&) = delete;
    SerialExecutor& operator=(const SerialExecutor&) = delete;

    // False when stopped (the job is dropped).
    bool post(std::function<void()> job);
    // Blocks until every job posted before the call has run.
    void drain();
    void stop();

private:
    void run();

    std::mutex mu_;
    std::condition_variable cv_, idleCv_;
    std::deque<std::function<void()>> jobs_;
    uint64_t posted_ = 0, done_ = 0;
    bool stopping_ = false;
    std::mutex joinMu_;  // one stop() joins; concurrent ones wait for it
    std::thread thread_;
    std::thread::id worker_;  // thread_'s id, fixed at construction (thread_ changes on join)
};

}  // namespace pb
