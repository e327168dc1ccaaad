#pragma once
// Internal types of the plugin host: generations, slots, registrations and the concrete
// definitions of the opaque handles of pb_plugin.h. Only core/plugin/*.cpp include this.
#include <pb_plugin.h>

#include <boost/dll/shared_library.hpp>

#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/events.hpp"
#include "plugin/host.hpp"

namespace pb::plugin {

struct Generation;

struct Registration {
    int32_t kind = 0;  // PB_EVENT_*; routes PB_EVENT_ROUTE, middlewares PB_EVENT_MIDDLEWARE, cron 0
    int32_t priority = 0;
    std::vector<std::string> tags;
    std::string key;          // stable core key, see host.hpp
    pb_group* group = nullptr;
    std::string method, path;  // routes: method ("" = any) and full path
    std::string cronId, cronExpr;
    pb_handler_fn fn = nullptr;
    pb_task_fn task = nullptr;
    void* ud = nullptr;
    pb_destroy_fn destroy = nullptr;
    std::vector<const Registration*> chain;  // routes: group middlewares (outer first) + itself
};

// A core-side registration installed for a slot (stable across generations).
struct CoreReg {
    int32_t kind = 0;
    std::string coreId;  // hook handler id, middleware id, route id or cron id
    int32_t priority = 0;
    std::string cronExpr;
};

// The slot's active generation, swapped in one atomic step. Not std::atomic<std::shared_ptr>:
// libstdc++ 12's load() releases its internal lock with a relaxed store, so its read of the
// pointer is not ordered before the next store() (a data race ThreadSanitizer reports on every
// hot reload under load). The atomic_load/atomic_store functions (a mutex pool) are correct.
class ActiveGeneration {
public:
    std::shared_ptr<Generation> load() const { return std::atomic_load(&p_); }
    void store(std::shared_ptr<Generation> g) { std::atomic_store(&p_, std::move(g)); }
    std::shared_ptr<Generation> exchange(std::shared_ptr<Generation> g) { return std::atomic_exchange(&p_, std::move(g)); }

private:
    std::shared_ptr<Generation> p_;
};

struct Slot {
    std::string name;
    PluginHost* host = nullptr;
    ActiveGeneration active;
    std::map<std::string, CoreReg> installed;  // key -> core registration (guarded by opMu_)
    std::string state = "failed", error, file;
    uint64_t lastGeneration = 0;
    double lastLoadMs = 0;
    struct {
        std::string version, description, abi, loadedAt;
    } lastInfo;  // manifest data of the last loaded generation (no reference: it must drain)
    std::atomic<int> mapped{0};            // generations of this plugin still mapped
};

}  // namespace pb::plugin

struct pb_group {
    pb_group* parent = nullptr;
    std::string prefix;  // full prefix
    std::vector<size_t> middlewares;  // indexes into Generation::regs
};

struct pb_plugin_ctx {
    pb::plugin::Generation* gen = nullptr;
};

namespace pb::plugin {

struct Generation : std::enable_shared_from_this<Generation> {
    PluginHost* host = nullptr;
    std::shared_ptr<Slot> slot;
    uint64_t number = 0;
    std::string name, version, description, file, copyPath, loadedAt;
    std::string sha256;  // of the loaded bytes: crash attribution and quarantine identity
    uint32_t abiMajor = 0, abiMinor = 0, flags = 0;
    void (*shutdownFn)(void*, int32_t) = nullptr;
    boost::dll::shared_library lib;
    void* state = nullptr;
    std::string config;
    bool hasConfig = false;
    std::string initError;
    std::atomic<bool> inInit{false};
    std::atomic<bool> closing{false};
    // Set when a callback missed its deadline (a thread is stuck in this generation's code): the
    // trampolines treat the generation as absent from then on; it is never closed (leaked).
    std::atomic<bool> faulted{false};
    mutable std::mutex faultMu;
    std::string faultError;  // guarded by faultMu
    std::string fault() const {
        std::lock_guard lk(faultMu);
        return faultError;
    }
    std::thread::id initThread;
    pb_plugin_ctx ctx;
    std::deque<Registration> regs;              // stable addresses
    std::vector<Registration> dead;             // replaced registrations (destroy at close)
    std::map<std::string, Registration*> byKey;
    std::deque<pb_group> groups;
    std::map<std::string, std::string> pendingRoutes;  // key -> core route id added during init

    // PB_PLUGIN_FLAG_SERIALIZED: one callback at a time (released while host code re-enters).
    std::mutex serialMu;
    std::atomic<std::thread::id> serialOwner{};
    bool serialized() const { return flags & PB_PLUGIN_FLAG_SERIALIZED; }
    const Registration* find(const std::string& key) const {
        auto it = byKey.find(key);
        return it == byKey.end() ? nullptr : it->second;
    }
};

}  // namespace pb::plugin

// Concrete handles.
struct pb_record {
    pb::records::Record* rec = nullptr;
    pb::records::RecordPtr hold;  // owned records / list elements
    bool readonly = false;
};

struct pb_record_list {
    std::deque<pb_record> items;
};

struct pb_request {
    pb::RequestEvent* e = nullptr;
};

struct pb_call {
    pb::plugin::Generation* gen = nullptr;
    pb_status status = PB_OK;
    bool timedOut = false;  // a plugin callback of this call missed its deadline (-> 504)
    std::string message;
    pb::json::Value fieldErrors = pb::json::Value::object();
    std::deque<std::string> strings;  // backing store of returned views
    std::deque<pb_record> borrowed;   // e.g. req_auth
    std::vector<std::unique_ptr<pb_record>> owned;
    std::vector<std::unique_ptr<pb_record_list>> lists;
    pb_str keep(std::string s) {
        strings.push_back(std::move(s));
        return pb_str{strings.back().c_str(), strings.back().size()};
    }
};

struct pb_event {
    int32_t kind = 0;
    pb::RequestEvent* req = nullptr;
    pb::records::Record* rec = nullptr;
    bool readonly = false;
    std::vector<std::string> tags;  // collection id and name
    std::string collection;
    std::map<std::string, std::string> extras;  // event_get values
    pb_record recWrap;
    pb_request reqWrap;
    const std::vector<const pb::plugin::Registration*>* chain = nullptr;
    std::function<pb_status(pb_call*, pb_event*)> final;  // default action / core downstream
    struct Link {
        size_t next = 0;
        bool called = false;
        pb_status status = PB_OK;
    };
    std::vector<Link> links;
    // The core's message for a 400 this event fails with when the plugin gave none (record
    // create/update: "Failed to create record." / "Failed to update record.").
    std::string failMessage;
    std::exception_ptr pending;  // a core exception caught by event_next (rethrown as is)
    pb_status pendingStatus = PB_OK;
};

namespace pb::plugin {

// The process-lifetime host table.
const pb_host_api* hostApi();

// Status <-> HTTP.
int httpStatusOf(pb_status s);
pb_status statusOfHttp(int http, bool hasData);
const char* statusString(pb_status s);

// Stores a caught exception on the call as status + message + field errors; returns the status.
pb_status statusFromException(pb_call* c, std::exception_ptr ex);
// Builds the exception a negative chain status turns into (5xx detail is logged only).
[[noreturn]] void throwStatus(pb_call* c, pb_event* ev, pb_status s);

// Runs chain[i..] of the event with the HOOK CHAIN rule; the end of the chain runs ev->final.
pb_status runFrom(pb_call* c, pb_event* ev, size_t i);

// Calls plugin code with exception containment, the SERIALIZED lock and the host's deadline
// (runner.hpp). A missed deadline faults the generation and returns PB_E_ABORTED with
// call->timedOut set.
pb_status invokeHandler(Generation& g, const Registration& r, pb_call* c, pb_event* ev);
pb_status invokeTask(Generation& g, pb_task_fn fn, void* ud, pb_call* c);

// Releases the SERIALIZED lock while host code that may re-enter the plugin runs.
class SerialRelease {
public:
    explicit SerialRelease(Generation* g);
    ~SerialRelease();

private:
    Generation* g_ = nullptr;
};

// Pins: the generation a thread is running for a slot (innermost first).
class Pin {
public:
    explicit Pin(const std::shared_ptr<Slot>& slot);  // resolves pinned or active
    explicit Pin(std::shared_ptr<Generation> gen);    // pins an explicit generation
    ~Pin();
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    Generation* get() const { return gen_.get(); }

private:
    std::shared_ptr<Generation> gen_;
    bool pushed_ = false;
};

bool isBindableKind(int32_t kind);
// "" when the file looks like a complete 64-bit ELF shared object, else the reason.
std::string checkElf(const std::string& path);
// Installs / removes the core-side trampoline of a registration key.
CoreReg installCore(App& app, const std::shared_ptr<Slot>& slot, const Registration& r, const std::string& existingId);
void removeCore(App& app, const std::string& key, const CoreReg& c);
// Adds a route trampoline (during init, to detect clashes). Throws std::invalid_argument.
std::string addRouteTrampoline(App& app, const std::shared_ptr<Slot>& slot, const std::string& method,
                               const std::string& path, const std::string& key);
// Fires SERVE / TERMINATE for one generation.
void fireLifecycle(Generation& g, int32_t kind, bool isRestart);
// Runs one cron job of the slot's pinned/active generation.
void runCron(const std::shared_ptr<Slot>& slot, const std::string& key);

}  // namespace pb::plugin
