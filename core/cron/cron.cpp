#include "cron/cron.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>

#include "util/time.hpp"

namespace pb::cron {

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

bool isSystemId(const std::string& id) { return id.rfind("__pb", 0) == 0; }

}  // namespace

Cron::~Cron() { stop(); }

void Cron::add(const std::string& id, const std::string& expr, std::function<void()> fn) {
    if (!fn) throw std::invalid_argument("cron job \"" + id + "\": the function must not be empty");
    Schedule schedule = Schedule::parse(expr);  // throws std::invalid_argument
    auto shared = std::make_shared<const std::function<void()>>(std::move(fn));
    std::lock_guard lk(jobsMu_);
    jobs_.insert_or_assign(id, Entry{std::move(schedule), std::move(shared)});
}

bool Cron::remove(const std::string& id) {
    std::lock_guard lk(jobsMu_);
    return jobs_.erase(id) > 0;
}

void Cron::removeAll() {
    std::map<std::string, Entry> old;
    {
        std::lock_guard lk(jobsMu_);
        old.swap(jobs_);
    }
    // `old` (and possibly the last reference to job functions) is destroyed outside the lock.
}

size_t Cron::total() const {
    std::lock_guard lk(jobsMu_);
    return jobs_.size();
}

std::vector<Job> Cron::jobs() const {
    std::vector<Job> out;
    {
        std::lock_guard lk(jobsMu_);
        out.reserve(jobs_.size());
        for (auto& [id, e] : jobs_) out.push_back(Job{id, e.schedule.expression()});
    }
    // The map is ordered by id already; move system jobs ("__pb...") to the end, keeping order.
    std::stable_partition(out.begin(), out.end(), [](const Job& j) { return !isSystemId(j.id); });
    return out;
}

bool Cron::run(const std::string& id) {
    std::shared_ptr<const std::function<void()>> fn;
    {
        std::lock_guard lk(jobsMu_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return false;
        fn = it->second.fn;
    }
    dispatch(id, std::move(fn));
    return true;
}

size_t Cron::tick(int64_t epochSeconds) {
    const std::tm t = utcTime(epochSeconds);
    std::vector<std::pair<std::string, std::shared_ptr<const std::function<void()>>>> due;
    {
        std::lock_guard lk(jobsMu_);
        for (auto& [id, e] : jobs_)
            if (e.schedule.matches(t)) due.emplace_back(id, e.fn);
    }
    for (auto& [id, fn] : due) dispatch(std::move(id), std::move(fn));
    return due.size();
}

void Cron::dispatch(std::string id, std::shared_ptr<const std::function<void()>> fn) {
    std::lock_guard lk(runMu_);
    reapFinished();
    const uint64_t rid = nextRunId_++;
    try {
        threads_.emplace(rid, std::thread([this, rid, id = std::move(id), fn = std::move(fn)] {
            try {
                (*fn)();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "[cron] job \"%s\" failed: %s\n", id.c_str(), e.what());
            } catch (...) {
                std::fprintf(stderr, "[cron] job \"%s\" failed with an unknown exception\n",
                             id.c_str());
            }
            std::lock_guard done(runMu_);
            finished_.push_back(rid);
        }));
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "[cron] could not start a thread for job \"%s\": %s\n", id.c_str(),
                     e.what());
    }
}

// Caller holds runMu_. The threads listed in finished_ have released runMu_ and are exiting,
// so joining them here is quick and cannot deadlock.
void Cron::reapFinished() {
    for (uint64_t rid : finished_) {
        auto it = threads_.find(rid);
        if (it == threads_.end()) continue;
        if (it->second.joinable()) it->second.join();
        threads_.erase(it);
    }
    finished_.clear();
}

void Cron::joinAll(bool skipSelf) {
    const auto self = std::this_thread::get_id();
    for (;;) {
        std::vector<std::pair<uint64_t, std::thread>> batch;
        {
            std::lock_guard lk(runMu_);
            reapFinished();
            for (auto it = threads_.begin(); it != threads_.end();) {
                if (skipSelf && it->second.get_id() == self) {
                    ++it;
                    continue;
                }
                batch.emplace_back(it->first, std::move(it->second));
                it = threads_.erase(it);
            }
        }
        if (batch.empty()) return;
        for (auto& [rid, t] : batch)
            if (t.joinable()) t.join();
        std::lock_guard lk(runMu_);
        std::erase_if(finished_, [&](uint64_t rid) {
            return std::any_of(batch.begin(), batch.end(), [&](auto& b) { return b.first == rid; });
        });
    }
}

void Cron::waitIdle() { joinAll(true); }

size_t Cron::running() const {
    std::lock_guard lk(runMu_);
    return threads_.size() - std::min(threads_.size(), finished_.size());
}

void Cron::start() {
    std::lock_guard ss(startStopMu_);
    {
        std::lock_guard lk(tickMu_);
        if (started_) return;
        started_ = true;
        stopping_ = false;
    }
    ticker_ = std::thread(&Cron::tickerLoop, this);
}

void Cron::stop() {
    {
        std::lock_guard ss(startStopMu_);
        {
            std::lock_guard lk(tickMu_);
            stopping_ = true;
        }
        tickCv_.notify_all();
        if (ticker_.joinable() && ticker_.get_id() != std::this_thread::get_id()) ticker_.join();
        std::lock_guard lk(tickMu_);
        started_ = false;
        stopping_ = false;
    }
    joinAll(true);
}

bool Cron::hasStarted() const {
    std::lock_guard lk(tickMu_);
    return started_ && !stopping_;
}

void Cron::setInterval(std::chrono::seconds interval) {
    if (interval.count() <= 0) throw std::invalid_argument("cron: the tick interval must be positive");
    {
        std::lock_guard lk(tickMu_);
        intervalSec_ = interval.count();
        ++intervalGen_;
    }
    tickCv_.notify_all();
}

std::chrono::seconds Cron::interval() const {
    std::lock_guard lk(tickMu_);
    return std::chrono::seconds(intervalSec_);
}

void Cron::tickerLoop() {
    using namespace std::chrono;
    std::unique_lock lk(tickMu_);
    while (!stopping_) {
        // The app clock (timeutil: real, or a test clock) decides the boundary; the wait is a
        // real-clock deadline the same distance away (+1 ms: nowMs is truncated), so wall-clock
        // jumps are still followed.
        const int64_t nowMs = timeutil::nowMillis();
        const int64_t step = intervalSec_;
        const uint64_t gen = intervalGen_;
        const int64_t boundary = floorDiv(floorDiv(nowMs, 1000), step) * step + step;
        const system_clock::time_point at = system_clock::now() + milliseconds(boundary * 1000 - nowMs + 1);
        if (tickCv_.wait_until(lk, at, [&] { return stopping_ || intervalGen_ != gen; })) {
            if (stopping_) break;
            continue;  // interval changed: recompute the next boundary
        }
        if (timeutil::nowMillis() < boundary * 1000) {
            // The app clock lags the real one (a frozen test clock, or the wall clock stepped
            // back): look again in a second instead of spinning on a tiny remaining delta.
            tickCv_.wait_for(lk, seconds(1), [&] { return stopping_ || intervalGen_ != gen; });
            continue;
        }
        lk.unlock();
        tick(boundary);
        lk.lock();
    }
}

}  // namespace pb::cron
