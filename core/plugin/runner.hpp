#pragma once
// Plugin calls under a deadline (docs/reliability.md, "Plugin faults").
//
// A hung native thread cannot be killed, so the host never lets the thread that owns a request
// run plugin code itself: plugin code runs on a *runner* thread while the calling ("owner")
// thread waits with a deadline. Every host function the plugin calls meanwhile is either run on
// the runner under the job's lock (pure accessors of the call's objects) or marshalled back to the
// owner thread (anything touching the database, pins, the serial lock or the init phase), so all
// host code keeps running on the owner thread exactly as before: its write transaction, its
// thread-local reader connection, its generation pins.
//
// When the deadline passes while plugin code runs, the owner abandons the job and returns
// "timed out": the request fails (504), its write transaction rolls back and the writer lock is
// released by the normal unwinding on the owner thread. The runner stays stuck in the plugin (it
// is leaked, holding the generation so its code stays mapped); if it ever comes back, each host
// call it makes returns PB_E_ABORTED without touching anything and its result is discarded.
// A deadline of 0 runs plugin code inline on the owner thread (no watchdog, no handoff cost).
#include <pb_plugin.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pb::plugin {

struct Generation;

// Marks the current thread as running plugin code of one generation, for the crash handler
// (crash.cpp). Nestable.
class CrashScope {
public:
    CrashScope(const std::string& name, const std::string& sha256);
    ~CrashScope();
    CrashScope(const CrashScope&) = delete;
    CrashScope& operator=(const CrashScope&) = delete;

private:
    char saved_[160];
    size_t savedLen_ = 0;
};

struct CallResult {
    pb_status status = PB_E_INTERNAL;
    bool timedOut = false;
    std::string exception;  // non-empty when a C++ exception escaped the plugin code
};

// What the owner thread must keep alive for a leaked runner (views it handed out).
struct KeepAlive {
    std::vector<std::shared_ptr<void>> items;
};

class Runners {
public:
    Runners();
    ~Runners();  // idle runners exit; runners stuck in plugin code are leaked (detached)
    Runners(const Runners&) = delete;
    Runners& operator=(const Runners&) = delete;

    // Runs work (plugin code) for gen with the deadline (0 = inline). On a timeout the work keeps
    // running on a leaked thread; `abandon` (if set) is called on the owner thread with the
    // job's keep-alive list before run() returns.
    CallResult run(const std::shared_ptr<Generation>& gen, std::chrono::milliseconds deadline,
                   std::function<pb_status()> work, const std::function<void(KeepAlive&)>& abandon = {});

    // Runs a host function called by plugin code on this thread (see the file comment).
    // Returns false when this thread is not a runner (then the caller runs fn itself).
    static bool onRunner();
    static bool aborted();  // this runner's job was abandoned
    static void hostCall(const std::function<void()>& fn, bool marshal);

    size_t leaked() const;

    struct State;

private:
    std::shared_ptr<State> st_;
};

// Host function wrapper: runs on the owner thread (marshal) or under the job lock. Used by the
// host table (api_table.cpp).
template <class R, class F>
R runHostFunction(F&& f, bool marshal, R abortedValue) {
    if (!Runners::onRunner()) return f();
    if (Runners::aborted()) return abortedValue;
    R out = abortedValue;
    Runners::hostCall([&] { out = f(); }, marshal);
    return out;
}
template <class F>
void runHostFunctionVoid(F&& f, bool marshal) {
    if (!Runners::onRunner()) return f();
    if (Runners::aborted()) return;
    Runners::hostCall([&] { f(); }, marshal);
}

}  // namespace pb::plugin
