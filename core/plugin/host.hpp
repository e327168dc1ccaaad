#pragma once
// The native plugin host (docs/plugin-abi.md §10, "Load, reload and unload"): loads every NAME.so of the plugins directory
// through Boost.DLL, checks the manifest before running plugin code, runs init with staged
// registrations, publishes a generation in one step, drains and unloads the previous one, and
// watches the directory (inotify, stat() polling fallback) to hot-reload changed files.
//
// Dispatch model: the core's hook bus, router and cron scheduler hold one stable trampoline per
// plugin registration key (hook kind + ordinal, global middleware ordinal, route method + path,
// cron id). A trampoline resolves the plugin's generation at call time - the one already pinned
// on this thread by an enclosing plugin call, else the slot's active generation - and holds a
// shared_ptr to it for the whole call (everything downstream included). A swap is therefore one
// atomic store; a request never mixes two generations of one plugin; the old generation is
// unloaded once the last pin is gone.
#include <pb_plugin.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugin/crash.hpp"
#include "util/json.hpp"

namespace pb {
class App;
}

namespace pb::plugin {

struct Slot;
struct Generation;
class DirWatcher;
class Runners;
struct CallResult;

// One row of GET /api/plugins.
struct PluginInfo {
    std::string name, version, description, abi, state, file, loadedAt, error;
    uint64_t generation = 0;
    int loadedGenerations = 0;  // generations still mapped (active + draining + pinned leftovers)
    double lastLoadMs = 0;      // copy + dlopen + init + swap of the last successful load
    json::Value toJson() const;
};

struct LoadResult {
    bool ok = false;
    bool unknown = false;  // no such plugin file / slot
    std::string error;
    PluginInfo info;
};

struct HostOptions {
    std::string pluginsDir;   // absolute
    std::string runtimeDir;   // where generation copies are dlopen'ed from
    bool watch = true;
    bool forcePolling = false;  // $PB_PLUGINS_POLL=1
    std::chrono::milliseconds debounce{250};
    std::chrono::milliseconds drainTimeout{10000};
    // Deadline of one plugin callback (handler, middleware, route, cron/scheduled task, init,
    // shutdown); 0 = none (plugin code runs inline). `pb serve --plugin-deadline` /
    // $PB_PLUGIN_DEADLINE.
    std::chrono::milliseconds callDeadline{10000};
    std::string quarantineFile;  // DATA_DIR/plugin_quarantine.json ("" = no quarantine)
    std::string crashMarker;     // DATA_DIR/.pb/plugin_crash ("" = no crash handler)
};

class PluginHost {
public:
    PluginHost(App& app, HostOptions opts);
    ~PluginHost();
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // Resolves the directories from AppOptions (pluginsDir or <dir of dataDir>/plugins).
    static HostOptions defaultOptions(const App& app);

    // A host with defaultOptions(app), attached the way a plugin attaches itself: its onServe
    // handler loads the plugins (after user handlers, before the server listens), its
    // onTerminate handler unloads them (after the server stopped, before the database closes),
    // and it registers its admin routes (admin_routes.cpp). The handlers go with the host.
    static std::unique_ptr<PluginHost> attach(App& app);

    // Loads every plugin of the directory, fires SERVE for each, starts the watcher.
    void start();
    // Stops the watcher, fires TERMINATE, closes every generation (PB_SHUTDOWN_EXIT). Idempotent.
    void stop();

    // (Re)loads NAME from DIR/NAME.so. On failure the previous generation keeps serving.
    LoadResult reload(const std::string& name);
    // Unpublishes, drains and closes NAME (PB_SHUTDOWN_UNLOAD). False when not loaded.
    bool unload(const std::string& name);
    std::vector<PluginInfo> list() const;
    std::optional<PluginInfo> info(const std::string& name) const;

    App& app() { return app_; }
    const HostOptions& options() const { return opts_; }

    // ---- used by the C API table and the trampolines (internal) ----
    void log(const std::string& plugin, int32_t level, const std::string& msg);
    void spawnTask(std::shared_ptr<Generation> gen, void (*run)(std::shared_ptr<Generation>, void*), void* arg);
    // Runs plugin code of g under the deadline (runner.hpp). `what` names the callback in logs.
    // On a timeout the generation is faulted and, with a call, its per-call storage is kept
    // alive for the leaked thread.
    CallResult callPlugin(Generation& g, const char* what, std::function<pb_status()> work, pb_call* c = nullptr);
    // Marks g faulted (hung callback): it stops receiving calls; a new file or a reload replaces it.
    void faultGeneration(Generation& g, const std::string& why);
    bool isServing() const { return serving_; }

private:
    void onFileEvent(const std::string& name);
    // loadLocked runs the steps below in order (host.cpp); each returns an error text ("" = ok).
    LoadResult loadLocked(const std::string& name);
    struct StepResult {
        std::string error;
        bool quarantined = false;
    };
    StepResult mapCopy(Slot& slot, Generation& gen, const std::filesystem::path& file);
    std::string readManifest(Generation& gen);
    std::string readConfig(Generation& gen);
    std::string runInit(const std::shared_ptr<Generation>& gen, bool& leaked);
    void swapIn(Slot& slot, const std::shared_ptr<Generation>& gen);
    void unloadLocked(Slot& slot, int32_t reason);
    // Hands a replaced/unloaded generation to the reaper thread, which waits for its last pin
    // (the caller itself may hold one: a reload requested through a plugin-wrapped request), then
    // closes it. waitRetired() blocks until every retiring generation is closed or leaked.
    void retire(std::shared_ptr<Generation> gen, int32_t reason);
    void reaperLoop();
    void close(std::shared_ptr<Generation> gen, int32_t reason);
    void waitRetired();
    PluginInfo infoOf(const Slot& s) const;
    std::shared_ptr<Slot> slotFor(const std::string& name);
    void reapTasks(bool all);

    void quarantineFromCrashMarker();
    void registerAdminRoutes();

    App& app_;
    HostOptions opts_;
    std::unique_ptr<Runners> runners_;
    QuarantineStore quarantine_;
    mutable std::mutex opMu_;  // serialises load / unload / stop; guards slots_
    std::map<std::string, std::shared_ptr<Slot>> slots_;
    std::unique_ptr<DirWatcher> watcher_;
    bool started_ = false, stopped_ = false, serving_ = false;
    std::string serveHookId_, terminateHookId_;  // set by attach()
    std::shared_ptr<PluginHost*> self_ = std::make_shared<PluginHost*>(this);  // weakly held by the admin routes
    uint64_t copyCounter_ = 0;

    struct Retiring {
        std::shared_ptr<Generation> gen;
        int32_t reason;
        std::chrono::steady_clock::time_point deadline;
    };
    std::mutex retireMu_;
    std::condition_variable retireCv_;
    std::vector<Retiring> retiring_;
    bool reaperStop_ = false;
    size_t reaperBusy_ = 0;
    std::thread reaper_;

    std::mutex tasksMu_;
    struct Task {
        std::thread th;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::vector<Task> tasks_;
};

}  // namespace pb::plugin

