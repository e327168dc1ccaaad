// Plugin calls under a deadline: the runner pool and the owner/runner handoff (see runner.hpp).
#include "plugin/runner.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "plugin/internal.hpp"

namespace pb::plugin {

namespace {

using Clock = std::chrono::steady_clock;

struct Job {
    std::mutex mu;
    std::condition_variable cv;
    std::function<pb_status()> work;
    std::shared_ptr<Generation> gen;  // keeps the code mapped while it runs
    CallResult result;
    const std::function<void()>* hostFn = nullptr;  // marshalled host call (runner -> owner)
    bool hostPending = false, hostDone = false, done = false;
    std::atomic<bool> abandoned{false};
    KeepAlive keep;
};

thread_local Job* tlJob = nullptr;

void execute(Runners::State& s, const std::shared_ptr<Job>& j);

}  // namespace

struct Runners::State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::shared_ptr<Job>> queue;
    size_t idle = 0;
    bool stop = false;
    std::atomic<size_t> leaked{0};
};

namespace {

// Runner threads get an alternate signal stack so the crash handler also runs after a stack
// overflow in plugin code.
struct AltStack {
    void* mem = nullptr;
    AltStack() {
        constexpr size_t kSize = 64 * 1024;
        mem = std::malloc(kSize);
        if (!mem) return;
        stack_t ss{};
        ss.ss_sp = mem;
        ss.ss_size = kSize;
        if (sigaltstack(&ss, nullptr) != 0) {
            std::free(mem);
            mem = nullptr;
        }
    }
    ~AltStack() {
        if (!mem) return;
        stack_t ss{};
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, nullptr);
        std::free(mem);
    }
};

void runnerLoop(std::shared_ptr<Runners::State> s) {
    AltStack alt;
    std::unique_lock lk(s->mu);
    for (;;) {
        ++s->idle;
        bool woke = s->cv.wait_for(lk, std::chrono::seconds(30), [&] { return s->stop || !s->queue.empty(); });
        --s->idle;
        if (s->queue.empty()) {
            if (s->stop || !woke) return;  // idle too long or shutting down
            continue;
        }
        auto j = std::move(s->queue.front());
        s->queue.pop_front();
        lk.unlock();
        execute(*s, j);
        j.reset();
        lk.lock();
    }
}

void execute(Runners::State& s, const std::shared_ptr<Job>& j) {
    CallResult r;
    tlJob = j.get();
    {
        CrashScope cs(j->gen->name, j->gen->sha256);
        try {
            r.status = j->work();
        } catch (const std::exception& e) {
            r.exception = e.what();
            if (r.exception.empty()) r.exception = "exception";
        } catch (...) {
            r.exception = "unknown exception";
        }
    }
    tlJob = nullptr;
    std::lock_guard lk(j->mu);
    j->work = nullptr;
    j->result = r;
    j->done = true;
    if (j->abandoned) s.leaked.fetch_sub(1);
    j->cv.notify_all();
}

}  // namespace

Runners::Runners() : st_(std::make_shared<State>()) {}

Runners::~Runners() {
    std::lock_guard lk(st_->mu);
    st_->stop = true;
    st_->cv.notify_all();
}

size_t Runners::leaked() const { return st_->leaked.load(); }

bool Runners::onRunner() { return tlJob != nullptr; }

bool Runners::aborted() { return tlJob && tlJob->abandoned.load(); }

void Runners::hostCall(const std::function<void()>& fn, bool marshal) {
    Job* j = tlJob;
    std::unique_lock lk(j->mu);
    if (j->abandoned) return;
    if (!marshal) {  // under the job lock: the owner cannot give up (and free the call) meanwhile
        fn();
        return;
    }
    j->hostFn = &fn;
    j->hostPending = true;
    j->cv.notify_all();
    j->cv.wait(lk, [&] { return j->hostDone; });
    j->hostDone = false;
}

CallResult Runners::run(const std::shared_ptr<Generation>& gen, std::chrono::milliseconds deadline,
                        std::function<pb_status()> work, const std::function<void(KeepAlive&)>& abandon) {
    CallResult r;
    if (deadline.count() <= 0 || tlJob) {
        // Inline (no watchdog). A runner never runs host code, so tlJob is always null here; the
        // check only keeps a future misuse from deadlocking.
        CrashScope cs(gen->name, gen->sha256);
        try {
            r.status = work();
        } catch (const std::exception& e) {
            r.exception = e.what();
            if (r.exception.empty()) r.exception = "exception";
        } catch (...) {
            r.exception = "unknown exception";
        }
        return r;
    }
    auto j = std::make_shared<Job>();
    j->work = std::move(work);
    j->gen = gen;
    {
        std::lock_guard lk(st_->mu);
        st_->queue.push_back(j);
        if (st_->idle >= st_->queue.size()) {
            st_->cv.notify_one();
        } else {
            std::thread(runnerLoop, st_).detach();
        }
    }
    std::unique_lock lk(j->mu);
    auto until = Clock::now() + deadline;
    for (;;) {
        if (j->done) return j->result;
        if (j->hostPending) {
            // The plugin called a host function that must run here; its time does not count
            // against the plugin's deadline.
            j->hostPending = false;
            const std::function<void()>* fn = j->hostFn;
            lk.unlock();
            auto t0 = Clock::now();
            try {
                (*fn)();
            } catch (...) {  // host functions do not throw; never let one unwind the runner
            }
            until += Clock::now() - t0;
            lk.lock();
            j->hostDone = true;
            j->cv.notify_all();
            continue;
        }
        if (j->cv.wait_until(lk, until) == std::cv_status::timeout && !j->done && !j->hostPending) {
            j->abandoned = true;
            st_->leaked.fetch_add(1);
            if (abandon) abandon(j->keep);
            r.timedOut = true;
            r.status = PB_E_ABORTED;
            return r;
        }
    }
}

}  // namespace pb::plugin
