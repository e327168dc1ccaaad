#include "util/timer_queue.hpp"

namespace pb {

TimerQueue::TimerQueue() : thread_([this] { run(); }) {}

TimerQueue::~TimerQueue() { stop(); }

void TimerQueue::runContained(std::function<void()>& job) {
    try {
        job();
    } catch (...) {
        // Jobs own their error handling; a stray exception must not kill the timer thread.
    }
}

void TimerQueue::schedule(Clock::time_point due, std::function<void()> job) {
    {
        std::lock_guard lk(mu_);
        if (!stopping_) {
            jobs_.emplace(std::make_pair(due, seq_++), std::move(job));
            cv_.notify_one();
            return;
        }
    }
    runContained(job);  // stopped: nothing would ever run it later
}

size_t TimerQueue::pending() {
    std::lock_guard lk(mu_);
    return jobs_.size();
}

void TimerQueue::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void TimerQueue::run() {
    std::unique_lock lk(mu_);
    for (;;) {
        if (jobs_.empty()) {
            if (stopping_) return;
            cv_.wait(lk);
            continue;
        }
        auto first = jobs_.begin();
        if (!stopping_ && Clock::now() < first->first.first) {
            cv_.wait_until(lk, first->first.first);
            continue;
        }
        auto job = std::move(first->second);
        jobs_.erase(first);
        lk.unlock();
        runContained(job);
        lk.lock();
    }
}

}  // namespace pb
