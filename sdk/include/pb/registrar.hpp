// SPDX-License-Identifier: MIT
// pb/registrar.hpp -- registration side of the C++ wrapper: Registrar, Group, Plugin, PB_PLUGIN.
// Included by <pb/plugin.hpp>; do not include directly.
#pragma once

namespace pbsdk {

/// Collection names or ids a record/request hook is limited to ({} = every collection).
class Tags {
public:
    Tags() = default;
    Tags(const char* one) : v_{std::string_view(one)} {}
    Tags(std::string_view one) : v_{one} {}
    Tags(std::initializer_list<std::string_view> l) : v_(l) {}
    const std::vector<std::string_view>& list() const { return v_; }

private:
    std::vector<std::string_view> v_;
};

namespace detail {
// Keeps the pb_str array alive for one bind() call (the host copies it).
struct Opts {
    Opts(const Tags& tags, int priority, std::string_view id) {
        for (auto t : tags.list()) strs.push_back(pb_str{t.data(), t.size()});
        o.struct_size = sizeof(pb_bind_opts);
        o.priority = priority;
        o.tags = strs.empty() ? nullptr : strs.data();
        o.tag_count = strs.size();
        o.id = pb_str{id.data(), id.size()};
    }
    std::vector<pb_str> strs;
    pb_bind_opts o{};
};
}  // namespace detail

/// A route group (or, with an empty prefix, a pure middleware scope). Plugin-scoped; use in init.
class Group {
public:
    Group(pb_plugin_ctx* ctx, pb_group* g) : ctx_(ctx), g_(g) {}
    pb_group* raw() const { return g_; }

    /// A nested group; prefix "" = same paths, separate middlewares.
    Group group(std::string_view prefix) const {
        pb_group* out = nullptr;
        pb_status s = api().group(ctx_, g_, prefix.data(), prefix.size(), &out);
        if (s < 0) throw Error(s, "group(" + std::string(prefix) + ") failed");
        return Group(ctx_, out);
    }
    /// Middleware for every route of this group: fn(pb::RequestEvent&) -> void|status.
    /// void / Status::ok = continue; Status::handled = response written, stop; throw = fail.
    template <class F>
    const Group& use(F&& fn, int priority = 0, std::string_view id = {}) const {
        using Fn = std::decay_t<F>;
        detail::Opts opts({}, priority, id);
        detail::register_boxed(std::forward<F>(fn), [&](void* ud, pb_destroy_fn d) {
            return api().middleware(ctx_, g_, &opts.o, &detail::handler_trampoline<RequestEvent, Fn>, ud, d);
        });
        return *this;
    }
    template <class F>
    const Group& route(std::string_view method, std::string_view path, F&& fn, int priority = 0) const {
        using Fn = std::decay_t<F>;
        detail::Opts opts({}, priority, {});
        detail::register_boxed(std::forward<F>(fn), [&](void* ud, pb_destroy_fn d) {
            return api().route(ctx_, g_, method.data(), method.size(), path.data(), path.size(), &opts.o,
                               &detail::handler_trampoline<RequestEvent, Fn>, ud, d);
        });
        return *this;
    }
    template <class F> const Group& get(std::string_view p, F&& f) const { return route("GET", p, std::forward<F>(f)); }
    template <class F> const Group& post(std::string_view p, F&& f) const { return route("POST", p, std::forward<F>(f)); }
    template <class F> const Group& put(std::string_view p, F&& f) const { return route("PUT", p, std::forward<F>(f)); }
    template <class F> const Group& patch(std::string_view p, F&& f) const { return route("PATCH", p, std::forward<F>(f)); }
    template <class F> const Group& del(std::string_view p, F&& f) const { return route("DELETE", p, std::forward<F>(f)); }
    template <class F> const Group& any(std::string_view p, F&& f) const { return route("*", p, std::forward<F>(f)); }

protected:
    pb_plugin_ctx* ctx_;
    pb_group* g_;
};

/// Handed to Plugin::init. Everything here is [init only]; failures throw pb::Error, which makes
/// init fail (and the previous generation, if any, keeps serving).
class Registrar : public Group {
public:
    explicit Registrar(pb_plugin_ctx* ctx) : Group(ctx, nullptr) {}
    pb_plugin_ctx* ctx() const { return ctx_; }

    /// Generic record-model hook: fn(pb::RecordEvent&) -> void|status.
    template <class F>
    void on_record(int32_t event, const Tags& tags, F&& fn, int priority = 0, std::string_view id = {}) {
        bind<RecordEvent>(event, tags, std::forward<F>(fn), priority, id);
    }
    /// Generic request hook (auth / CRUD requests): fn(pb::RequestEvent&) -> void|status.
    template <class F>
    void on_request(int32_t event, const Tags& tags, F&& fn, int priority = 0, std::string_view id = {}) {
        bind<RequestEvent>(event, tags, std::forward<F>(fn), priority, id);
    }

#define PB_CXX_RECORD_HOOK(method, KIND)                                       \
    template <class F>                                                         \
    void method(const Tags& tags, F&& fn, int priority = 0) {                  \
        on_record(KIND, tags, std::forward<F>(fn), priority);                  \
    }
    PB_CXX_RECORD_HOOK(on_record_validate, PB_EVENT_RECORD_VALIDATE)
    PB_CXX_RECORD_HOOK(on_record_create, PB_EVENT_RECORD_CREATE)
    PB_CXX_RECORD_HOOK(on_record_create_execute, PB_EVENT_RECORD_CREATE_EXECUTE)
    PB_CXX_RECORD_HOOK(on_record_after_create_success, PB_EVENT_RECORD_AFTER_CREATE_SUCCESS)
    PB_CXX_RECORD_HOOK(on_record_after_create_error, PB_EVENT_RECORD_AFTER_CREATE_ERROR)
    PB_CXX_RECORD_HOOK(on_record_update, PB_EVENT_RECORD_UPDATE)
    PB_CXX_RECORD_HOOK(on_record_update_execute, PB_EVENT_RECORD_UPDATE_EXECUTE)
    PB_CXX_RECORD_HOOK(on_record_after_update_success, PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS)
    PB_CXX_RECORD_HOOK(on_record_after_update_error, PB_EVENT_RECORD_AFTER_UPDATE_ERROR)
    PB_CXX_RECORD_HOOK(on_record_delete, PB_EVENT_RECORD_DELETE)
    PB_CXX_RECORD_HOOK(on_record_delete_execute, PB_EVENT_RECORD_DELETE_EXECUTE)
    PB_CXX_RECORD_HOOK(on_record_after_delete_success, PB_EVENT_RECORD_AFTER_DELETE_SUCCESS)
    PB_CXX_RECORD_HOOK(on_record_after_delete_error, PB_EVENT_RECORD_AFTER_DELETE_ERROR)
#undef PB_CXX_RECORD_HOOK

#define PB_CXX_REQUEST_HOOK(method, KIND)                                      \
    template <class F>                                                         \
    void method(const Tags& tags, F&& fn, int priority = 0) {                  \
        on_request(KIND, tags, std::forward<F>(fn), priority);                 \
    }
    PB_CXX_REQUEST_HOOK(on_record_auth_request, PB_EVENT_RECORD_AUTH_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_auth_with_password_request, PB_EVENT_RECORD_AUTH_WITH_PASSWORD_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_auth_refresh_request, PB_EVENT_RECORD_AUTH_REFRESH_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_view_request, PB_EVENT_RECORD_VIEW_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_create_request, PB_EVENT_RECORD_CREATE_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_update_request, PB_EVENT_RECORD_UPDATE_REQUEST)
    PB_CXX_REQUEST_HOOK(on_record_delete_request, PB_EVENT_RECORD_DELETE_REQUEST)
#undef PB_CXX_REQUEST_HOOK

    /// fn(pb::Event&): once per generation when serving starts (or right after a reload).
    template <class F>
    void on_serve(F&& fn, int priority = 0) {
        bind<LifecycleEvent>(PB_EVENT_SERVE, {}, std::forward<F>(fn), priority, {});
    }
    /// fn(pb::Event&): server shutdown; e.get("isRestart").
    template <class F>
    void on_terminate(F&& fn, int priority = 0) {
        bind<LifecycleEvent>(PB_EVENT_TERMINATE, {}, std::forward<F>(fn), priority, {});
    }

    /// Cron job: fn(pb::Call&) -> void|status; expr in UTC, PocketBase syntax.
    template <class F>
    void cron(std::string_view id, std::string_view expr, F&& fn) {
        using Fn = std::decay_t<F>;
        detail::register_boxed(std::forward<F>(fn), [&](void* ud, pb_destroy_fn d) {
            return api().cron(ctx_, id.data(), id.size(), expr.data(), expr.size(), &detail::task_trampoline<Fn>,
                              ud, d);
        });
    }

private:
    template <class Ev, class F>
    void bind(int32_t event, const Tags& tags, F&& fn, int priority, std::string_view id) {
        using Fn = std::decay_t<F>;
        detail::Opts opts(tags, priority, id);
        detail::register_boxed(std::forward<F>(fn), [&](void* ud, pb_destroy_fn d) {
            return api().bind(ctx_, event, &opts.o, &detail::handler_trampoline<Ev, Fn>, ud, d);
        });
    }
};

/// Base class for PB_PLUGIN. One instance per loaded generation, created before init and
/// deleted right after shutdown.
class Plugin {
public:
    virtual ~Plugin() = default;
    /// Register hooks, routes and cron jobs. Throw pb::Error (or anything) to fail the load.
    virtual void init(Registrar& reg) = 0;
    /// PB_SHUTDOWN_RELOAD / _UNLOAD / _EXIT. Join your threads here.
    virtual void shutdown(int32_t reason) { (void)reason; }
};

namespace detail {
template <class P>
pb_status init_plugin(const pb_host_api* a, pb_plugin_ctx* ctx, void** state) noexcept {
    g_api = a;
    g_ctx = ctx;
    try {
        auto p = std::make_unique<P>();
        Registrar reg(ctx);
        p->init(reg);
        *state = p.release();
        return PB_OK;
    } catch (const Error& e) {
        return a->init_error(ctx, e.status() < 0 ? e.status() : PB_E_INTERNAL, e.what(), PB_AUTO_LENGTH);
    } catch (const std::exception& e) {
        return a->init_error(ctx, PB_E_INTERNAL, e.what(), PB_AUTO_LENGTH);
    } catch (...) {
        return a->init_error(ctx, PB_E_INTERNAL, "unknown exception in init", PB_AUTO_LENGTH);
    }
}
template <class P>
void shutdown_plugin(void* state, int32_t reason) noexcept {
    auto* p = static_cast<P*>(state);
    if (!p) return;
    try {
        p->shutdown(reason);
    } catch (const std::exception& e) {
        log_error(std::string("shutdown threw: ") + e.what());
    } catch (...) {
        log_error("shutdown threw an unknown exception");
    }
    delete p;
}
}  // namespace detail

}  // namespace pbsdk

/// Defines the plugin entry points for a pb::Plugin subclass.
///   PB_PLUGIN(MyPlugin, "name", "1.0.0", "what it does")
#define PB_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, DESCRIPTION, FLAGS)                         \
    static pb_status pb_cxx_plugin_init_(const pb_host_api* a, pb_plugin_ctx* c, void** s) {  \
        return ::pbsdk::detail::init_plugin<CLASS>(a, c, s);                                      \
    }                                                                                          \
    static void pb_cxx_plugin_shutdown_(void* s, int32_t r) { ::pbsdk::detail::shutdown_plugin<CLASS>(s, r); } \
    PB_PLUGIN_DEFINE(NAME, VERSION, DESCRIPTION, FLAGS, pb_cxx_plugin_init_, pb_cxx_plugin_shutdown_)
#define PB_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION) PB_PLUGIN_WITH_FLAGS(CLASS, NAME, VERSION, DESCRIPTION, 0)

/// Function-style plugin: the body receives `pb::Registrar& reg`.
///   PB_PLUGIN_FUNC("name", "1.0.0", "desc") { reg.get("/api/x", ...); }
#define PB_PLUGIN_FUNC(NAME, VERSION, DESCRIPTION)                                             \
    static void pb_cxx_plugin_body_(::pbsdk::Registrar& reg);                                     \
    namespace {                                                                                \
    struct PbFuncPlugin_ final : ::pbsdk::Plugin {                                                \
        void init(::pbsdk::Registrar& r) override { pb_cxx_plugin_body_(r); }                    \
    };                                                                                         \
    }                                                                                          \
    PB_PLUGIN(PbFuncPlugin_, NAME, VERSION, DESCRIPTION)                                       \
    static void pb_cxx_plugin_body_(::pbsdk::Registrar& reg)
