// Trampolines between the core (hook bus, router, cron) and plugin handlers: the HOOK CHAIN rule
// of pb_plugin.h, generation pinning, exception containment and status <-> HTTP mapping.
#include <algorithm>

#include "app/app.hpp"
#include "cron/cron.hpp"
#include "plugin/internal.hpp"
#include "plugin/runner.hpp"
#include "util/api_error.hpp"

namespace pb::plugin {

namespace {

thread_local std::vector<std::pair<const Slot*, Generation*>> tlPins;

bool intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (auto& x : a)
        for (auto& y : b)
            if (x == y) return true;
    return false;
}

bool isAfterKind(int32_t k) {
    return k == PB_EVENT_RECORD_AFTER_CREATE_SUCCESS || k == PB_EVENT_RECORD_AFTER_CREATE_ERROR ||
           k == PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS || k == PB_EVENT_RECORD_AFTER_UPDATE_ERROR ||
           k == PB_EVENT_RECORD_AFTER_DELETE_SUCCESS || k == PB_EVENT_RECORD_AFTER_DELETE_ERROR;
}

bool isAfterSuccessKind(int32_t k) {
    return k == PB_EVENT_RECORD_AFTER_CREATE_SUCCESS || k == PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS ||
           k == PB_EVENT_RECORD_AFTER_DELETE_SUCCESS;
}

std::string exceptionText(std::exception_ptr ex) {
    try {
        std::rethrow_exception(ex);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

// The core's own 400 message for a failed record save ("Failed to create record.").
std::string saveFailMessage(const std::string& type) {
    if (type == "create") return "Failed to create record.";
    if (type == "update") return "Failed to update record.";
    return "";
}

// ---- event filling per core event type ----
void fill(pb_event& ev, RecordEvent& e) {
    ev.failMessage = saveFailMessage(e.type);
    ev.rec = e.record;
    ev.tags = e.tags();
    ev.collection = e.record->collection().name;
    if (e.error) ev.extras["error"] = exceptionText(e.error);
}
void fill(pb_event& ev, RecordRequestEvent& e) {
    if (ev.kind == PB_EVENT_RECORD_CREATE_REQUEST) ev.failMessage = saveFailMessage("create");
    if (ev.kind == PB_EVENT_RECORD_UPDATE_REQUEST) ev.failMessage = saveFailMessage("update");
    ev.req = e.req;
    ev.rec = e.record.get();
    ev.tags = e.tags();
    ev.collection = e.collection->name;
}
void fill(pb_event& ev, RecordAuthRequestEvent& e) {
    ev.req = e.req;
    ev.rec = e.record.get();
    ev.tags = e.tags();
    ev.collection = e.collection->name;
    ev.extras["authMethod"] = e.authMethod;
    ev.extras["token"] = e.token;
}
void fill(pb_event& ev, RecordAuthWithPasswordRequestEvent& e) {
    ev.req = e.req;
    ev.rec = e.record.get();
    ev.tags = e.tags();
    ev.collection = e.collection->name;
    ev.extras["identity"] = e.identity;
    ev.extras["identityField"] = e.identityField;
}
void fill(pb_event& ev, RequestEvent& e) { ev.req = &e; }

pb_status coreNext(pb_call* c, pb_event* ev, hook::Event& e) {
    SerialRelease unlocked(c->gen);
    try {
        e.next();
        return PB_OK;
    } catch (...) {
        ev->pending = std::current_exception();
        ev->pendingStatus = statusFromException(c, ev->pending);
        return ev->pendingStatus;
    }
}

// The core handler of one plugin registration key (hooks and global middlewares).
template <class E>
std::function<void(E&)> trampoline(std::shared_ptr<Slot> slot, std::string key, int32_t kind) {
    return [slot = std::move(slot), key = std::move(key), kind](E& e) {
        Pin pin(slot);
        Generation* g = pin.get();
        const Registration* r = g && !g->faulted ? g->find(key) : nullptr;
        if (!r) {
            e.next();  // not in this generation (or it is faulted): as if absent
            return;
        }
        pb_event ev;
        ev.kind = kind;
        fill(ev, e);
        ev.readonly = isAfterKind(kind);
        ev.recWrap = pb_record{ev.rec, nullptr, ev.readonly};
        ev.reqWrap = pb_request{ev.req};
        std::vector<const Registration*> chain{r};
        ev.chain = &chain;
        ev.final = [&e](pb_call* c, pb_event* evp) { return coreNext(c, evp, e); };
        pb_call call;
        call.gen = g;
        pb_status s = runFrom(&call, &ev, 0);
        if (s < 0) {
            // After-success: the write is committed and the error goes to the caller (PocketBase's
            // Save returns it); say which plugin failed it. 5xx and timeouts are logged by
            // throwStatus, a core handler's error passed through next() is not this plugin's.
            bool own = !(ev.pending && s == ev.pendingStatus);
            if (isAfterSuccessKind(kind) && own && !call.timedOut && httpStatusOf(s) < 500)
                g->host->log(g->name, PB_LOG_WARN,
                             std::string("after-success hook failed (the write stays committed): ") + statusString(s) +
                                 (call.message.empty() ? "" : ": " + call.message));
            throwStatus(&call, &ev, s);
        }
    };
}

template <class Fn>
bool visitHook(Hooks& h, int32_t kind, Fn&& fn) {
    switch (kind) {
        case PB_EVENT_RECORD_VALIDATE: fn(h.onRecordValidate); return true;
        case PB_EVENT_RECORD_CREATE: fn(h.onRecordCreate); return true;
        case PB_EVENT_RECORD_CREATE_EXECUTE: fn(h.onRecordCreateExecute); return true;
        case PB_EVENT_RECORD_AFTER_CREATE_SUCCESS: fn(h.onRecordAfterCreateSuccess); return true;
        case PB_EVENT_RECORD_AFTER_CREATE_ERROR: fn(h.onRecordAfterCreateError); return true;
        case PB_EVENT_RECORD_UPDATE: fn(h.onRecordUpdate); return true;
        case PB_EVENT_RECORD_UPDATE_EXECUTE: fn(h.onRecordUpdateExecute); return true;
        case PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS: fn(h.onRecordAfterUpdateSuccess); return true;
        case PB_EVENT_RECORD_AFTER_UPDATE_ERROR: fn(h.onRecordAfterUpdateError); return true;
        case PB_EVENT_RECORD_DELETE: fn(h.onRecordDelete); return true;
        case PB_EVENT_RECORD_DELETE_EXECUTE: fn(h.onRecordDeleteExecute); return true;
        case PB_EVENT_RECORD_AFTER_DELETE_SUCCESS: fn(h.onRecordAfterDeleteSuccess); return true;
        case PB_EVENT_RECORD_AFTER_DELETE_ERROR: fn(h.onRecordAfterDeleteError); return true;
        case PB_EVENT_RECORD_AUTH_REQUEST: fn(h.onRecordAuthRequest); return true;
        case PB_EVENT_RECORD_AUTH_WITH_PASSWORD_REQUEST: fn(h.onRecordAuthWithPasswordRequest); return true;
        case PB_EVENT_RECORD_AUTH_REFRESH_REQUEST: fn(h.onRecordAuthRefreshRequest); return true;
        case PB_EVENT_RECORD_VIEW_REQUEST: fn(h.onRecordViewRequest); return true;
        case PB_EVENT_RECORD_CREATE_REQUEST: fn(h.onRecordCreateRequest); return true;
        case PB_EVENT_RECORD_UPDATE_REQUEST: fn(h.onRecordUpdateRequest); return true;
        case PB_EVENT_RECORD_DELETE_REQUEST: fn(h.onRecordDeleteRequest); return true;
        default: return false;
    }
}

template <class E>
void bindTrampoline(hook::Hook<E>& h, const std::shared_ptr<Slot>& slot, const Registration& r, const std::string& id) {
    h.bind(hook::Handler<E>{id, r.priority, trampoline<E>(slot, r.key, r.kind), {}});
}

}  // namespace

// ---- status mapping ----

int httpStatusOf(pb_status s) {
    switch (s) {
        case PB_E_INVALID_ARG:
        case PB_E_VALIDATION: return 400;
        case PB_E_UNAUTHORIZED: return 401;
        case PB_E_FORBIDDEN: return 403;
        case PB_E_NOT_FOUND: return 404;
        case PB_E_CONFLICT: return 409;
        case PB_E_TOO_LARGE: return 413;
        case PB_E_TOO_MANY_REQUESTS: return 429;
        default: return 500;
    }
}

pb_status statusOfHttp(int http, bool hasData) {
    switch (http) {
        case 400: return hasData ? PB_E_VALIDATION : PB_E_INVALID_ARG;
        case 401: return PB_E_UNAUTHORIZED;
        case 403: return PB_E_FORBIDDEN;
        case 404: return PB_E_NOT_FOUND;
        case 409: return PB_E_CONFLICT;
        case 413: return PB_E_TOO_LARGE;
        case 429: return PB_E_TOO_MANY_REQUESTS;
        default: return PB_E_INTERNAL;
    }
}

const char* statusString(pb_status s) {
    switch (s) {
        case PB_OK: return "ok";
        case PB_HANDLED: return "handled";
        case PB_E_INVALID_ARG: return "invalid argument";
        case PB_E_VALIDATION: return "validation failed";
        case PB_E_UNAUTHORIZED: return "unauthorized";
        case PB_E_FORBIDDEN: return "forbidden";
        case PB_E_NOT_FOUND: return "not found";
        case PB_E_CONFLICT: return "conflict";
        case PB_E_INTERNAL: return "internal error";
        case PB_E_UNSUPPORTED: return "unsupported";
        case PB_E_WRONG_PHASE: return "wrong phase";
        case PB_E_NOMEM: return "out of memory";
        case PB_E_ABORTED: return "aborted";
        case PB_E_TOO_LARGE: return "too large";
        case PB_E_TOO_MANY_REQUESTS: return "too many requests";
        default: return "unknown status";
    }
}

pb_status statusFromException(pb_call* c, std::exception_ptr ex) {
    try {
        std::rethrow_exception(ex);
    } catch (const ApiError& e) {
        bool hasData = e.data().isObject() && e.data().size() > 0;
        c->status = statusOfHttp(e.status(), hasData);
        c->message = e.message();
        c->fieldErrors = hasData && e.status() == 400 ? e.data() : json::Value::object();
    } catch (const std::bad_alloc&) {
        c->status = PB_E_NOMEM;
        c->message = "out of memory";
    } catch (const std::exception& e) {
        c->status = PB_E_INTERNAL;
        c->message = e.what();
    } catch (...) {
        c->status = PB_E_INTERNAL;
        c->message = "unknown error";
    }
    return c->status;
}

void throwStatus(pb_call* c, pb_event* ev, pb_status s) {
    if (c->timedOut) throw ApiError(504, "The plugin did not answer in time.");
    if (ev && ev->pending && s == ev->pendingStatus) std::rethrow_exception(ev->pending);
    int http = httpStatusOf(s);
    if (http >= 500) {
        if (c->gen)
            c->gen->host->log(c->gen->name, PB_LOG_ERROR,
                              std::string("handler failed: ") + statusString(s) + (c->message.empty() ? "" : ": " + c->message));
        throw ApiError(500, "");
    }
    json::Value data = http == 400 ? c->fieldErrors : json::Value::object();
    // A validation failure without a message of its own (pb::Error::validation; the text older
    // SDK headers sent) gets the core's envelope for the same failure.
    std::string msg = c->message;
    if (http == 400 && ev && !ev->failMessage.empty() && (msg.empty() || msg == "Failed to validate record."))
        msg = ev->failMessage;
    throw ApiError(http, msg, data);
}

// ---- chain rule ----

pb_status runFrom(pb_call* c, pb_event* ev, size_t i) {
    const auto& chain = *ev->chain;
    while (i < chain.size() && !chain[i]->tags.empty() && !intersects(chain[i]->tags, ev->tags)) ++i;
    if (i >= chain.size()) return ev->final ? ev->final(c, ev) : PB_OK;
    const Registration* r = chain[i];
    ev->links.push_back({i + 1, false, PB_OK});
    pb_status ret = invokeHandler(*c->gen, *r, c, ev);
    pb_event::Link link = ev->links.back();
    ev->links.pop_back();
    if (ret < 0) return ret;
    if (link.called) return link.status;
    if (ret == PB_HANDLED) return PB_HANDLED;
    return runFrom(c, ev, i + 1);
}

namespace {
struct SerialLock {
    Generation* g = nullptr;
    explicit SerialLock(Generation& gen) {
        if (!gen.serialized() || gen.serialOwner.load() == std::this_thread::get_id()) return;
        gen.serialMu.lock();
        gen.serialOwner.store(std::this_thread::get_id());
        g = &gen;
    }
    ~SerialLock() {
        if (!g) return;
        g->serialOwner.store(std::thread::id{});
        g->serialMu.unlock();
    }
};
}  // namespace

namespace {
// Maps a CallResult: a missed deadline marks the call (-> 504), an escaped exception is a plugin bug.
pb_status settle(Generation& g, const CallResult& res, pb_call* c, const char* what) {
    if (res.timedOut) {
        c->timedOut = true;
        c->status = PB_E_ABORTED;
        c->message = std::string(what) + " timed out";
        return PB_E_ABORTED;
    }
    if (!res.exception.empty()) {
        g.host->log(g.name, PB_LOG_ERROR, std::string("exception escaped a ") + what + " (plugin bug): " + res.exception);
        c->status = PB_E_INTERNAL;
        c->message = std::string("exception escaped a plugin ") + what;
        return PB_E_INTERNAL;
    }
    return res.status;
}
}  // namespace

pb_status invokeHandler(Generation& g, const Registration& r, pb_call* c, pb_event* ev) {
    SerialLock lk(g);
    pb_handler_fn fn = r.fn;
    void* ud = r.ud;
    std::string what = "handler " + r.key;
    auto res = g.host->callPlugin(g, what.c_str(), [fn, c, ev, ud] { return fn(c, ev, ud); }, c);
    return settle(g, res, c, "handler");
}

pb_status invokeTask(Generation& g, pb_task_fn fn, void* ud, pb_call* c) {
    SerialLock lk(g);
    auto res = g.host->callPlugin(g, "a task", [fn, c, ud] { return fn(c, ud); }, c);
    return settle(g, res, c, "task");
}

SerialRelease::SerialRelease(Generation* g) {
    if (!g || !g->serialized() || g->serialOwner.load() != std::this_thread::get_id()) return;
    g->serialOwner.store(std::thread::id{});
    g->serialMu.unlock();
    g_ = g;
}

SerialRelease::~SerialRelease() {
    if (!g_) return;
    g_->serialMu.lock();
    g_->serialOwner.store(std::this_thread::get_id());
}

// ---- pins ----

Pin::Pin(const std::shared_ptr<Slot>& slot) {
    for (auto it = tlPins.rbegin(); it != tlPins.rend(); ++it) {
        if (it->first == slot.get()) {
            gen_ = it->second->shared_from_this();
            return;
        }
    }
    gen_ = slot->active.load();
    if (gen_) {
        tlPins.emplace_back(slot.get(), gen_.get());
        pushed_ = true;
    }
}

Pin::Pin(std::shared_ptr<Generation> gen) : gen_(std::move(gen)) {
    tlPins.emplace_back(gen_->slot.get(), gen_.get());
    pushed_ = true;
}

Pin::~Pin() {
    if (pushed_) tlPins.pop_back();
}

// ---- core registrations ----

bool isBindableKind(int32_t kind) {
    return (kind >= PB_EVENT_RECORD_VALIDATE && kind <= PB_EVENT_RECORD_AFTER_DELETE_ERROR) ||
           (kind >= PB_EVENT_RECORD_AUTH_REQUEST && kind <= PB_EVENT_RECORD_AUTH_REFRESH_REQUEST) ||
           (kind >= PB_EVENT_RECORD_VIEW_REQUEST && kind <= PB_EVENT_RECORD_DELETE_REQUEST) ||
           kind == PB_EVENT_SERVE || kind == PB_EVENT_TERMINATE;
}

CoreReg installCore(App& app, const std::shared_ptr<Slot>& slot, const Registration& r, const std::string& existingId) {
    CoreReg c;
    c.kind = r.kind;
    c.priority = r.priority;
    if (r.kind == 0) {  // cron
        c.coreId = slot->name + ":" + r.cronId;
        c.cronExpr = r.cronExpr;
        app.cron().add(c.coreId, r.cronExpr, [slot, key = r.key] { runCron(slot, key); });
        return c;
    }
    if (r.kind == PB_EVENT_MIDDLEWARE) {
        static std::atomic<uint64_t> counter{0};
        // A fresh id after an unbind: the router remembers unbound ids as excluded.
        c.coreId = !existingId.empty() ? existingId
                                       : "plugin:" + slot->name + ":" + r.key + "#" + std::to_string(++counter);
        app.router().bind(hook::Handler<RequestEvent>{c.coreId, r.priority,
                                                      trampoline<RequestEvent>(slot, r.key, PB_EVENT_MIDDLEWARE), {}});
        return c;
    }
    c.coreId = "plugin:" + slot->name + ":" + r.key;
    visitHook(app.hooks(), r.kind, [&](auto& h) { bindTrampoline(h, slot, r, c.coreId); });
    return c;
}

void removeCore(App& app, const std::string& key, const CoreReg& c) {
    (void)key;
    if (c.kind == 0) {
        app.cron().remove(c.coreId);
    } else if (c.kind == PB_EVENT_MIDDLEWARE) {
        app.router().unbind(c.coreId);
    } else if (c.kind == PB_EVENT_ROUTE) {
        app.router().removeRoute(c.coreId);
    } else {
        visitHook(app.hooks(), c.kind, [&](auto& h) { h.unbind(c.coreId); });
    }
}

std::string addRouteTrampoline(App& app, const std::shared_ptr<Slot>& slot, const std::string& method,
                               const std::string& path, const std::string& key) {
    return app.router().route(method, path, [slot, key](RequestEvent& e) {
        Pin pin(slot);
        Generation* g = pin.get();
        const Registration* r = g && !g->faulted ? g->find(key) : nullptr;
        if (!r) throw notFound();
        pb_event ev;
        ev.kind = PB_EVENT_ROUTE;
        ev.req = &e;
        ev.reqWrap = pb_request{&e};
        ev.chain = &r->chain;
        pb_call call;
        call.gen = g;
        pb_status s = runFrom(&call, &ev, 0);
        if (s < 0) throwStatus(&call, &ev, s);
        if (!e.written && !e.response.onStream) e.noContent(204);
    });
}

void fireLifecycle(Generation& g, int32_t kind, bool isRestart) {
    std::vector<const Registration*> chain;
    for (auto& r : g.regs)
        if (r.kind == kind) chain.push_back(&r);
    if (chain.empty()) return;
    std::stable_sort(chain.begin(), chain.end(), [](auto* a, auto* b) { return a->priority < b->priority; });
    Pin pin(g.shared_from_this());
    pb_event ev;
    ev.kind = kind;
    if (kind == PB_EVENT_TERMINATE) ev.extras["isRestart"] = isRestart ? "true" : "false";
    ev.chain = &chain;
    pb_call call;
    call.gen = &g;
    pb_status s = runFrom(&call, &ev, 0);
    if (s < 0)
        g.host->log(g.name, PB_LOG_ERROR,
                    std::string(kind == PB_EVENT_SERVE ? "serve" : "terminate") + " handler failed: " + statusString(s) +
                        (call.message.empty() ? "" : ": " + call.message));
}

void runCron(const std::shared_ptr<Slot>& slot, const std::string& key) {
    Pin pin(slot);
    Generation* g = pin.get();
    const Registration* r = g && !g->faulted ? g->find(key) : nullptr;
    if (!r) return;
    pb_call call;
    call.gen = g;
    pb_status s = invokeTask(*g, r->task, r->ud, &call);
    if (s < 0)
        g->host->log(g->name, PB_LOG_ERROR, "cron job " + r->cronId + " failed: " + statusString(s) +
                                                (call.message.empty() ? "" : ": " + call.message));
}

}  // namespace pb::plugin
