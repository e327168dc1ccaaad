// SPDX-License-Identifier: MIT
// pb/plugin.hpp -- header-only C++17 wrapper over the C ABI in <pb_plugin.h>.
//
//   #include <pb/plugin.hpp>
//   PB_PLUGIN_FUNC("hello", "1.0.0", "says hello") {
//       reg.get("/api/hello", [](pb::RequestEvent& e) {
//           e.request().json(200, pb::json::Object().add("message", "hi").str());
//       });
//   }
//
// Rules the wrapper implements (see pb_plugin.h for the ABI underneath):
// - Lambdas are boxed on the heap and handed to the host as user_data + destroy; the host frees
//   them exactly once when the plugin generation goes away.
// - Every trampoline catches everything: pb::Error -> its status (+ message, + field errors);
//   std::exception -> PB_E_INTERNAL with what(); anything else -> PB_E_INTERNAL.
// - A handler returning void means PB_OK ("continue"): the host runs the rest of the chain for
//   you, so forgetting e.next() never skips the write. Return pb::Status::handled to stop it.
// - Views (std::string_view) returned by accessors are borrowed: valid until the handler returns
//   or the same value is modified. Copy into std::string to keep them.
// - Failing host calls throw pb::Error (a "propagating" error keeps the host's own detail, e.g.
//   the field errors of a failed save).
#pragma once

#include <pb_plugin.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pbsdk {

enum class Status : int32_t {
    ok = PB_OK,
    handled = PB_HANDLED,
    invalid_arg = PB_E_INVALID_ARG,
    validation = PB_E_VALIDATION,
    unauthorized = PB_E_UNAUTHORIZED,
    forbidden = PB_E_FORBIDDEN,
    not_found = PB_E_NOT_FOUND,
    conflict = PB_E_CONFLICT,
    internal = PB_E_INTERNAL,
    unsupported = PB_E_UNSUPPORTED,
    wrong_phase = PB_E_WRONG_PHASE,
    nomem = PB_E_NOMEM,
    aborted = PB_E_ABORTED,
    too_large = PB_E_TOO_LARGE,
    too_many_requests = PB_E_TOO_MANY_REQUESTS,
};

namespace detail {
// One plugin per shared object, one generation per loaded copy: plain globals are right here
// (hidden visibility + -fno-gnu-unique keep them private to this copy).
inline const pb_host_api* g_api = nullptr;
inline pb_plugin_ctx* g_ctx = nullptr;
inline std::string_view view(pb_str s) { return s.ptr ? std::string_view(s.ptr, s.len) : std::string_view(); }
}  // namespace detail

/// The host table. Valid from init until the library is unloaded.
inline const pb_host_api& api() { return *detail::g_api; }
/// This generation's context (plugin-scoped).
inline pb_plugin_ctx* context() { return detail::g_ctx; }

struct FieldError {
    std::string field, code, message;
};

/// Thrown by handlers to fail with a status (mapped to HTTP by the host) and a message.
class Error : public std::exception {
public:
    Error(pb_status status, std::string message, std::vector<FieldError> fields = {})
        : status_(status), message_(std::move(message)), fields_(std::move(fields)) {}
    Error(Status status, std::string message) : Error(static_cast<pb_status>(status), std::move(message)) {}

    static Error bad_request(std::string m) { return Error(PB_E_INVALID_ARG, std::move(m)); }
    static Error unauthorized(std::string m = "Missing or invalid authentication.") {
        return Error(PB_E_UNAUTHORIZED, std::move(m));
    }
    static Error forbidden(std::string m = "You are not allowed to perform this request.") {
        return Error(PB_E_FORBIDDEN, std::move(m));
    }
    static Error not_found(std::string m = "The requested resource wasn't found.") {
        return Error(PB_E_NOT_FOUND, std::move(m));
    }
    static Error conflict(std::string m) { return Error(PB_E_CONFLICT, std::move(m)); }
    static Error internal(std::string m) { return Error(PB_E_INTERNAL, std::move(m)); }
    /// 400 with one field error: {"field":{"code":code,"message":message}}. No message of its
    /// own: the host answers with the core's ("Failed to create record." / "Failed to update
    /// record." from record hooks, PocketBase's generic 400 text elsewhere).
    static Error validation(std::string field, std::string code, std::string message) {
        return Error(PB_E_VALIDATION, "",
                     {FieldError{std::move(field), std::move(code), std::move(message)}});
    }
    /// Re-throws a failed host call without touching the detail the host stored on the call.
    static Error propagate(pb_status status) {
        Error e(status, "");
        e.propagate_ = true;
        return e;
    }

    pb_status status() const noexcept { return status_; }
    const std::string& message() const noexcept { return message_; }
    const std::vector<FieldError>& fields() const noexcept { return fields_; }
    Error& add_field(std::string field, std::string code, std::string message) {
        fields_.push_back({std::move(field), std::move(code), std::move(message)});
        return *this;
    }
    const char* what() const noexcept override {
        if (!message_.empty()) return message_.c_str();
        return detail::g_api ? detail::g_api->status_string(status_) : "plugin error";
    }

    /// Stores the detail on the call and returns the status (used by the trampolines).
    pb_status apply(pb_call* call) const noexcept {
        if (propagate_ || !detail::g_api || !call) return status_;
        for (const auto& f : fields_)
            api().add_field_error(call, f.field.data(), f.field.size(), f.code.data(), f.code.size(),
                                  f.message.data(), f.message.size());
        return api().set_error(call, status_, message_.data(), message_.size());
    }

private:
    pb_status status_;
    std::string message_;
    std::vector<FieldError> fields_;
    bool propagate_ = false;
};

/// Throws Error::propagate(s) when s is an error; returns s otherwise.
inline pb_status check(pb_status s) {
    if (s < 0) throw Error::propagate(s);
    return s;
}

// ------------------------------------------------------------------------------------------- log

/// [any thread]
inline void log(int32_t level, std::string_view msg) {
    if (detail::g_api) api().log(detail::g_ctx, level, msg.data(), msg.size());
}
inline void log_debug(std::string_view m) { log(PB_LOG_DEBUG, m); }
inline void log_info(std::string_view m) { log(PB_LOG_INFO, m); }
inline void log_warn(std::string_view m) { log(PB_LOG_WARN, m); }
inline void log_error(std::string_view m) { log(PB_LOG_ERROR, m); }

/// [any thread] The plugin's <plugins_dir>/<name>.json, if present (plugin-scoped view).
inline std::optional<std::string_view> config() {
    pb_str s{};
    if (!detail::g_api || api().config(detail::g_ctx, &s) != PB_OK) return std::nullopt;
    return detail::view(s);
}

/// [any thread] Sends a realtime message to the subscribers of `topic`.
inline void realtime_send(std::string_view topic, std::string_view data_json) {
    check(api().realtime_send(detail::g_ctx, topic.data(), topic.size(), data_json.data(), data_json.size()));
}

}  // namespace pbsdk

#include "json.hpp"

namespace pbsdk {

// ------------------------------------------------------------------------------------- records

/// A borrowed record (from an event, a request's auth or a list) or, as OwnedRecord, an owned one.
class Record {
public:
    Record(pb_call* call, pb_record* rec) : call_(call), rec_(rec) {}
    pb_record* raw() const { return rec_; }

    std::string_view id() const { return str(api().record_id(call_, rec_, &tmp_)); }
    std::string_view collection() const { return str(api().record_collection(call_, rec_, &tmp_)); }

    /// Text value ("" for null). Throws pb::Error(not_found) for an unknown field.
    std::string_view text(std::string_view field) const {
        return str(api().record_get_text(call_, rec_, field.data(), field.size(), &tmp_));
    }
    double number(std::string_view field) const {
        double d = 0;
        check(api().record_get_number(call_, rec_, field.data(), field.size(), &d));
        return d;
    }
    bool boolean(std::string_view field) const {
        int32_t b = 0;
        check(api().record_get_bool(call_, rec_, field.data(), field.size(), &b));
        return b != 0;
    }
    /// Any value as JSON text.
    std::string_view json(std::string_view field) const {
        return str(api().record_get_json(call_, rec_, field.data(), field.size(), &tmp_));
    }
    /// The whole record as JSON.
    std::string_view to_json() const { return str(api().record_to_json(call_, rec_, &tmp_)); }

    Record& set(std::string_view field, std::string_view v) {
        check(api().record_set_text(call_, rec_, field.data(), field.size(), v.data(), v.size()));
        return *this;
    }
    Record& set(std::string_view field, const char* v) { return set(field, std::string_view(v)); }
    Record& set(std::string_view field, const std::string& v) { return set(field, std::string_view(v)); }
    Record& set(std::string_view field, double v) {
        check(api().record_set_number(call_, rec_, field.data(), field.size(), v));
        return *this;
    }
    Record& set(std::string_view field, int v) { return set(field, static_cast<double>(v)); }
    Record& set(std::string_view field, int64_t v) { return set(field, static_cast<double>(v)); }
    Record& set(std::string_view field, bool v) {
        check(api().record_set_bool(call_, rec_, field.data(), field.size(), v ? 1 : 0));
        return *this;
    }
    Record& set_json(std::string_view field, std::string_view json) {
        check(api().record_set_json(call_, rec_, field.data(), field.size(), json.data(), json.size()));
        return *this;
    }

    /// Validates and saves (in the current transaction, if any). Throws on failure.
    void save() { check(api().record_save(call_, rec_)); }
    void remove() { check(api().record_delete(call_, rec_)); }

protected:
    std::string_view str(pb_status s) const {
        check(s);
        return detail::view(tmp_);
    }
    pb_call* call_;
    pb_record* rec_;
    mutable pb_str tmp_{};
};

/// An owned record: released when destroyed. Move-only.
class OwnedRecord : public Record {
public:
    OwnedRecord(pb_call* call, pb_record* rec) : Record(call, rec) {}
    OwnedRecord(OwnedRecord&& o) noexcept : Record(o.call_, o.rec_) { o.rec_ = nullptr; }
    OwnedRecord& operator=(OwnedRecord&& o) noexcept {
        if (this != &o) {
            reset();
            call_ = o.call_;
            rec_ = std::exchange(o.rec_, nullptr);
        }
        return *this;
    }
    OwnedRecord(const OwnedRecord&) = delete;
    OwnedRecord& operator=(const OwnedRecord&) = delete;
    ~OwnedRecord() { reset(); }

private:
    void reset() {
        if (rec_) api().record_release(call_, rec_);
        rec_ = nullptr;
    }
};

/// An owned list of records (from Call::find). Elements are borrowed from the list.
class RecordList {
public:
    RecordList(pb_call* call, pb_record_list* list) : call_(call), list_(list) {}
    RecordList(RecordList&& o) noexcept : call_(o.call_), list_(std::exchange(o.list_, nullptr)) {}
    RecordList(const RecordList&) = delete;
    RecordList& operator=(const RecordList&) = delete;
    RecordList& operator=(RecordList&&) = delete;
    ~RecordList() {
        if (list_) api().record_list_release(call_, list_);
    }
    size_t size() const { return list_ ? api().record_list_count(call_, list_) : 0; }
    bool empty() const { return size() == 0; }
    Record operator[](size_t i) const { return Record(call_, api().record_list_at(call_, list_, i)); }

    struct iterator {
        const RecordList* l;
        size_t i;
        Record operator*() const { return (*l)[i]; }
        iterator& operator++() { ++i; return *this; }
        bool operator!=(const iterator& o) const { return i != o.i; }
    };
    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, size()}; }

private:
    pb_call* call_;
    pb_record_list* list_;
};

/// One invocation: database access (joining the event's transaction) and error detail.
class Call {
public:
    explicit Call(pb_call* c) : c_(c) {}
    pb_call* raw() const { return c_; }

    OwnedRecord new_record(std::string_view collection) const {
        pb_record* r = nullptr;
        check(api().record_new(c_, collection.data(), collection.size(), &r));
        return OwnedRecord(c_, r);
    }
    /// nullopt when the record does not exist; throws on other errors.
    std::optional<OwnedRecord> find_by_id(std::string_view collection, std::string_view id) const {
        pb_record* r = nullptr;
        pb_status s = api().record_find_by_id(c_, collection.data(), collection.size(), id.data(), id.size(), &r);
        if (s == PB_E_NOT_FOUND) return std::nullopt;
        check(s);
        return OwnedRecord(c_, r);
    }
    /// Filter with {:name} placeholders bound from `params` (a JSON object).
    RecordList find(std::string_view collection, std::string_view filter, const json::Object& params = {},
                    std::string_view sort = {}, int64_t limit = 0, int64_t offset = 0) const {
        pb_record_list* l = nullptr;
        std::string p = params.empty() ? std::string() : params.str();
        check(api().record_find_by_filter(c_, collection.data(), collection.size(), filter.data(), filter.size(),
                                          p.empty() ? nullptr : p.data(), p.size(), sort.data(), sort.size(),
                                          limit, offset, &l));
        return RecordList(c_, l);
    }

private:
    pb_call* c_;
};

// ------------------------------------------------------------------------------------ requests

/// The HTTP exchange of a route, middleware or request event (borrowed).
class Request {
public:
    Request(pb_call* call, pb_request* rq) : call_(call), rq_(rq) {}
    pb_request* raw() const { return rq_; }

    std::string_view method() const { return str(api().req_method(call_, rq_, &tmp_)); }
    std::string_view path() const { return str(api().req_path(call_, rq_, &tmp_)); }
    std::string_view body() const { return str(api().req_body(call_, rq_, &tmp_)); }
    std::string_view remote_ip() const { return str(api().req_remote_ip(call_, rq_, &tmp_)); }
    std::optional<std::string_view> param(std::string_view name) const {
        return opt(api().req_path_param(call_, rq_, name.data(), name.size(), &tmp_));
    }
    std::optional<std::string_view> query(std::string_view name) const {
        return opt(api().req_query(call_, rq_, name.data(), name.size(), &tmp_));
    }
    std::optional<std::string_view> header(std::string_view name) const {
        return opt(api().req_header(call_, rq_, name.data(), name.size(), &tmp_));
    }
    /// The authenticated record (read-only), or nullopt for a guest.
    std::optional<Record> auth() const {
        const pb_record* r = nullptr;
        pb_status s = api().req_auth(call_, rq_, &r);
        if (s == PB_E_NOT_FOUND) return std::nullopt;
        check(s);
        return Record(call_, const_cast<pb_record*>(r));  // setters are refused by the host
    }

    void set_header(std::string_view name, std::string_view value) {
        check(api().res_set_header(call_, rq_, name.data(), name.size(), value.data(), value.size()));
    }
    void json(int status, std::string_view json) {
        check(api().res_write_json(call_, rq_, status, json.data(), json.size()));
    }
    void bytes(int status, std::string_view content_type, std::string_view data) {
        check(api().res_write_bytes(call_, rq_, status, content_type.data(), content_type.size(), data.data(),
                                    data.size()));
    }
    bool written() const { return api().res_written(call_, rq_) != 0; }

private:
    std::string_view str(pb_status s) const {
        check(s);
        return detail::view(tmp_);
    }
    std::optional<std::string_view> opt(pb_status s) const {
        if (s == PB_E_NOT_FOUND) return std::nullopt;
        return str(s);
    }
    pb_call* call_;
    pb_request* rq_;
    mutable pb_str tmp_{};
};

// -------------------------------------------------------------------------------------- events

/// Base of every event: kind, explicit next, call access, named extras.
class Event {
public:
    Event(pb_call* call, pb_event* ev) : call_(call), ev_(ev) {}
    int32_t kind() const { return api().event_kind(call_, ev_); }
    /// Runs the rest of the chain + the default action now and returns its status. Returning
    /// from the handler afterwards propagates that status (a downstream error is never lost).
    pb_status next() { return api().event_next(call_, ev_); }
    Call call() const { return Call(call_); }
    pb_call* raw_call() const { return call_; }
    pb_event* raw() const { return ev_; }
    /// Named extra value ("error", "authMethod", "isRestart", ...).
    std::optional<std::string_view> get(std::string_view name) const {
        pb_str s{};
        pb_status st = api().event_get(call_, ev_, name.data(), name.size(), &s);
        if (st == PB_E_NOT_FOUND) return std::nullopt;
        check(st);
        return detail::view(s);
    }

protected:
    pb_call* call_;
    pb_event* ev_;
};

/// Record model events (validate / create / update / delete, execute, after success / error).
class RecordEvent : public Event {
public:
    using Event::Event;
    Record record() const {
        pb_record* r = nullptr;
        check(api().event_record(call_, ev_, &r));
        return Record(call_, r);
    }
    std::string_view collection() const {
        pb_str s{};
        check(api().event_collection(call_, ev_, &s));
        return detail::view(s);
    }
};

/// Routes, middlewares and *Request hooks.
class RequestEvent : public Event {
public:
    using Event::Event;
    Request request() const {
        pb_request* r = nullptr;
        check(api().event_request(call_, ev_, &r));
        return Request(call_, r);
    }
    /// The event's record, if any (auth / CRUD request events).
    std::optional<Record> record() const {
        pb_record* r = nullptr;
        pb_status s = api().event_record(call_, ev_, &r);
        if (s == PB_E_NOT_FOUND) return std::nullopt;
        check(s);
        return Record(call_, r);
    }
};

using LifecycleEvent = Event;

// ---------------------------------------------------------------------------------- trampolines

namespace detail {

template <class Body>
pb_status guard(pb_call* call, Body&& body) noexcept {
    try {
        return body();
    } catch (const Error& e) {
        return e.apply(call);
    } catch (const std::exception& e) {
        return call ? api().set_error(call, PB_E_INTERNAL, e.what(), PB_AUTO_LENGTH) : PB_E_INTERNAL;
    } catch (...) {
        return call ? api().set_error(call, PB_E_INTERNAL, "unknown exception", PB_AUTO_LENGTH) : PB_E_INTERNAL;
    }
}

template <class R>
pb_status to_status(R&& r) {
    return static_cast<pb_status>(r);
}

template <class Ev, class F>
pb_status handler_trampoline(pb_call* call, pb_event* ev, void* ud) {
    return guard(call, [&]() -> pb_status {
        Ev e(call, ev);
        F& fn = *static_cast<F*>(ud);
        if constexpr (std::is_void_v<std::invoke_result_t<F&, Ev&>>) {
            fn(e);
            return PB_OK;
        } else {
            return to_status(fn(e));
        }
    });
}

template <class F>
pb_status task_trampoline(pb_call* call, void* ud) {
    return guard(call, [&]() -> pb_status {
        Call c(call);
        F& fn = *static_cast<F*>(ud);
        if constexpr (std::is_void_v<std::invoke_result_t<F&, Call&>>) {
            fn(c);
            return PB_OK;
        } else {
            return to_status(fn(c));
        }
    });
}

template <class F>
void destroy_box(void* p) {
    delete static_cast<F*>(p);
}

// Calls `reg` with a boxed copy of fn. On failure the box is still ours (ABI rule): free it.
template <class F, class Reg>
void register_boxed(F&& fn, Reg&& reg) {
    using Fn = std::decay_t<F>;
    auto box = std::make_unique<Fn>(std::forward<F>(fn));
    pb_status s = reg(static_cast<void*>(box.get()), &destroy_box<Fn>);
    if (s < 0) throw Error(s, std::string("registration failed: ") + api().status_string(s));
    box.release();
}

}  // namespace detail

/// [any thread] Runs fn(pb::Call&) soon on a worker thread (no transaction).
template <class F>
void schedule(F&& fn) {
    using Fn = std::decay_t<F>;
    detail::register_boxed(std::forward<F>(fn), [](void* ud, pb_destroy_fn d) {
        return api().schedule(detail::g_ctx, &detail::task_trampoline<Fn>, ud, d);
    });
}

}  // namespace pbsdk

#include "registrar.hpp"
