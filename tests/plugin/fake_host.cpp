// In-memory pb_host_api for tests (see fake_host.hpp).
#include "fake_host.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include <pb/json.hpp>

using fakehost::CallState;
using fakehost::Host;
using fakehost::Registration;

struct pb_plugin_ctx {
    Host* host = nullptr;
    bool in_init = false;
    std::vector<Registration> staged;
    std::string config;
    bool has_config = false;
    std::string init_error;
};

struct pb_group {
    pb_group* parent = nullptr;
    std::string prefix;
};

struct pb_call {
    Host* host = nullptr;
    CallState st;
    std::deque<std::string> strings;  // backing store of returned views (stable addresses)
    std::vector<std::unique_ptr<fakehost::Record>> owned;
    pb_str keep(std::string s) {
        strings.push_back(std::move(s));
        return pb_str{strings.back().c_str(), strings.back().size()};
    }
};

struct pb_event {
    int32_t kind = 0;
    fakehost::Record* rec = nullptr;
    fakehost::Request* rq = nullptr;
    std::string collection;
    std::vector<const Registration*> chain;
    std::function<pb_status()> final_action;
    struct Link {
        size_t next_index;
        bool next_called;
        pb_status next_status;
    };
    std::vector<Link> links;
};

struct pb_record_list {
    std::vector<fakehost::Record*> items;
};

struct Host::Impl {
    pb_plugin_ctx ctx;
    std::vector<std::unique_ptr<pb_group>> groups;
    std::map<std::string, std::vector<std::string>> schema = {
        {"posts", {"title", "slug", "body"}},
        {"audit_logs", {"action", "collection", "record", "data", "created"}},
        {"users", {"email", "name"}},
    };
    int next_id = 1;
};

namespace {

std::size_t len_of(const char* p, size_t n) { return n == PB_AUTO_LENGTH ? (p ? std::strlen(p) : 0) : n; }
std::string S(const char* p, size_t n) { return p ? std::string(p, len_of(p, n)) : std::string(); }
fakehost::Record* R(const pb_record* r) { return reinterpret_cast<fakehost::Record*>(const_cast<pb_record*>(r)); }
fakehost::Request* Q(pb_request* r) { return reinterpret_cast<fakehost::Request*>(r); }

bool tags_match(const Registration& r, const pb_event* ev) {
    if (r.tags.empty()) return true;
    return std::find(r.tags.begin(), r.tags.end(), ev->collection) != r.tags.end();
}

// The chain rule of pb_plugin.h, "HOOK CHAIN".
pb_status run_from(pb_call* c, pb_event* ev, size_t i) {
    while (i < ev->chain.size() && !tags_match(*ev->chain[i], ev)) ++i;  // skipped = PB_OK
    if (i >= ev->chain.size()) return ev->final_action ? ev->final_action() : PB_OK;
    const Registration* r = ev->chain[i];
    ev->links.push_back({i + 1, false, PB_OK});
    pb_status ret = r->fn(c, ev, r->user_data);
    pb_event::Link link = ev->links.back();
    ev->links.pop_back();
    if (ret < 0) return ret;
    if (link.next_called) return link.next_status;
    if (ret == PB_HANDLED) return PB_HANDLED;
    return run_from(c, ev, i + 1);
}

pb_status add_reg(pb_plugin_ctx* ctx, Registration r, const pb_bind_opts* o) {
    if (!ctx->in_init) return PB_E_WRONG_PHASE;
    if (o && o->struct_size >= sizeof(pb_bind_opts)) {
        r.priority = o->priority;
        for (size_t i = 0; i < o->tag_count; ++i) r.tags.push_back(S(o->tags[i].ptr, o->tags[i].len));
    }
    ctx->staged.push_back(std::move(r));
    return PB_OK;
}

std::string group_path(pb_group* g) { return g ? group_path(g->parent) + g->prefix : std::string(); }

pb_status get_field(pb_call* c, const pb_record* rec, const char* f, size_t n, std::string** out) {
    (void)c;
    auto it = R(rec)->fields.find(S(f, n));
    if (it == R(rec)->fields.end()) return PB_E_NOT_FOUND;
    *out = &it->second;
    return PB_OK;
}
pb_status set_field(pb_call* c, pb_record* rec, const char* f, size_t n, std::string json) {
    std::string* slot = nullptr;
    if (R(rec)->readonly) return PB_E_WRONG_PHASE;
    if (pb_status s = get_field(c, rec, f, n, &slot); s != PB_OK) return s;
    *slot = std::move(json);
    return PB_OK;
}

fakehost::Record* new_record(Host* h, const std::string& coll) {
    auto it = h->impl->schema.find(coll);
    if (it == h->impl->schema.end()) return nullptr;
    auto* r = new fakehost::Record{coll, "", {}, false};
    for (const auto& f : it->second) r->fields[f] = "null";
    return r;
}

const pb_host_api* make_api() {
    static pb_host_api a = [] {
        pb_host_api t{};
        t.struct_size = sizeof(pb_host_api);
        t.abi_major = PB_ABI_MAJOR;
        t.abi_minor = PB_ABI_MINOR;
        t.host_version = "fake";
        t.status_string = [](pb_status s) -> const char* { return s == PB_OK ? "ok" : s == PB_E_NOT_FOUND ? "not found" : "error"; };
        t.log = [](pb_plugin_ctx* ctx, int32_t level, const char* m, size_t n) {
            ctx->host->logs.push_back(std::to_string(level) + "|" + S(m, n));
        };
        t.set_error = [](pb_call* c, pb_status s, const char* m, size_t n) {
            if (s == PB_OK) c->st = CallState{};
            else { c->st.status = s; c->st.message = S(m, n); }
            return s;
        };
        t.add_field_error = [](pb_call* c, const char* f, size_t fl, const char* code, size_t cl, const char* m, size_t ml) {
            c->st.field_errors[S(f, fl)] = {S(code, cl), S(m, ml)};
            c->st.status = PB_E_VALIDATION;
            return static_cast<pb_status>(PB_E_VALIDATION);
        };
        t.get_error = [](pb_call* c, pb_status* s, pb_str* m) {
            *s = c->st.status;
            *m = c->keep(c->st.message);
            return static_cast<pb_status>(PB_OK);
        };
        t.config = [](pb_plugin_ctx* ctx, pb_str* out) {
            if (!ctx->has_config) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = pb_str{ctx->config.c_str(), ctx->config.size()};
            return static_cast<pb_status>(PB_OK);
        };
        t.init_error = [](pb_plugin_ctx* ctx, pb_status s, const char* m, size_t n) {
            ctx->init_error = S(m, n);
            return s;
        };
        t.bind = [](pb_plugin_ctx* ctx, int32_t ev, const pb_bind_opts* o, pb_handler_fn fn, void* ud, pb_destroy_fn d) {
            if (ev < PB_EVENT_RECORD_VALIDATE || ev > PB_EVENT_TERMINATE) return static_cast<pb_status>(PB_E_INVALID_ARG);
            Registration r;
            r.event = ev, r.fn = fn, r.user_data = ud, r.destroy = d;
            return add_reg(ctx, std::move(r), o);
        };
        t.group = [](pb_plugin_ctx* ctx, pb_group* parent, const char* p, size_t n, pb_group** out) {
            if (!ctx->in_init) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            ctx->host->impl->groups.push_back(std::make_unique<pb_group>(pb_group{parent, S(p, n)}));
            *out = ctx->host->impl->groups.back().get();
            return static_cast<pb_status>(PB_OK);
        };
        t.middleware = [](pb_plugin_ctx* ctx, pb_group* g, const pb_bind_opts* o, pb_handler_fn fn, void* ud, pb_destroy_fn d) {
            Registration r;
            r.event = PB_EVENT_MIDDLEWARE, r.group = g, r.fn = fn, r.user_data = ud, r.destroy = d;
            return add_reg(ctx, std::move(r), o);
        };
        t.route = [](pb_plugin_ctx* ctx, pb_group* g, const char* m, size_t ml, const char* p, size_t pl,
                     const pb_bind_opts* o, pb_handler_fn fn, void* ud, pb_destroy_fn d) {
            Registration r;
            r.event = PB_EVENT_ROUTE, r.group = g, r.fn = fn, r.user_data = ud, r.destroy = d;
            r.method = S(m, ml), r.path = group_path(g) + S(p, pl);
            return add_reg(ctx, std::move(r), o);
        };
        t.cron = [](pb_plugin_ctx* ctx, const char* id, size_t il, const char* e, size_t el, pb_task_fn fn, void* ud, pb_destroy_fn d) {
            Registration r;
            r.task = fn, r.user_data = ud, r.destroy = d, r.cron_id = S(id, il), r.cron_expr = S(e, el);
            if (std::count(r.cron_expr.begin(), r.cron_expr.end(), ' ') != 4 && r.cron_expr[0] != '@')
                return static_cast<pb_status>(PB_E_INVALID_ARG);
            return add_reg(ctx, std::move(r), nullptr);
        };
        t.schedule = [](pb_plugin_ctx*, pb_task_fn, void*, pb_destroy_fn) { return static_cast<pb_status>(PB_E_UNSUPPORTED); };
        t.event_kind = [](pb_call*, pb_event* ev) { return ev->kind; };
        t.event_next = [](pb_call* c, pb_event* ev) {
            if (ev->links.empty() || ev->links.back().next_called) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            ev->links.back().next_called = true;
            size_t from = ev->links.back().next_index;
            pb_status s = run_from(c, ev, from);
            ev->links.back().next_status = s;
            return s;
        };
        t.event_record = [](pb_call*, pb_event* ev, pb_record** out) {
            if (!ev->rec) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = reinterpret_cast<pb_record*>(ev->rec);
            return static_cast<pb_status>(PB_OK);
        };
        t.event_collection = [](pb_call* c, pb_event* ev, pb_str* out) {
            if (ev->collection.empty()) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = c->keep(ev->collection);
            return static_cast<pb_status>(PB_OK);
        };
        t.event_request = [](pb_call*, pb_event* ev, pb_request** out) {
            if (!ev->rq) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = reinterpret_cast<pb_request*>(ev->rq);
            return static_cast<pb_status>(PB_OK);
        };
        t.event_get = [](pb_call*, pb_event*, const char*, size_t, pb_str*) { return static_cast<pb_status>(PB_E_NOT_FOUND); };
        t.record_id = [](pb_call* c, const pb_record* r, pb_str* out) { *out = c->keep(R(r)->id); return static_cast<pb_status>(PB_OK); };
        t.record_collection = [](pb_call* c, const pb_record* r, pb_str* out) { *out = c->keep(R(r)->collection); return static_cast<pb_status>(PB_OK); };
        t.record_get_text = [](pb_call* c, const pb_record* r, const char* f, size_t n, pb_str* out) {
            std::string* v = nullptr;
            if (pb_status s = get_field(c, r, f, n, &v); s != PB_OK) return s;
            if (*v == "null") { *out = c->keep(""); return static_cast<pb_status>(PB_OK); }
            auto str = pb::json::as_string(*v);
            if (!str) return static_cast<pb_status>(PB_E_INVALID_ARG);
            *out = c->keep(*str);
            return static_cast<pb_status>(PB_OK);
        };
        t.record_get_number = [](pb_call* c, const pb_record* r, const char* f, size_t n, double* out) {
            std::string* v = nullptr;
            if (pb_status s = get_field(c, r, f, n, &v); s != PB_OK) return s;
            auto d = pb::json::as_number(*v);
            if (!d) return static_cast<pb_status>(PB_E_INVALID_ARG);
            *out = *d;
            return static_cast<pb_status>(PB_OK);
        };
        t.record_get_bool = [](pb_call* c, const pb_record* r, const char* f, size_t n, int32_t* out) {
            std::string* v = nullptr;
            if (pb_status s = get_field(c, r, f, n, &v); s != PB_OK) return s;
            auto b = pb::json::as_bool(*v);
            if (!b) return static_cast<pb_status>(PB_E_INVALID_ARG);
            *out = *b ? 1 : 0;
            return static_cast<pb_status>(PB_OK);
        };
        t.record_get_json = [](pb_call* c, const pb_record* r, const char* f, size_t n, pb_str* out) {
            std::string* v = nullptr;
            if (pb_status s = get_field(c, r, f, n, &v); s != PB_OK) return s;
            *out = c->keep(*v);
            return static_cast<pb_status>(PB_OK);
        };
        t.record_set_text = [](pb_call* c, pb_record* r, const char* f, size_t n, const char* v, size_t vl) {
            return set_field(c, r, f, n, fakehost::quote(S(v, vl)));
        };
        t.record_set_number = [](pb_call* c, pb_record* r, const char* f, size_t n, double v) {
            return set_field(c, r, f, n, pb::json::number(v));
        };
        t.record_set_bool = [](pb_call* c, pb_record* r, const char* f, size_t n, int32_t v) {
            return set_field(c, r, f, n, v ? "true" : "false");
        };
        t.record_set_json = [](pb_call* c, pb_record* r, const char* f, size_t n, const char* j, size_t jl) {
            return set_field(c, r, f, n, S(j, jl));
        };
        t.record_to_json = [](pb_call* c, const pb_record* r, pb_str* out) {
            std::string s = "{\"id\":" + fakehost::quote(R(r)->id);
            for (const auto& [k, v] : R(r)->fields) s += "," + fakehost::quote(k) + ":" + v;
            *out = c->keep(s + "}");
            return static_cast<pb_status>(PB_OK);
        };
        t.record_new = [](pb_call* c, const char* coll, size_t n, pb_record** out) {
            fakehost::Record* r = new_record(c->host, S(coll, n));
            if (!r) return static_cast<pb_status>(PB_E_NOT_FOUND);
            c->owned.emplace_back(r);
            *out = reinterpret_cast<pb_record*>(r);
            return static_cast<pb_status>(PB_OK);
        };
        t.record_find_by_id = [](pb_call* c, const char* coll, size_t cl, const char* id, size_t il, pb_record** out) {
            for (auto& r : c->host->db) {
                if (r->collection == S(coll, cl) && r->id == S(id, il)) {
                    c->owned.push_back(std::make_unique<fakehost::Record>(*r));
                    *out = reinterpret_cast<pb_record*>(c->owned.back().get());
                    return static_cast<pb_status>(PB_OK);
                }
            }
            return static_cast<pb_status>(PB_E_NOT_FOUND);
        };
        t.record_find_by_filter = [](pb_call* c, const char* coll, size_t cl, const char* f, size_t fl, const char* p,
                                     size_t pl, const char* s, size_t sl, int64_t limit, int64_t offset, pb_record_list** out) {
            (void)offset;
            std::string collection = S(coll, cl);
            if (!c->host->impl->schema.count(collection)) return static_cast<pb_status>(PB_E_NOT_FOUND);
            c->host->filters.push_back(collection + "|" + S(f, fl) + "|" + S(p, pl) + "|" + S(s, sl) + "|" +
                                       std::to_string(limit));
            auto* l = new pb_record_list;
            for (auto& r : c->host->db)
                if (r->collection == collection) l->items.push_back(r.get());
            *out = l;
            return static_cast<pb_status>(PB_OK);
        };
        t.record_list_count = [](pb_call*, const pb_record_list* l) { return l->items.size(); };
        t.record_list_at = [](pb_call*, pb_record_list* l, size_t i) { return reinterpret_cast<pb_record*>(l->items.at(i)); };
        t.record_list_release = [](pb_call*, pb_record_list* l) { delete l; };
        t.record_save = [](pb_call* c, pb_record* rec) {
            fakehost::Record* r = R(rec);
            if (r->readonly) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            if (r->id.empty()) r->id = "r" + std::to_string(c->host->impl->next_id++);
            c->host->db.push_back(std::make_unique<fakehost::Record>(*r));
            return static_cast<pb_status>(PB_OK);
        };
        t.record_delete = [](pb_call* c, pb_record*) { ++c->host->deleted; return static_cast<pb_status>(PB_OK); };
        t.record_release = [](pb_call* c, pb_record* rec) {
            auto& o = c->owned;
            o.erase(std::remove_if(o.begin(), o.end(), [&](auto& p) { return p.get() == R(rec); }), o.end());
        };
        t.req_method = [](pb_call* c, pb_request* rq, pb_str* out) { *out = c->keep(Q(rq)->method); return static_cast<pb_status>(PB_OK); };
        t.req_path = [](pb_call* c, pb_request* rq, pb_str* out) { *out = c->keep(Q(rq)->path); return static_cast<pb_status>(PB_OK); };
        auto lookup = [](pb_call* c, const std::map<std::string, std::string>& m, const char* n, size_t l, pb_str* out) {
            auto it = m.find(S(n, l));
            if (it == m.end()) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = c->keep(it->second);
            return static_cast<pb_status>(PB_OK);
        };
        static decltype(lookup) lk = lookup;
        t.req_path_param = [](pb_call* c, pb_request* rq, const char* n, size_t l, pb_str* out) { return lk(c, Q(rq)->params, n, l, out); };
        t.req_query = [](pb_call* c, pb_request* rq, const char* n, size_t l, pb_str* out) { return lk(c, Q(rq)->query, n, l, out); };
        t.req_header = [](pb_call* c, pb_request* rq, const char* n, size_t l, pb_str* out) { return lk(c, Q(rq)->headers, n, l, out); };
        t.req_body = [](pb_call* c, pb_request* rq, pb_str* out) { *out = c->keep(Q(rq)->body); return static_cast<pb_status>(PB_OK); };
        t.req_auth = [](pb_call*, pb_request* rq, const pb_record** out) {
            if (!Q(rq)->auth) return static_cast<pb_status>(PB_E_NOT_FOUND);
            *out = reinterpret_cast<const pb_record*>(Q(rq)->auth);
            return static_cast<pb_status>(PB_OK);
        };
        t.req_remote_ip = [](pb_call* c, pb_request* rq, pb_str* out) { *out = c->keep(Q(rq)->remote_ip); return static_cast<pb_status>(PB_OK); };
        t.res_set_header = [](pb_call*, pb_request* rq, const char* n, size_t nl, const char* v, size_t vl) {
            if (Q(rq)->status) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            Q(rq)->response_headers[S(n, nl)] = S(v, vl);
            return static_cast<pb_status>(PB_OK);
        };
        t.res_write_json = [](pb_call*, pb_request* rq, int32_t st, const char* j, size_t n) {
            if (Q(rq)->status) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            Q(rq)->status = st, Q(rq)->response = S(j, n), Q(rq)->content_type = "application/json";
            return static_cast<pb_status>(PB_OK);
        };
        t.res_write_bytes = [](pb_call*, pb_request* rq, int32_t st, const char* ct, size_t cl, const void* d, size_t n) {
            if (Q(rq)->status) return static_cast<pb_status>(PB_E_WRONG_PHASE);
            Q(rq)->status = st, Q(rq)->response = std::string(static_cast<const char*>(d), n), Q(rq)->content_type = S(ct, cl);
            return static_cast<pb_status>(PB_OK);
        };
        t.res_written = [](pb_call*, pb_request* rq) { return static_cast<int32_t>(Q(rq)->status != 0); };
        t.realtime_send = [](pb_plugin_ctx* ctx, const char* tp, size_t tl, const char* d, size_t dl) {
            ctx->host->realtime.push_back(S(tp, tl) + "|" + S(d, dl));
            return static_cast<pb_status>(PB_OK);
        };
        return t;
    }();
    return &a;
}

}  // namespace

namespace fakehost {

std::string quote(const std::string& s) { return pb::json::quote(s); }

Host::Host() : impl(std::make_unique<Impl>()) { impl->ctx.host = this; }
Host::~Host() { unload(PB_SHUTDOWN_EXIT); }

pb_status Host::load(const std::string& path, const std::string& config_json) {
    lib_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) return PB_E_NOT_FOUND;
    auto mf = reinterpret_cast<pb_plugin_manifest_fn>(dlsym(lib_, PB_PLUGIN_MANIFEST_SYMBOL));
    auto init = reinterpret_cast<pb_plugin_init_fn>(dlsym(lib_, PB_PLUGIN_INIT_SYMBOL));
    if (!mf || !init) return PB_E_UNSUPPORTED;
    manifest_ = mf();
    if (manifest_->struct_size < sizeof(pb_plugin_manifest) || manifest_->abi_major != PB_ABI_MAJOR ||
        manifest_->abi_minor > PB_ABI_MINOR)
        return PB_E_UNSUPPORTED;
    impl->ctx.config = config_json;
    impl->ctx.has_config = !config_json.empty();
    impl->ctx.in_init = true;
    pb_status s = init(make_api(), &impl->ctx, &state_);
    impl->ctx.in_init = false;
    init_error_ = impl->ctx.init_error;
    if (s != PB_OK) {  // staged registrations are dropped; their destroy() runs
        for (auto& r : impl->ctx.staged)
            if (r.destroy) r.destroy(r.user_data), ++destroy_calls;
        impl->ctx.staged.clear();
        return s;
    }
    regs = std::move(impl->ctx.staged);  // publish
    std::stable_sort(regs.begin(), regs.end(), [](auto& a, auto& b) { return a.priority < b.priority; });
    return PB_OK;
}

void Host::unload(int32_t reason) {
    if (!lib_) return;
    if (manifest_ && manifest_->shutdown) manifest_->shutdown(state_, reason);
    for (auto& r : regs)
        if (r.destroy) r.destroy(r.user_data), ++destroy_calls;
    regs.clear();
    dlclose(lib_);
    lib_ = nullptr;
}

namespace {
void copy_state(pb_call& c, CallState* out) {
    if (out) *out = c.st;
}
}  // namespace

pb_status Host::fire_record(int32_t event, Record& rec, CallState* out, std::function<pb_status()> default_action) {
    pb_call call;
    call.host = this;
    pb_event ev;
    ev.kind = event;
    ev.rec = &rec;
    ev.collection = rec.collection;
    ev.final_action = std::move(default_action);
    for (auto& r : regs)
        if (r.event == event) ev.chain.push_back(&r);
    pb_status s = run_from(&call, &ev, 0);
    copy_state(call, out);
    return s;
}

namespace {
// "/api/greet/hello/{name}" vs "/api/greet/hello/Ann" -> params.
bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
    size_t i = 0, j = 0;
    while (i < pattern.size() && j < path.size()) {
        if (pattern[i] == '{') {
            size_t close = pattern.find('}', i);
            size_t end = path.find('/', j);
            if (end == std::string::npos) end = path.size();
            params[pattern.substr(i + 1, close - i - 1)] = path.substr(j, end - j);
            i = close + 1, j = end;
        } else if (pattern[i++] != path[j++]) {
            return false;
        }
    }
    return i == pattern.size() && j == path.size();
}
}  // namespace

pb_status Host::dispatch(Request& rq, CallState* out) {
    const Registration* route = nullptr;
    for (auto& r : regs) {
        std::map<std::string, std::string> params;
        if (r.event == PB_EVENT_ROUTE && (r.method == rq.method || r.method == "*") && match(r.path, rq.path, params)) {
            route = &r;
            rq.params = params;
            break;
        }
    }
    if (!route) return PB_E_NOT_FOUND;
    pb_call call;
    call.host = this;
    pb_event ev;
    ev.kind = PB_EVENT_MIDDLEWARE;
    ev.rq = &rq;
    // Outer groups first, each group's middlewares by priority, then the route itself.
    std::vector<pb_group*> scopes;
    for (pb_group* g = route->group; g; g = g->parent) scopes.insert(scopes.begin(), g);
    for (pb_group* g : scopes)
        for (auto& r : regs)
            if (r.event == PB_EVENT_MIDDLEWARE && r.group == g) ev.chain.push_back(&r);
    ev.chain.push_back(route);
    pb_status s = run_from(&call, &ev, 0);
    copy_state(call, out);
    return s;
}

pb_status Host::run_cron(const std::string& id, CallState* out) {
    for (auto& r : regs) {
        if (r.task && r.cron_id == id) {
            pb_call call;
            call.host = this;
            pb_status s = r.task(&call, r.user_data);
            copy_state(call, out);
            return s;
        }
    }
    return PB_E_NOT_FOUND;
}

pb_status Host::fire_serve(CallState* out) {
    pb_call call;
    call.host = this;
    pb_event ev;
    ev.kind = PB_EVENT_SERVE;
    for (auto& r : regs)
        if (r.event == PB_EVENT_SERVE) ev.chain.push_back(&r);
    pb_status s = run_from(&call, &ev, 0);
    copy_state(call, out);
    return s;
}

}  // namespace fakehost
