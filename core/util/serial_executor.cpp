#include "util/serial_executor.hpp"

namespace pb {

SerialExecutor::SerialExecutor() : thread_([this] { run(); }) {}

SerialExecutor::~SerialExecutor() { stop(); }

bool SerialExecutor::post(std::function<void()> job) {
    {
        std::lock_guard lk(mu_);
        if (stopping_) return false;
        jobs_.push_back(std::move(job));
        ++posted_;
    }
    cv_.notify_one();
    return true;
}

void SerialExecutor::drain() {
    std::unique_lock lk(mu_);
    const uint64_t target = posted_;
    if (thread_.get_id() == std::this_thread::get_id()) return;  // a job draining itself
    idleCv_.wait(lk, [&] { return done_ >= target; });
}

void SerialExecutor::stop() {
    {
        std::lock_guard lk(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void SerialExecutor::run() {
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait(lk, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) break;  // stopping and nothing left
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lk.unlock();
        try {
            job();
        } catch (...) {
        }
        lk.lock();
        ++done_;
        idleCv_.notify_all();
    }
    done_ = posted_;
    idleCv_.notify_all();
}

}  // namespace pb
