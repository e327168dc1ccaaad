// Plugin host lifecycle: load (copy to a unique path, dlopen, manifest check, init with staged
// registrations), swap (one atomic store of the slot's active generation, core trampolines
// reconciled around it), drain (wait for the last pin), close (shutdown, destroy, dlclose,
// RTLD_NOLOAD check), and the directory watcher.
#include "plugin/host.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "app/app.hpp"
#include "plugin/internal.hpp"
#include "plugin/runner.hpp"
#include "plugin/watcher.hpp"
#include "util/duration.hpp"
#include "util/hash.hpp"
#include "util/sole_owner.hpp"
#include "util/time.hpp"

namespace pb::plugin {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct LoadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void destroyAll(Generation& g) {
    auto destroyOne = [&](Registration& r) {
        if (!r.destroy) return;
        try {
            r.destroy(r.ud);
        } catch (...) {
            g.host->log(g.name, PB_LOG_ERROR, "exception escaped a destroy callback (plugin bug)");
        }
        r.destroy = nullptr;
    };
    for (auto& r : g.regs) destroyOne(r);
    for (auto& r : g.dead) destroyOne(r);
}

// Routes run their groups' middlewares (outer groups first, each by priority) then the handler.
void buildRouteChains(Generation& g) {
    for (auto& r : g.regs) {
        if (r.kind != PB_EVENT_ROUTE) continue;
        std::vector<const pb_group*> groups;
        for (const pb_group* p = r.group; p; p = p->parent) groups.insert(groups.begin(), p);
        r.chain.clear();
        for (const pb_group* grp : groups) {
            std::vector<const Registration*> mws;
            for (size_t i : grp->middlewares) mws.push_back(&g.regs[i]);
            std::stable_sort(mws.begin(), mws.end(), [](auto* a, auto* b) { return a->priority < b->priority; });
            r.chain.insert(r.chain.end(), mws.begin(), mws.end());
        }
        r.chain.push_back(&r);
    }
}

// Registrations that the core holds a trampoline for (group middlewares run inside routes;
// SERVE/TERMINATE are fired by the host).
bool coreVisible(const Registration& r) {
    if (r.kind == PB_EVENT_SERVE || r.kind == PB_EVENT_TERMINATE) return false;
    if (r.kind == PB_EVENT_MIDDLEWARE && r.group) return false;
    return true;
}

std::string fmtDuration(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
    return std::to_string(d.count()) + "ms";
}

}  // namespace

json::Value PluginInfo::toJson() const {
    json::Value v = json::Value::object();
    v.set("name", name);
    v.set("version", version);
    v.set("description", description);
    v.set("abi", abi);
    v.set("generation", static_cast<double>(generation));
    v.set("state", state);
    v.set("file", file);
    v.set("loadedAt", loadedAt);
    v.set("error", error);
    v.set("loadedGenerations", loadedGenerations);
    v.set("lastLoadMs", lastLoadMs);
    return v;
}

HostOptions PluginHost::defaultOptions(const App& app) {
    HostOptions o;
    fs::path data = fs::absolute(app.dataDir()).lexically_normal();
    if (data.filename().empty()) data = data.parent_path();
    o.pluginsDir = app.options().pluginsDir.empty() ? (data.parent_path() / "plugins").string()
                                                    : fs::absolute(app.options().pluginsDir).lexically_normal().string();
    o.runtimeDir = (data / ".pb" / "plugin-cache").string();
    o.quarantineFile = (data / "plugin_quarantine.json").string();
    o.crashMarker = (data / ".pb" / "plugin_crash").string();
    if (app.options().pluginDeadline) {  // `serve --plugin-deadline`
        o.callDeadline = *app.options().pluginDeadline;
    } else if (const char* d = std::getenv("PB_PLUGIN_DEADLINE"); d && *d) {
        if (auto v = parseDuration(d)) o.callDeadline = *v;
        else std::fprintf(stderr, "plugins: ignoring invalid PB_PLUGIN_DEADLINE=%s\n", d);
    }
    if (const char* p = std::getenv("PB_PLUGINS_POLL"); p && *p && std::string(p) != "0") o.forcePolling = true;
    return o;
}

PluginHost::PluginHost(App& app, HostOptions opts)
    : app_(app), opts_(std::move(opts)), runners_(std::make_unique<Runners>()), quarantine_(opts_.quarantineFile) {}

PluginHost::~PluginHost() {
    self_.reset();  // the admin routes answer "not enabled" from now on
    if (!serveHookId_.empty()) app_.hooks().onServe.unbind(serveHookId_);
    if (!terminateHookId_.empty()) app_.hooks().onTerminate.unbind(terminateHookId_);
    try {
        stop();
    } catch (...) {
    }
}

std::unique_ptr<PluginHost> PluginHost::attach(App& app) {
    auto host = std::make_unique<PluginHost>(app, defaultOptions(app));
    PluginHost* h = host.get();
    // Late in both chains: user handlers and plugins bound with ordinary priorities run first.
    constexpr int kLate = std::numeric_limits<int>::max() - 5;
    h->serveHookId_ = app.hooks().onServe.bind({"__pbPluginHostServe__", kLate, [h](ServeEvent& e) {
                                                    h->start();
                                                    e.next();
                                                },
                                                {}});
    h->terminateHookId_ = app.hooks().onTerminate.bind({"__pbPluginHostTerminate__", kLate, [h](TerminateEvent& e) {
                                                            h->stop();  // TERMINATE, shutdown, unload
                                                            e.next();
                                                        },
                                                        {}});
    h->registerAdminRoutes();
    return host;
}

void PluginHost::log(const std::string& plugin, int32_t level, const std::string& msg) {
    std::string line = "[plugin " + plugin + "] " + msg;
    if (level >= PB_LOG_WARN) app_.logError(line);
    else if (level >= PB_LOG_INFO || app_.isDev()) app_.logInfo(line);
}

void PluginHost::start() {
    std::unique_lock lk(opMu_);
    if (started_) return;
    started_ = true;
    std::error_code ec;
    fs::remove_all(opts_.runtimeDir, ec);  // copies of a previous run
    fs::create_directories(opts_.runtimeDir, ec);
    if (!opts_.crashMarker.empty()) {
        quarantineFromCrashMarker();  // the previous process died in plugin code
        installCrashHandler(opts_.crashMarker);
    }
    if (!app_.options().pluginsDir.empty()) fs::create_directories(opts_.pluginsDir, ec);
    if (!fs::is_directory(opts_.pluginsDir)) {
        app_.logInfo("plugins: directory " + opts_.pluginsDir + " does not exist; no plugins loaded");
        return;
    }
    serving_ = true;  // SERVE fires right after each generation's swap
    std::vector<std::string> names;
    for (auto& de : fs::directory_iterator(opts_.pluginsDir, ec)) {
        std::string f = de.path().filename().string();
        if (f.size() > 3 && f.ends_with(".so") && !DirWatcher::pluginNameOf(f).empty())
            names.push_back(DirWatcher::pluginNameOf(f));
    }
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
        auto r = loadLocked(n);
        if (r.ok) app_.logInfo("plugins: loaded " + n + " " + r.info.version + " (generation " + std::to_string(r.info.generation) + ")");
    }
    if (opts_.watch) {
        watcher_ = std::make_unique<DirWatcher>(opts_.pluginsDir, [this](const std::string& n) { onFileEvent(n); },
                                                opts_.debounce, opts_.forcePolling);
        watcher_->start();
        app_.logInfo(std::string("plugins: watching ") + opts_.pluginsDir + (watcher_->polling() ? " (polling)" : " (inotify)"));
    }
}

void PluginHost::stop() {
    if (watcher_) watcher_->stop();  // outside opMu_: its callback takes it
    std::unique_lock lk(opMu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [name, slot] : slots_) {
        if (auto g = slot->active.load(); g && !g->faulted) fireLifecycle(*g, PB_EVENT_TERMINATE, false);
    }
    for (auto& [name, slot] : slots_) unloadLocked(*slot, PB_SHUTDOWN_EXIT);
    lk.unlock();
    reapTasks(true);
    waitRetired();
    {
        std::lock_guard rl(retireMu_);
        reaperStop_ = true;
        retireCv_.notify_all();
    }
    if (reaper_.joinable()) reaper_.join();
    lk.lock();
    watcher_.reset();
}

void PluginHost::onFileEvent(const std::string& name) {
    std::unique_lock lk(opMu_);
    if (stopped_) return;
    if (fs::exists(fs::path(opts_.pluginsDir) / (name + ".so"))) {
        auto r = loadLocked(name);
        if (r.ok)
            app_.logInfo("plugins: reloaded " + name + " " + r.info.version + " (generation " +
                         std::to_string(r.info.generation) + ", " + std::to_string(r.info.lastLoadMs) + " ms)");
    } else if (auto it = slots_.find(name); it != slots_.end() && it->second->active.load()) {
        unloadLocked(*it->second, PB_SHUTDOWN_UNLOAD);
        app_.logInfo("plugins: unloaded " + name + " (file removed)");
    }
}

std::shared_ptr<Slot> PluginHost::slotFor(const std::string& name) {
    auto& s = slots_[name];
    if (!s) {
        s = std::make_shared<Slot>();
        s->name = name;
        s->host = this;
        s->file = (fs::path(opts_.pluginsDir) / (name + ".so")).string();
    }
    return s;
}

LoadResult PluginHost::reload(const std::string& name) {
    std::unique_lock lk(opMu_);
    if (stopped_) return LoadResult{false, false, "server is shutting down", {}};
    if (DirWatcher::pluginNameOf(name + ".so") != name) return LoadResult{false, true, "invalid plugin name", {}};
    if (!fs::exists(fs::path(opts_.pluginsDir) / (name + ".so")) && !slots_.count(name))
        return LoadResult{false, true, "unknown plugin", {}};
    return loadLocked(name);
}

// 1. copy to a unique path and dlopen the copy (never the user's file; avoids the loader's path
//    cache), then delete the copy. A file whose hash is quarantined is refused before dlopen.
PluginHost::StepResult PluginHost::mapCopy(Slot& slot, Generation& gen, const fs::path& file) {
    try {
        fs::create_directories(opts_.runtimeDir);
        fs::copy_file(file, gen.copyPath, fs::copy_options::overwrite_existing);
    } catch (const std::exception& ex) {
        return {std::string("cannot copy ") + file.string() + ": " + ex.what()};
    }
    struct RemoveCopy {
        std::string path;
        ~RemoveCopy() {
            std::error_code ec;
            fs::remove(path, ec);
        }
    } removeCopy{gen.copyPath};
    gen.sha256 = hash::sha256Hex(readFile(gen.copyPath));
    if (auto q = quarantine_.find(gen.name)) {
        if (q->sha256 == gen.sha256)
            return {"quarantined: " + q->reason + " (install a new build of the plugin to clear it)", true};
        quarantine_.remove(gen.name);
        log(gen.name, PB_LOG_INFO, "a new build replaced the quarantined file; quarantine cleared");
    }
    if (std::string bad = checkElf(gen.copyPath); !bad.empty()) return {"cannot load " + gen.name + ".so: " + bad};
    try {
        gen.lib.load(boost::dll::fs::path(gen.copyPath), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& ex) {
        return {"cannot load " + gen.name + ".so: " + ex.what()};
    }
    slot.mapped.fetch_add(1);
    return {};
}

// 2. the manifest, before any other plugin code runs (static initializers aside: pb_plugin.h).
std::string PluginHost::readManifest(Generation& gen) {
    const std::string& name = gen.name;
    const pb_plugin_manifest* m = nullptr;
    try {
        if (!gen.lib.has(PB_PLUGIN_MANIFEST_SYMBOL))
            throw LoadError(name + ".so is not a pb plugin (no " PB_PLUGIN_MANIFEST_SYMBOL " export)");
        m = gen.lib.get<const pb_plugin_manifest*()>(PB_PLUGIN_MANIFEST_SYMBOL)();
        if (!m) throw LoadError("manifest function returned NULL");
        if (m->struct_size < offsetof(pb_plugin_manifest, shutdown))
            throw LoadError("manifest struct too small (" + std::to_string(m->struct_size) + " bytes)");
        if (m->abi_major != PB_ABI_MAJOR)
            throw LoadError("ABI major mismatch: plugin built for ABI " + std::to_string(m->abi_major) + "." +
                            std::to_string(m->abi_minor) + ", host speaks " + std::to_string(PB_ABI_MAJOR) + "." +
                            std::to_string(PB_ABI_MINOR) + " (rebuild against the server's SDK)");
        if (m->abi_minor > PB_ABI_MINOR)
            throw LoadError("plugin needs host ABI " + std::to_string(m->abi_major) + "." + std::to_string(m->abi_minor) +
                            ", this host speaks " + std::to_string(PB_ABI_MAJOR) + "." + std::to_string(PB_ABI_MINOR) +
                            " (upgrade the server or rebuild the plugin against an older SDK)");
        std::string mname = m->name ? m->name : "";
        if (mname != name) throw LoadError("manifest name '" + mname + "' does not match the file name '" + name + ".so'");
        if (!gen.lib.has(PB_PLUGIN_INIT_SYMBOL)) throw LoadError(name + ".so has no " PB_PLUGIN_INIT_SYMBOL " export");
    } catch (const std::exception& ex) {
        return ex.what();
    }
    gen.version = m->version ? m->version : "";
    gen.description = m->description ? m->description : "";
    gen.abiMajor = m->abi_major;
    gen.abiMinor = m->abi_minor;
    gen.flags = m->flags;
    if (m->struct_size >= offsetof(pb_plugin_manifest, shutdown) + sizeof(m->shutdown)) gen.shutdownFn = m->shutdown;
    return {};
}

// 3. configuration: plugins/NAME.json, when present, must be valid JSON.
std::string PluginHost::readConfig(Generation& gen) {
    fs::path cfg = fs::path(opts_.pluginsDir) / (gen.name + ".json");
    if (!fs::exists(cfg)) return {};
    gen.config = readFile(cfg);
    if (!json::parse(gen.config)) return "invalid JSON in " + cfg.string();
    gen.hasConfig = true;
    return {};
}

// 4. init with staged registrations, under the deadline like every callback; the registration
//    calls it makes are marshalled back to this thread (runner.hpp), so the init-thread check
//    holds. On failure the staged registrations are dropped; `leaked` = init never returned, so
//    its code must stay mapped.
std::string PluginHost::runInit(const std::shared_ptr<Generation>& gen, bool& leaked) {
    auto init = gen->lib.get<pb_status(const pb_host_api*, pb_plugin_ctx*, void**)>(PB_PLUGIN_INIT_SYMBOL);
    gen->initThread = std::this_thread::get_id();
    gen->inInit = true;
    auto stateCell = std::make_shared<void*>(nullptr);
    pb_plugin_ctx* ctxp = &gen->ctx;
    auto ir = callPlugin(*gen, "init", [init, ctxp, stateCell] { return init(hostApi(), ctxp, stateCell.get()); });
    pb_status st = ir.status;
    if (!ir.exception.empty()) {
        st = PB_E_INTERNAL;
        gen->initError = "exception escaped init (plugin bug)";
    }
    gen->inInit = false;
    if (ir.timedOut) {
        // Its code is still running: never unload it (the pending routes answer 404 as before).
        for (auto& [key, id] : gen->pendingRoutes) app_.router().removeRoute(id);
        auto* leak = new std::shared_ptr<Generation>(gen);
        (void)leak;
        leaked = true;
        return "init did not return within " + fmtDuration(opts_.callDeadline) + " (its thread and library are leaked)";
    }
    if (st != PB_OK) {
        for (auto& [key, id] : gen->pendingRoutes) app_.router().removeRoute(id);
        destroyAll(*gen);
        return std::string("init failed (") + statusString(st) + ")" + (gen->initError.empty() ? "" : ": " + gen->initError);
    }
    gen->state = *stateCell;
    buildRouteChains(*gen);
    gen->loadedAt = timeutil::now();
    return {};
}

// 5. swap: install trampolines for new keys, publish the generation with one atomic store,
//    remove trampolines of keys it dropped.
void PluginHost::swapIn(Slot& slot, const std::shared_ptr<Generation>& gen) {
    for (auto& [key, id] : gen->pendingRoutes) slot.installed[key] = CoreReg{PB_EVENT_ROUTE, id, 0, {}};
    for (auto& r : gen->regs) {
        if (!coreVisible(r) || r.kind == PB_EVENT_ROUTE) continue;
        auto it = slot.installed.find(r.key);
        if (it != slot.installed.end() && it->second.priority == r.priority && it->second.cronExpr == r.cronExpr) continue;
        try {
            slot.installed[r.key] = installCore(app_, slotFor(gen->name), r, it != slot.installed.end() ? it->second.coreId : "");
        } catch (const std::exception& ex) {
            log(gen->name, PB_LOG_ERROR, "cannot install " + r.key + ": " + ex.what());
        }
    }
    slot.active.store(gen);
    for (auto it = slot.installed.begin(); it != slot.installed.end();) {
        const Registration* r = gen->find(it->first);
        if (r && coreVisible(*r)) {
            ++it;
            continue;
        }
        removeCore(app_, it->first, it->second);
        it = slot.installed.erase(it);
    }
    slot.lastGeneration = gen->number;
    slot.state = "active";
    slot.error.clear();
    slot.lastInfo = {gen->version, gen->description, std::to_string(gen->abiMajor) + "." + std::to_string(gen->abiMinor),
                     gen->loadedAt};
}

LoadResult PluginHost::loadLocked(const std::string& name) {
    auto t0 = Clock::now();
    auto slot = slotFor(name);
    LoadResult res;
    fs::path file = fs::path(opts_.pluginsDir) / (name + ".so");
    auto refuse = [&](const std::string& msg, const char* state = "failed") {
        slot->state = state;
        slot->error = msg;
        log(name, PB_LOG_ERROR,
            "load refused: " + msg + (slot->active.load() && std::string(state) == "failed" ? " (previous generation keeps serving)" : ""));
        res.ok = false;
        res.error = msg;
        res.info = infoOf(*slot);
        return res;
    };
    if (!fs::exists(file)) return refuse("file " + file.string() + " does not exist");
    auto old = slot->active.load();
    if (old && (old->flags & PB_PLUGIN_FLAG_NO_RELOAD))
        return refuse("plugin is not reload-safe (PB_PLUGIN_FLAG_NO_RELOAD): restart the server to load the new file");

    auto gen = std::make_shared<Generation>();
    gen->host = this;
    gen->slot = slot;
    gen->number = slot->lastGeneration + 1;
    gen->name = name;
    gen->file = file.string();
    gen->ctx.gen = gen.get();
    gen->copyPath = (fs::path(opts_.runtimeDir) / (name + "." + std::to_string(gen->number) + "." +
                                                   std::to_string(::getpid()) + "." + std::to_string(++copyCounter_) + ".so"))
                        .string();
    // 1. copy + dlopen
    if (auto mapped = mapCopy(*slot, *gen, file); !mapped.error.empty())
        return refuse(mapped.error, mapped.quarantined ? "quarantined" : "failed");
    auto closeLib = [&] {
        gen->lib.unload();
        slot->mapped.fetch_sub(1);
    };
    // 2. manifest, 3. configuration
    for (auto step : {&PluginHost::readManifest, &PluginHost::readConfig}) {
        if (std::string err = (this->*step)(*gen); !err.empty()) {
            closeLib();
            return refuse(err);
        }
    }
    // 4. init
    bool leaked = false;
    if (std::string err = runInit(gen, leaked); !err.empty()) {
        if (!leaked) closeLib();
        return refuse(err);
    }
    // 5. swap
    swapIn(*slot, gen);
    if (serving_) fireLifecycle(*gen, PB_EVENT_SERVE, false);
    slot->lastLoadMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    res.ok = true;
    // 6. drain and close the previous generation.
    if (old) retire(std::move(old), PB_SHUTDOWN_RELOAD);
    res.info = infoOf(*slot);
    return res;
}

bool PluginHost::unload(const std::string& name) {
    std::unique_lock lk(opMu_);
    auto it = slots_.find(name);
    if (it == slots_.end() || !it->second->active.load()) return false;
    unloadLocked(*it->second, PB_SHUTDOWN_UNLOAD);
    return true;
}

void PluginHost::unloadLocked(Slot& slot, int32_t reason) {
    auto old = slot.active.exchange(nullptr);
    for (auto& [key, c] : slot.installed) removeCore(app_, key, c);
    slot.installed.clear();
    if (!old) return;
    slot.state = "disabled";
    retire(std::move(old), reason);
}

void PluginHost::retire(std::shared_ptr<Generation> gen, int32_t reason) {
    gen->closing = true;
    std::lock_guard lk(retireMu_);
    if (!reaper_.joinable()) reaper_ = std::thread([this] { reaperLoop(); });
    retiring_.push_back(Retiring{std::move(gen), reason, Clock::now() + opts_.drainTimeout});
    retireCv_.notify_all();
}

void PluginHost::reaperLoop() {
    std::unique_lock lk(retireMu_);
    for (;;) {
        retireCv_.wait(lk, [this] { return reaperStop_ || !retiring_.empty(); });
        if (retiring_.empty() && reaperStop_) return;
        std::vector<Retiring> ready;
        for (auto it = retiring_.begin(); it != retiring_.end();) {
            // Our reference is the last one once every in-flight call (pin) has returned.
            if (it->gen.use_count() == 1 || Clock::now() >= it->deadline || it->gen->faulted) {
                ready.push_back(std::move(*it));
                it = retiring_.erase(it);
            } else {
                ++it;
            }
        }
        reaperBusy_ = ready.size();
        lk.unlock();
        for (auto& r : ready) {
            if (r.gen.use_count() > 1) {
                log(r.gen->name, PB_LOG_ERROR, "generation " + std::to_string(r.gen->number) +
                                                   (r.gen->faulted ? " is faulted (a thread is stuck in it)"
                                                                   : " did not drain in time") +
                                                   "; leaving it mapped (its code may still run)");
                auto* leak = new std::shared_ptr<Generation>(std::move(r.gen));  // never unload running code
                (void)leak;
                continue;
            }
            acquireSoleOwnership(r.gen);  // the last pin's accesses happen before close()
            close(std::move(r.gen), r.reason);
        }
        if (ready.empty()) std::this_thread::sleep_for(std::chrono::microseconds(500));
        lk.lock();
        reaperBusy_ = 0;
        retireCv_.notify_all();  // wakes waitRetired()
    }
}

void PluginHost::waitRetired() {
    std::unique_lock lk(retireMu_);
    retireCv_.wait(lk, [this] { return retiring_.empty() && reaperBusy_ == 0; });
}

void PluginHost::close(std::shared_ptr<Generation> gen, int32_t reason) {
    if (gen->shutdownFn) {
        auto fn = gen->shutdownFn;
        void* st = gen->state;
        auto r = callPlugin(*gen, "shutdown", [fn, st, reason] {
            fn(st, reason);
            return PB_OK;
        });
        if (!r.exception.empty()) log(gen->name, PB_LOG_ERROR, "exception escaped shutdown (plugin bug)");
        if (r.timedOut) {
            auto* leak = new std::shared_ptr<Generation>(std::move(gen));  // its code still runs
            (void)leak;
            return;
        }
    }
    destroyAll(*gen);
    std::string path = gen->copyPath;
    gen->lib.unload();
    if (void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
        ::dlclose(h);
        log(gen->name, PB_LOG_WARN, "generation " + std::to_string(gen->number) +
                                        " still mapped after unload (GNU_UNIQUE symbol or thread_local with a destructor)");
    } else {
        gen->slot->mapped.fetch_sub(1);
    }
    gen->slot.reset();
}

void PluginHost::spawnTask(std::shared_ptr<Generation> gen, void (*run)(std::shared_ptr<Generation>, void*), void* arg) {
    reapTasks(false);
    std::lock_guard lk(tasksMu_);
    auto done = std::make_shared<std::atomic<bool>>(false);
    Task t;
    t.done = done;
    t.th = std::thread([gen = std::move(gen), run, arg, done]() mutable {
        run(std::move(gen), arg);
        *done = true;
    });
    tasks_.push_back(std::move(t));
}

void PluginHost::reapTasks(bool all) {
    std::vector<std::thread> join;
    {
        std::lock_guard lk(tasksMu_);
        for (auto it = tasks_.begin(); it != tasks_.end();) {
            if (all || *it->done) {
                join.push_back(std::move(it->th));
                it = tasks_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& t : join)
        if (t.joinable()) t.join();
}

PluginInfo PluginHost::infoOf(const Slot& s) const {
    PluginInfo i;
    i.name = s.name;
    i.file = s.file;
    i.state = s.state;
    i.error = s.error;
    auto g = s.active.load();
    if (g && g->faulted && s.state == "active") {
        i.state = "faulted";
        i.error = g->fault();
    }
    i.version = s.lastInfo.version;
    i.description = s.lastInfo.description;
    i.abi = s.lastInfo.abi;
    i.loadedAt = s.lastInfo.loadedAt;
    i.generation = g ? g->number : s.lastGeneration;
    i.loadedGenerations = s.mapped.load();
    i.lastLoadMs = s.lastLoadMs;
    return i;
}

std::vector<PluginInfo> PluginHost::list() const {
    std::lock_guard lk(opMu_);
    std::vector<PluginInfo> out;
    for (auto& [n, s] : slots_) out.push_back(infoOf(*s));
    return out;
}

std::optional<PluginInfo> PluginHost::info(const std::string& name) const {
    std::lock_guard lk(opMu_);
    auto it = slots_.find(name);
    if (it == slots_.end()) return std::nullopt;
    return infoOf(*it->second);
}

}  // namespace pb::plugin

namespace pb::plugin {

CallResult PluginHost::callPlugin(Generation& g, const char* what, std::function<pb_status()> work, pb_call* c) {
    auto abandon = [c](KeepAlive& k) {
        if (!c) return;  // views handed out by this call stay valid for the leaked thread
        k.items.push_back(std::make_shared<std::deque<std::string>>(std::move(c->strings)));
        k.items.push_back(std::make_shared<std::deque<pb_record>>(std::move(c->borrowed)));
        k.items.push_back(std::make_shared<std::vector<std::unique_ptr<pb_record>>>(std::move(c->owned)));
        k.items.push_back(std::make_shared<std::vector<std::unique_ptr<pb_record_list>>>(std::move(c->lists)));
    };
    auto r = runners_->run(g.shared_from_this(), opts_.callDeadline, std::move(work), abandon);
    if (r.timedOut)
        faultGeneration(g, std::string(what) + " did not return within " + fmtDuration(opts_.callDeadline) +
                               "; a thread is stuck in the plugin's code, the plugin is disabled until its file "
                               "changes or it is reloaded");
    return r;
}

void PluginHost::faultGeneration(Generation& g, const std::string& why) {
    {
        std::lock_guard lk(g.faultMu);
        if (g.faulted) return;
        g.faultError = why;
        g.faulted = true;
    }
    log(g.name, PB_LOG_ERROR, "generation " + std::to_string(g.number) + " faulted: " + why);
}

void PluginHost::quarantineFromCrashMarker() {
    auto m = takeCrashMarker(opts_.crashMarker);
    if (!m || DirWatcher::pluginNameOf(m->name + ".so") != m->name) return;
    QuarantineEntry e;
    e.sha256 = m->sha256;
    e.at = timeutil::now();
    e.reason = std::string("the server died with ") + signalName(m->signal) + " (signal " + std::to_string(m->signal) +
               ") in this plugin's code at " + e.at;
    quarantine_.add(m->name, e);
    log(m->name, PB_LOG_ERROR, "quarantined: " + e.reason);
}

}  // namespace pb::plugin
