// The pb_host_api table, part 1: meta, log, errors, config, registration (staged), schedule,
// events and realtime. Records, request and response accessors are in api_records.cpp.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "app/app.hpp"
#include "cron/schedule.hpp"
#include "plugin/api_detail.hpp"
#include "plugin/host_slots.hpp"
#include "plugin/runner.hpp"
#include "router/pattern.hpp"
#include "util/strings.hpp"

namespace pb::plugin::detail {

namespace {

bool inInit(pb_plugin_ctx* ctx) {
    return ctx && ctx->gen && ctx->gen->inInit.load() && ctx->gen->initThread == std::this_thread::get_id();
}

// Reads a plugin's pb_bind_opts up to its struct_size (missing fields are zero). *id gets
// opts->id (empty when absent).
pb_status readOpts(const pb_bind_opts* o, Registration& r, std::string* id = nullptr) {
    if (!o) return PB_OK;
    pb_bind_opts copy{};
    size_t n = std::min<size_t>(o->struct_size, sizeof copy);
    if (n < sizeof(uint32_t)) return PB_E_INVALID_ARG;
    std::memcpy(&copy, o, n);
    r.priority = copy.priority;
    if (copy.tag_count > 0 && !copy.tags) return PB_E_INVALID_ARG;
    for (size_t i = 0; i < copy.tag_count; ++i) r.tags.push_back(S(copy.tags[i].ptr, copy.tags[i].len));
    if (copy.id.len > 0 && !copy.id.ptr) return PB_E_INVALID_ARG;
    if (id) *id = S(copy.id.ptr, copy.id.len);
    return PB_OK;
}

size_t countKind(const Generation& g, int32_t kind, const pb_group* group = nullptr) {
    size_t n = 0;
    for (auto& r : g.regs)
        if (r.kind == kind && r.group == group) ++n;
    return n;
}

Registration& stage(Generation& g, Registration r) {
    g.regs.push_back(std::move(r));
    Registration& ref = g.regs.back();
    g.byKey[ref.key] = &ref;
    return ref;
}

// A registration whose key is already staged replaces it in place, keeping its position
// (PocketBase's Hook.Bind with an existing Id); the replaced one is destroyed with the
// generation. Returns false when the key is new (the caller stages it).
bool replaceStaged(Generation& g, Registration& r) {
    auto it = g.byKey.find(r.key);
    if (it == g.byKey.end()) return false;
    g.dead.push_back(*it->second);
    *it->second = std::move(r);
    return true;
}

std::string fullPrefix(const pb_group* g) { return g ? g->prefix : std::string(); }

}  // namespace

void fillMeta(pb_host_api& t) {
    t.status_string = [](pb_status s) { return statusString(s); };
    t.log = [](pb_plugin_ctx* ctx, int32_t level, const char* m, size_t n) {
        if (!ctx || !ctx->gen) return;
        ctx->gen->host->log(ctx->gen->name, level, S(m, n));
    };
    t.set_error = [](pb_call* c, pb_status s, const char* m, size_t n) {
        if (!c) return s;
        if (s == PB_OK) {
            c->status = PB_OK;
            c->message.clear();
            c->fieldErrors = json::Value::object();
        } else {
            c->status = s;
            c->message = S(m, n);
        }
        return s;
    };
    t.add_field_error = [](pb_call* c, const char* f, size_t fl, const char* code, size_t cl, const char* m,
                           size_t ml) -> pb_status {
        if (!c) return PB_E_VALIDATION;
        json::Value fe = json::Value::object();
        fe.set("code", S(code, cl));
        fe.set("message", S(m, ml));
        c->fieldErrors.set(S(f, fl), fe);
        c->status = PB_E_VALIDATION;
        return PB_E_VALIDATION;
    };
    t.get_error = [](pb_call* c, pb_status* s, pb_str* m) -> pb_status {
        if (!c || !s || !m) return PB_E_INVALID_ARG;
        *s = c->status;
        *m = c->keep(c->message);
        return PB_OK;
    };
    t.config = [](pb_plugin_ctx* ctx, pb_str* out) -> pb_status {
        if (!ctx || !ctx->gen || !out) return PB_E_INVALID_ARG;
        if (!ctx->gen->hasConfig) return PB_E_NOT_FOUND;
        *out = pb_str{ctx->gen->config.c_str(), ctx->gen->config.size()};
        return PB_OK;
    };
    t.init_error = [](pb_plugin_ctx* ctx, pb_status s, const char* m, size_t n) {
        if (inInit(ctx)) ctx->gen->initError = S(m, n);
        return s;
    };
}

void fillRegistration(pb_host_api& t) {
    t.bind = [](pb_plugin_ctx* ctx, int32_t ev, const pb_bind_opts* o, pb_handler_fn fn, void* ud,
                pb_destroy_fn d) -> pb_status {
        if (!inInit(ctx)) return PB_E_WRONG_PHASE;
        if (!fn || !isBindableKind(ev)) return PB_E_INVALID_ARG;
        Generation& g = *ctx->gen;
        Registration r;
        r.kind = ev, r.fn = fn, r.ud = ud, r.destroy = d;
        std::string id;
        if (pb_status s = readOpts(o, r, &id); s != PB_OK) return s;
        // With an id the key is stable (the same core handler across reloads) and a second bind
        // of that id replaces the first.
        r.key = "h:" + std::to_string(ev) + ":" + (id.empty() ? std::to_string(countKind(g, ev)) : "id:" + id);
        if (!replaceStaged(g, r)) stage(g, std::move(r));
        return PB_OK;
    };
    t.group = [](pb_plugin_ctx* ctx, pb_group* parent, const char* p, size_t n, pb_group** out) -> pb_status {
        if (!inInit(ctx)) return PB_E_WRONG_PHASE;
        if (!out) return PB_E_INVALID_ARG;
        Generation& g = *ctx->gen;
        g.groups.push_back(pb_group{parent, router::joinPath(fullPrefix(parent), S(p, n)), {}});
        *out = &g.groups.back();
        return PB_OK;
    };
    t.middleware = [](pb_plugin_ctx* ctx, pb_group* group, const pb_bind_opts* o, pb_handler_fn fn, void* ud,
                      pb_destroy_fn d) -> pb_status {
        if (!inInit(ctx)) return PB_E_WRONG_PHASE;
        if (!fn) return PB_E_INVALID_ARG;
        Generation& g = *ctx->gen;
        Registration r;
        r.kind = PB_EVENT_MIDDLEWARE, r.group = group, r.fn = fn, r.ud = ud, r.destroy = d;
        std::string id;
        if (pb_status s = readOpts(o, r, &id); s != PB_OK) return s;
        if (group) {  // group middlewares run inside the route
            r.key = "m:" + (id.empty() ? std::to_string(g.regs.size()) : "id:" + id);
        } else {
            r.key = "gm:" + (id.empty() ? std::to_string(countKind(g, PB_EVENT_MIDDLEWARE)) : "id:" + id);
        }
        if (auto it = g.byKey.find(r.key); it != g.byKey.end() && it->second->group != group)
            return PB_E_CONFLICT;  // an id names one middleware of one scope
        if (replaceStaged(g, r)) return PB_OK;
        if (group) group->middlewares.push_back(g.regs.size());
        stage(g, std::move(r));
        return PB_OK;
    };
    t.route = [](pb_plugin_ctx* ctx, pb_group* group, const char* m, size_t ml, const char* p, size_t pl,
                 const pb_bind_opts* o, pb_handler_fn fn, void* ud, pb_destroy_fn d) -> pb_status {
        if (!inInit(ctx)) return PB_E_WRONG_PHASE;
        if (!fn) return PB_E_INVALID_ARG;
        Generation& g = *ctx->gen;
        Registration r;
        r.kind = PB_EVENT_ROUTE, r.group = group, r.fn = fn, r.ud = ud, r.destroy = d;
        if (pb_status s = readOpts(o, r); s != PB_OK) return s;
        r.tags.clear();
        r.method = str::upper(S(m, ml));
        if (r.method == "*") r.method.clear();
        r.path = router::joinPath(fullPrefix(group), S(p, pl));
        try {
            (void)router::Pattern::parse(r.path);
        } catch (const std::exception& ex) {
            g.initError = std::string("bad route pattern: ") + ex.what();
            return PB_E_INVALID_ARG;
        }
        r.key = "r:" + (r.method.empty() ? std::string("*") : r.method) + " " + r.path;
        if (g.byKey.count(r.key)) return PB_E_CONFLICT;
        // Reuse the core route of the previous generation, or add one now to detect clashes.
        // A new core route dispatches to the published generation, which does not have the key
        // yet, so it answers 404 until the swap - exactly as before it existed.
        if (!g.slot->installed.count(r.key)) {
            try {
                g.pendingRoutes[r.key] = addRouteTrampoline(g.host->app(), g.slot, r.method, r.path, r.key);
            } catch (const std::exception& ex) {
                g.initError = ex.what();
                return PB_E_CONFLICT;
            }
        }
        stage(g, std::move(r));
        return PB_OK;
    };
    t.cron = [](pb_plugin_ctx* ctx, const char* id, size_t il, const char* e, size_t el, pb_task_fn fn, void* ud,
                pb_destroy_fn d) -> pb_status {
        if (!inInit(ctx)) return PB_E_WRONG_PHASE;
        std::string cid = S(id, il), expr = S(e, el);
        if (!fn || cid.empty()) return PB_E_INVALID_ARG;
        std::string err;
        if (!cron::Schedule::tryParse(expr, &err)) {
            ctx->gen->initError = "bad cron expression '" + expr + "': " + err;
            return PB_E_INVALID_ARG;
        }
        Generation& g = *ctx->gen;
        Registration r;
        r.kind = 0, r.task = fn, r.ud = ud, r.destroy = d, r.cronId = cid, r.cronExpr = expr;
        r.key = "c:" + cid;
        if (auto it = g.byKey.find(r.key); it != g.byKey.end()) {  // same id: replace
            g.dead.push_back(*it->second);
            *it->second = std::move(r);
            return PB_OK;
        }
        stage(g, std::move(r));
        return PB_OK;
    };
    t.schedule = [](pb_plugin_ctx* ctx, pb_task_fn fn, void* ud, pb_destroy_fn d) -> pb_status {
        if (!ctx || !ctx->gen || !fn) return PB_E_INVALID_ARG;
        Generation& g = *ctx->gen;
        if (g.closing.load()) {
            if (d) d(ud);
            return PB_E_ABORTED;
        }
        struct Job {
            pb_task_fn fn;
            void* ud;
            pb_destroy_fn d;
        };
        auto* job = new Job{fn, ud, d};
        g.host->spawnTask(g.shared_from_this(), [](std::shared_ptr<Generation> gen, void* arg) {
            std::unique_ptr<Job> j(static_cast<Job*>(arg));
            if (!gen->closing.load()) {
                Pin pin(gen);
                pb_call call;
                call.gen = gen.get();
                pb_status s = invokeTask(*gen, j->fn, j->ud, &call);
                if (s < 0) gen->host->log(gen->name, PB_LOG_ERROR, std::string("scheduled task failed: ") + statusString(s));
            }
            if (j->d) j->d(j->ud);
        }, job);
        return PB_OK;
    };
}

void fillEvents(pb_host_api& t) {
    t.event_kind = [](pb_call*, pb_event* ev) -> int32_t {
        if (!ev) return 0;
        if (!ev->links.empty() && ev->chain) {
            size_t i = ev->links.back().next - 1;
            if (i < ev->chain->size() && (*ev->chain)[i]->kind == PB_EVENT_MIDDLEWARE) return PB_EVENT_MIDDLEWARE;
        }
        return ev->kind;
    };
    t.event_next = [](pb_call* c, pb_event* ev) -> pb_status {
        if (!c || !ev || ev->links.empty() || ev->links.back().called) return PB_E_WRONG_PHASE;
        size_t depth = ev->links.size() - 1;
        ev->links[depth].called = true;
        pb_status s = runFrom(c, ev, ev->links[depth].next);
        ev->links[depth].status = s;
        return s;
    };
    t.event_record = [](pb_call*, pb_event* ev, pb_record** out) -> pb_status {
        if (!ev || !out) return PB_E_INVALID_ARG;
        if (!ev->rec) return PB_E_NOT_FOUND;
        *out = &ev->recWrap;
        return PB_OK;
    };
    t.event_collection = [](pb_call* c, pb_event* ev, pb_str* out) -> pb_status {
        if (!ev || !out) return PB_E_INVALID_ARG;
        if (ev->collection.empty()) return PB_E_NOT_FOUND;
        *out = c->keep(ev->collection);
        return PB_OK;
    };
    t.event_request = [](pb_call*, pb_event* ev, pb_request** out) -> pb_status {
        if (!ev || !out) return PB_E_INVALID_ARG;
        if (!ev->req) return PB_E_NOT_FOUND;
        *out = &ev->reqWrap;
        return PB_OK;
    };
    t.event_get = [](pb_call* c, pb_event* ev, const char* n, size_t nl, pb_str* out) -> pb_status {
        if (!ev || !out) return PB_E_INVALID_ARG;
        auto it = ev->extras.find(S(n, nl));
        if (it == ev->extras.end()) return PB_E_NOT_FOUND;
        *out = c->keep(it->second);
        return PB_OK;
    };
    t.realtime_send = [](pb_plugin_ctx* ctx, const char* topic, size_t tl, const char* data, size_t dl) -> pb_status {
        if (!ctx || !ctx->gen) return PB_E_INVALID_ARG;
        std::string tp = S(topic, tl), body = S(data, dl);
        if (tp.empty() || !json::parse(body)) return PB_E_INVALID_ARG;
        // Broadcast on the app's realtime broker to the clients subscribed to `tp` (zero
        // subscribers is not an error: delivery is asynchronous and best effort).
        try {
            size_t n = ctx->gen->host->app().sendRealtimeMessage(tp, body);
            ctx->gen->host->log(ctx->gen->name, PB_LOG_DEBUG, "realtime_send " + tp + ": " + std::to_string(n) + " client(s)");
        } catch (...) {
            return PB_E_INTERNAL;
        }
        return PB_OK;
    };
}

}  // namespace pb::plugin::detail

namespace pb::plugin {

namespace {

const pb_host_api& rawApi() {
    static const pb_host_api table = [] {
        pb_host_api t{};
        t.struct_size = sizeof(pb_host_api);
        t.abi_major = PB_ABI_MAJOR;
        t.abi_minor = PB_ABI_MINOR;
        t.host_version = PB_VERSION;
        detail::fillMeta(t);
        detail::fillRegistration(t);
        detail::fillEvents(t);
        detail::fillRecords(t);
        detail::fillRequest(t);
        return t;
    }();
    return table;
}

template <class R>
R abortedValue() {
    if constexpr (std::is_pointer_v<R>) return nullptr;
    else if constexpr (std::is_same_v<R, pb_status>) return PB_E_ABORTED;
    else return R{};
}

// The table plugins see: every slot but RAW ones goes through runHostFunction (runner.hpp), by
// the mode host_slots.hpp gives it.
template <auto M, bool Marshal>
struct Wrap;
template <class R, class... A, R (*pb_host_api::*M)(A...), bool Marshal>
struct Wrap<M, Marshal> {
    static R call(A... a) {
        auto fn = rawApi().*M;
        try {  // nothing may unwind into plugin frames
            if constexpr (std::is_void_v<R>) runHostFunctionVoid([&] { fn(a...); }, Marshal);
            else return runHostFunction<R>([&] { return fn(a...); }, Marshal, abortedValue<R>());
        } catch (...) {
            if constexpr (std::is_same_v<R, pb_status>) return PB_E_INTERNAL;
            else if constexpr (!std::is_void_v<R>) return abortedValue<R>();
        }
    }
};

// The list covers pb_host_api exactly: its entries are the function slots in struct order,
// contiguous from status_string to the end (a slot left out, listed twice or out of order fails).
constexpr bool slotListCoversTable() {
    constexpr size_t offsets[] = {
#define PB_SLOT_OFFSET(slot, mode) offsetof(pb_host_api, slot),
        PB_HOST_API_SLOTS(PB_SLOT_OFFSET)
#undef PB_SLOT_OFFSET
    };
    size_t expect = offsetof(pb_host_api, status_string);
    for (size_t off : offsets) {
        if (off != expect) return false;
        expect += sizeof(void (*)());
    }
    return expect == sizeof(pb_host_api);
}
static_assert(slotListCoversTable(), "PB_HOST_API_SLOTS (plugin/host_slots.hpp) must list every pb_host_api slot in order");

template <auto M, bool Marshal>
void installWrapped(pb_host_api& t, const char* name) {
    if (!(rawApi().*M)) throw std::logic_error(std::string("pb_host_api slot not filled: ") + name);
    t.*M = &Wrap<M, Marshal>::call;
}
template <auto M>
void installRaw(pb_host_api& t, const char* name) {
    if (!(t.*M)) throw std::logic_error(std::string("pb_host_api slot not filled: ") + name);
}

}  // namespace

const pb_host_api* hostApi() {
    static const pb_host_api table = [] {
        pb_host_api t = rawApi();
#define PB_INSTALL_RAW(slot) installRaw<&pb_host_api::slot>(t, #slot);
#define PB_INSTALL_DIRECT(slot) installWrapped<&pb_host_api::slot, false>(t, #slot);
#define PB_INSTALL_MARSHAL(slot) installWrapped<&pb_host_api::slot, true>(t, #slot);
#define PB_INSTALL(slot, mode) PB_INSTALL_##mode(slot)
        PB_HOST_API_SLOTS(PB_INSTALL)
#undef PB_INSTALL
#undef PB_INSTALL_RAW
#undef PB_INSTALL_DIRECT
#undef PB_INSTALL_MARSHAL
        return t;
    }();
    return &table;
}

}  // namespace pb::plugin
