#pragma once
// Crontab-like job scheduler, PocketBase-compatible (PocketBase tools/cron/cron.go).
// Generic tool: no domain types.
//
// - Expressions: see cron/schedule.hpp. Time zone: UTC.
// - A ticker thread wakes at every UTC minute boundary of timeutil::nowMillis() (the real clock,
//   or a test clock; condition_variable::wait_until, so stop() is immediate) and starts every due job on its own thread, like
//   PocketBase's goroutine per run: a slow job never delays the ticker or other jobs.
// - Job threads are tracked: finished ones are reaped, stop() and the destructor join them.
// - A job that throws is caught and logged to stderr; it never kills the process or the
//   scheduler.
// - All methods are thread-safe, including add/remove from inside a running job. No lock is held
//   while a job runs.
// - Tests drive the clock with tick(epochSeconds) + waitIdle() instead of sleeping.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cron/schedule.hpp"

namespace pb::cron {

// A registered job as listed by jobs() (GET /api/crons serialises it as {id, expression}).
struct Job {
    std::string id;
    std::string expression;
};

class Cron {
public:
    Cron() = default;
    // Stops the ticker and joins every job thread. Must not run on a job thread.
    ~Cron();
    Cron(const Cron&) = delete;
    Cron& operator=(const Cron&) = delete;

    // Registers a job; a job with the same id is replaced. Throws std::invalid_argument for a bad
    // expression (the existing job, if any, is kept) or an empty fn.
    void add(const std::string& id, const std::string& expr, std::function<void()> fn);
    // Removes a job; false when there was none. A run already in progress finishes.
    bool remove(const std::string& id);
    void removeAll();
    size_t total() const;
    // A copy of the registered jobs, sorted by id, with ids starting with "__pb" last
    // (PocketBase's GET /api/crons order).
    std::vector<Job> jobs() const;

    // Runs a job now on its own thread (whether or not the scheduler is started); false when no
    // such job exists.
    bool run(const std::string& id);

    // Starts the minute ticker; no-op when already started.
    void start();
    // Stops the ticker promptly and joins it, then waits for running jobs to finish (a job that
    // calls stop() itself is not waited for). add/remove/run keep working after stop().
    void stop();
    bool hasStarted() const;

    // Tick interval (PocketBase's SetInterval), default 60 s. Ticks are aligned to multiples of
    // the interval since the epoch and match jobs against the UTC minute of the tick, so with a
    // 1 s interval a "* * * * *" job runs every second (useful in tests). Takes effect at once,
    // also while started. Throws std::invalid_argument when not positive.
    void setInterval(std::chrono::seconds interval);
    std::chrono::seconds interval() const;

    // Injectable clock: starts (asynchronously) every job due at the UTC minute containing
    // epochSeconds, exactly as the ticker does at a boundary. Returns how many were started.
    size_t tick(int64_t epochSeconds);
    // Blocks until every job thread started so far has finished (joins them). Must not be called
    // from a job thread.
    void waitIdle();
    // Number of job runs currently in progress.
    size_t running() const;

private:
    struct Entry {
        Schedule schedule;
        std::shared_ptr<const std::function<void()>> fn;
    };

    void dispatch(std::string id, std::shared_ptr<const std::function<void()>> fn);
    void reapFinished();  // joins threads that announced they are done
    void joinAll(bool skipSelf);
    void tickerLoop();

    mutable std::mutex jobsMu_;
    std::map<std::string, Entry> jobs_;

    // job threads
    mutable std::mutex runMu_;
    uint64_t nextRunId_ = 0;
    std::map<uint64_t, std::thread> threads_;
    std::vector<uint64_t> finished_;

    // ticker
    mutable std::mutex tickMu_;
    std::condition_variable tickCv_;
    std::thread ticker_;
    bool started_ = false;
    bool stopping_ = false;
    int64_t intervalSec_ = 60;
    uint64_t intervalGen_ = 0;  // bumped by setInterval to wake the ticker
    std::mutex startStopMu_;  // serialises start() and stop()
};

}  // namespace pb::cron
