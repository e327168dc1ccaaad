#include "util/serial_executor.hpp"

namespace pb {

SerialExecutor::SerialExecutor() : thread_([this] { run(); }), worker_(thread_.get_id()) {}

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
    if (worker_ == std::this_thread::get_id()) return;  // a job draining itself
    idleCv_.wait(lk, [&] { return done_ >= target; });
}

void SerialExecutor::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (worker_ == std::this_thread::get_id()) return;  // a job stopping its own executor
    // thread_ is only touched here, under joinMu_: concurrent stop() calls (App::stop and a
    // destructor) must not join twice or read thread_ while it is being joined.
    std::lock_guard jl(joinMu_);
    if (thread_.joinable()) thread_.join();
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
            // Jobs own their error handling (they log); a stray exception must not stop the queue.
        }
        lk.lock();
        ++done_;
        idleCv_.notify_all();
    }
    done_ = posted_;
    idleCv_.notify_all();
}

}  // namespace pb
