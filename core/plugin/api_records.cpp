// The pb_host_api table, part 2: records (joining the caller's write transaction: the DB layer
// makes every call on a thread inside write() use that transaction), request and response.
#include "api/activity.hpp"
#include "app/app.hpp"
#include "plugin/api_detail.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace pb::plugin::detail {

namespace {

using records::Record;

// Field lookup: PB_E_NOT_FOUND for unknown fields; the password hash and tokenKey are never
// readable through the plugin API.
pb_status fieldOf(const pb_record* rec, const char* f, size_t n, std::string& name, const schema::Field** out) {
    if (!rec || !rec->rec) return PB_E_INVALID_ARG;
    name = S(f, n);
    const schema::Field* fld = rec->rec->collection().field(name);
    if (!fld) return PB_E_NOT_FOUND;
    if (out) *out = fld;
    return PB_OK;
}

bool secret(const schema::Field& f) { return f.type == schema::FieldType::Password || f.name == "tokenKey"; }

pb_status getValue(pb_call* c, const pb_record* rec, const char* f, size_t n, const json::Value** out) {
    std::string name;
    const schema::Field* fld = nullptr;
    if (!c) return PB_E_INVALID_ARG;
    if (pb_status s = fieldOf(rec, f, n, name, &fld); s != PB_OK) return s;
    if (secret(*fld)) return PB_E_NOT_FOUND;
    *out = &rec->rec->get(name);
    return PB_OK;
}

pb_status setValue(pb_call* c, pb_record* rec, const char* f, size_t n, const json::Value& v) {
    std::string name;
    const schema::Field* fld = nullptr;
    if (!c) return PB_E_INVALID_ARG;
    if (pb_status s = fieldOf(rec, f, n, name, &fld); s != PB_OK) return s;
    if (rec->readonly) return PB_E_WRONG_PHASE;
    try {
        if (fld->type == schema::FieldType::Password) {
            if (!v.isString()) return PB_E_INVALID_ARG;
            rec->rec->setPassword(v.asString());
        } else {
            rec->rec->set(name, v);
        }
    } catch (...) {
        return statusFromException(c, std::current_exception());
    }
    return PB_OK;
}

// Runs host code that may throw and re-enter plugins (saves fire hooks).
template <class Fn>
pb_status guarded(pb_call* c, Fn&& fn) {
    SerialRelease unlocked(c->gen);
    try {
        fn();
        return PB_OK;
    } catch (...) {
        return statusFromException(c, std::current_exception());
    }
}

App& appOf(pb_call* c) { return c->gen->host->app(); }

pb_record* own(pb_call* c, records::RecordPtr r) {
    c->owned.push_back(std::make_unique<pb_record>(pb_record{r.get(), r, false}));
    return c->owned.back().get();
}

RequestEvent* reqOf(pb_request* rq) { return rq ? rq->e : nullptr; }

pb_status view(pb_call* c, pb_str* out, std::string s) {
    if (!out) return PB_E_INVALID_ARG;
    *out = c->keep(std::move(s));
    return PB_OK;
}

}  // namespace

void fillRecords(pb_host_api& t) {
    t.record_id = [](pb_call* c, const pb_record* r, pb_str* out) -> pb_status {
        if (!c || !r || !r->rec) return PB_E_INVALID_ARG;
        return view(c, out, r->rec->id());
    };
    t.record_collection = [](pb_call* c, const pb_record* r, pb_str* out) -> pb_status {
        if (!c || !r || !r->rec) return PB_E_INVALID_ARG;
        return view(c, out, r->rec->collection().name);
    };
    t.record_get_text = [](pb_call* c, const pb_record* r, const char* f, size_t n, pb_str* out) -> pb_status {
        const json::Value* v = nullptr;
        if (pb_status s = getValue(c, r, f, n, &v); s != PB_OK) return s;
        if (v->isNull()) return view(c, out, "");
        if (!v->isString()) return PB_E_INVALID_ARG;
        return view(c, out, v->asString());
    };
    t.record_get_number = [](pb_call* c, const pb_record* r, const char* f, size_t n, double* out) -> pb_status {
        const json::Value* v = nullptr;
        if (pb_status s = getValue(c, r, f, n, &v); s != PB_OK) return s;
        if (!out) return PB_E_INVALID_ARG;
        if (v->isNumber()) *out = v->asNumber();
        else if (v->isBool()) *out = v->asBool() ? 1 : 0;
        else if (v->isNull()) *out = 0;
        else return PB_E_INVALID_ARG;
        return PB_OK;
    };
    t.record_get_bool = [](pb_call* c, const pb_record* r, const char* f, size_t n, int32_t* out) -> pb_status {
        const json::Value* v = nullptr;
        if (pb_status s = getValue(c, r, f, n, &v); s != PB_OK) return s;
        if (!out) return PB_E_INVALID_ARG;
        if (v->isBool()) *out = v->asBool() ? 1 : 0;
        else if (v->isNull()) *out = 0;
        else return PB_E_INVALID_ARG;
        return PB_OK;
    };
    t.record_get_json = [](pb_call* c, const pb_record* r, const char* f, size_t n, pb_str* out) -> pb_status {
        const json::Value* v = nullptr;
        if (pb_status s = getValue(c, r, f, n, &v); s != PB_OK) return s;
        return view(c, out, v->dump());
    };
    t.record_set_text = [](pb_call* c, pb_record* r, const char* f, size_t n, const char* v, size_t vl) {
        return setValue(c, r, f, n, json::Value(S(v, vl)));
    };
    t.record_set_number = [](pb_call* c, pb_record* r, const char* f, size_t n, double v) {
        return setValue(c, r, f, n, json::Value(v));
    };
    t.record_set_bool = [](pb_call* c, pb_record* r, const char* f, size_t n, int32_t v) {
        return setValue(c, r, f, n, json::Value(v != 0));
    };
    t.record_set_json = [](pb_call* c, pb_record* r, const char* f, size_t n, const char* j, size_t jl) -> pb_status {
        auto parsed = json::parse(S(j, jl), nullptr, 64);
        if (!parsed) return PB_E_INVALID_ARG;
        return setValue(c, r, f, n, *parsed);
    };
    t.record_to_json = [](pb_call* c, const pb_record* r, pb_str* out) -> pb_status {
        if (!c || !r || !r->rec) return PB_E_INVALID_ARG;
        return view(c, out, r->rec->toJson(true).dump());
    };
    t.record_new = [](pb_call* c, const char* coll, size_t n, pb_record** out) -> pb_status {
        if (!c || !out) return PB_E_INVALID_ARG;
        auto col = appOf(c).findCollection(S(coll, n));
        if (!col) return PB_E_NOT_FOUND;
        *out = own(c, std::make_shared<Record>(col));
        return PB_OK;
    };
    t.record_find_by_id = [](pb_call* c, const char* coll, size_t cl, const char* id, size_t il,
                             pb_record** out) -> pb_status {
        if (!c || !out) return PB_E_INVALID_ARG;
        records::RecordPtr found;
        pb_status s = guarded(c, [&] {
            auto col = appOf(c).findCollection(S(coll, cl));
            if (col) found = appOf(c).findRecordById(col, S(id, il));
        });
        if (s != PB_OK) return s;
        if (!found) return PB_E_NOT_FOUND;
        *out = own(c, found);
        return PB_OK;
    };
    t.record_find_by_filter = [](pb_call* c, const char* coll, size_t cl, const char* filter, size_t fl,
                                 const char* params, size_t pl, const char* sort, size_t sl, int64_t limit,
                                 int64_t offset, pb_record_list** out) -> pb_status {
        if (!c || !out) return PB_E_INVALID_ARG;
        json::Value p = json::Value::object();
        std::string ptext = S(params, pl);
        if (!str::trim(ptext).empty()) {
            auto parsed = json::parse(ptext, nullptr, 64);
            if (!parsed || !parsed->isObject()) return PB_E_INVALID_ARG;
            p = std::move(*parsed);
        }
        std::vector<records::RecordPtr> rows;
        pb_status s = guarded(c, [&] {
            rows = appOf(c).findRecordsByFilter(S(coll, cl), S(filter, fl), S(sort, sl), static_cast<int>(limit),
                                                static_cast<int>(offset), p);
        });
        if (s != PB_OK) return s;
        auto list = std::make_unique<pb_record_list>();
        for (auto& r : rows) list->items.push_back(pb_record{r.get(), r, false});
        c->lists.push_back(std::move(list));
        *out = c->lists.back().get();
        return PB_OK;
    };
    t.record_list_count = [](pb_call*, const pb_record_list* l) -> size_t { return l ? l->items.size() : 0; };
    t.record_list_at = [](pb_call*, pb_record_list* l, size_t i) -> pb_record* {
        return l && i < l->items.size() ? &l->items[i] : nullptr;
    };
    t.record_list_release = [](pb_call* c, pb_record_list* l) {
        if (!c || !l) return;
        std::erase_if(c->lists, [l](auto& p) { return p.get() == l; });
    };
    t.record_save = [](pb_call* c, pb_record* r) -> pb_status {
        if (!c || !r || !r->rec) return PB_E_INVALID_ARG;
        if (r->readonly) return PB_E_WRONG_PHASE;
        return guarded(c, [&] { appOf(c).save(*r->rec); });
    };
    t.record_delete = [](pb_call* c, pb_record* r) -> pb_status {
        if (!c || !r || !r->rec) return PB_E_INVALID_ARG;
        if (r->readonly) return PB_E_WRONG_PHASE;
        return guarded(c, [&] { appOf(c).deleteRecord(*r->rec); });
    };
    t.record_release = [](pb_call* c, pb_record* r) {
        if (!c || !r) return;
        std::erase_if(c->owned, [r](auto& p) { return p.get() == r; });
    };
}

void fillRequest(pb_host_api& t) {
    t.req_method = [](pb_call* c, pb_request* rq, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        return view(c, out, rq->e->request.method);
    };
    t.req_path = [](pb_call* c, pb_request* rq, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        return view(c, out, str::urlDecode(rq->e->request.path, false));
    };
    t.req_path_param = [](pb_call* c, pb_request* rq, const char* n, size_t nl, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        std::string name = S(n, nl);
        for (auto& [k, v] : rq->e->pathParams)
            if (k == name) return view(c, out, v);
        return PB_E_NOT_FOUND;
    };
    t.req_query = [](pb_call* c, pb_request* rq, const char* n, size_t nl, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        auto v = rq->e->request.queryParam(S(n, nl));
        if (!v) return PB_E_NOT_FOUND;
        return view(c, out, *v);
    };
    t.req_header = [](pb_call* c, pb_request* rq, const char* n, size_t nl, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        const std::string* v = rq->e->request.header(str::lower(S(n, nl)));
        if (!v) return PB_E_NOT_FOUND;
        return view(c, out, *v);
    };
    t.req_body = [](pb_call* c, pb_request* rq, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq) || !out) return PB_E_INVALID_ARG;
        const std::string& b = rq->e->request.body;
        *out = pb_str{b.c_str(), b.size()};  // borrowed from the request itself
        return PB_OK;
    };
    t.req_auth = [](pb_call* c, pb_request* rq, const pb_record** out) -> pb_status {
        if (!c || !reqOf(rq) || !out) return PB_E_INVALID_ARG;
        if (!rq->e->auth) return PB_E_NOT_FOUND;
        c->borrowed.push_back(pb_record{rq->e->auth.get(), rq->e->auth, true});
        *out = &c->borrowed.back();
        return PB_OK;
    };
    t.req_remote_ip = [](pb_call* c, pb_request* rq, pb_str* out) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        // The client IP the core logs and rate-limits by (settings.trustedProxy).
        return view(c, out, api::realIp(rq->e->request, rq->e->app.settings().section("trustedProxy")));
    };
    t.res_set_header = [](pb_call* c, pb_request* rq, const char* n, size_t nl, const char* v, size_t vl) -> pb_status {
        if (!c || !reqOf(rq)) return PB_E_INVALID_ARG;
        std::string name = S(n, nl);
        if (name.empty()) return PB_E_INVALID_ARG;
        rq->e->setHeader(name, S(v, vl));
        return PB_OK;
    };
    t.res_write_json = [](pb_call* c, pb_request* rq, int32_t status, const char* j, size_t jl) -> pb_status {
        if (!c || !reqOf(rq) || status < 100 || status > 599) return PB_E_INVALID_ARG;
        if (rq->e->written) return PB_E_WRONG_PHASE;
        rq->e->jsonRaw(status, S(j, jl));
        return PB_OK;
    };
    t.res_write_bytes = [](pb_call* c, pb_request* rq, int32_t status, const char* ct, size_t ctl, const void* data,
                           size_t len) -> pb_status {
        if (!c || !reqOf(rq) || status < 100 || status > 599 || (!data && len)) return PB_E_INVALID_ARG;
        if (rq->e->written) return PB_E_WRONG_PHASE;
        std::string type = ct ? S(ct, ctl) : std::string("application/octet-stream");
        rq->e->bytes(status, len ? std::string(static_cast<const char*>(data), len) : std::string(), type.empty() ? "application/octet-stream" : type);
        return PB_OK;
    };
    t.res_written = [](pb_call*, pb_request* rq) -> int32_t { return reqOf(rq) && rq->e->written ? 1 : 0; };
}

}  // namespace pb::plugin::detail
