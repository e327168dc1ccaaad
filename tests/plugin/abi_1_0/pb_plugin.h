/* SPDX-License-Identifier: MIT */
/*
 * pb_plugin.h -- the C ABI between the server (the "host") and a native plugin.
 *
 * This header is the ONLY public surface for plugins. It is C99 (fixed-width integers, size_t,
 * function pointers, opaque handles); no C++ type and no exception ever crosses it.
 * The C++ wrapper <pb/plugin.hpp> is built entirely on top of it.
 *
 * ===================================================================================== LIFECYCLE
 *
 *   host                                   plugin (shared library, hidden visibility)
 *   ----                                   ------------------------------------------
 *   copy x.so to a unique path, dlopen
 *   dlsym("pb_plugin_manifest_v1") ------> returns &static manifest   (no plugin code runs
 *   check struct_size / abi_major / minor                              besides this getter)
 *   dlsym("pb_plugin_init_v1")
 *   init(api, ctx, &state) --------------> registers hooks/routes/cron through api (STAGED)
 *   <- PB_OK : staged registrations are published in one atomic swap
 *   <- error : staged registrations are dropped (their destroy() called), old generation stays
 *   ... handlers run on worker threads ...
 *   reload/unload/exit: unpublish, drain in-flight calls, then
 *   manifest->shutdown(state, reason) ---> plugin joins its threads, frees state
 *   every destroy(user_data) called, dlclose
 *
 * ===================================================================================== OWNERSHIP
 *
 *  1. Strings are UTF-8, pointer + length. On input a terminating NUL is not required; pass
 *     PB_AUTO_LENGTH as the length to have the host call strlen(). A NULL pointer with length 0
 *     is the empty string.
 *  2. Everything the plugin passes IN is COPIED by the host before the function returns
 *     (SQLITE_TRANSIENT semantics): the plugin may free or reuse its buffers right away.
 *  3. Strings the host hands OUT (pb_str) are BORROWED views: valid until the callback that
 *     received them returns, or until the same record/field/request is modified, whichever comes
 *     first. They are NUL-terminated as a convenience (ptr[len] == 0). Copy what you keep.
 *  4. Handles come in three lifetime classes, stated on every function:
 *       borrowed       - valid until the current callback returns (pb_call, pb_event, pb_request,
 *                        records obtained from an event, records inside a pb_record_list);
 *       owned          - returned by a *_new or *_find* function; the plugin must release it with
 *                        the matching *_release, on the same callback, before it returns;
 *       plugin-scoped  - pb_plugin_ctx, pb_group: valid from init until shutdown returns.
 *     Never cache a borrowed or owned handle beyond its class; never use a handle from one
 *     callback inside another (including on another thread).
 *  5. Every user_data given to the host comes with a destroy callback (may be NULL). The host
 *     calls it EXACTLY ONCE, after the registration can no longer run: when the generation is
 *     unloaded/replaced, when init fails, or at exit. destroy runs on an arbitrary host thread,
 *     after shutdown() for a normal unload.
 *  6. The plugin's own state (*out_state of init) belongs to the plugin; free it in shutdown.
 *  7. The host never frees plugin memory and the plugin never frees host memory.
 *
 * ===================================================================================== THREADS
 *
 *  Handlers run CONCURRENTLY on host worker threads unless the manifest sets
 *  PB_PLUGIN_FLAG_SERIALIZED, in which case the host runs at most one callback of this plugin at
 *  a time. Every function below carries one tag:
 *    [any thread] may be called from any thread at any time between init and the end of shutdown
 *                 (including threads the plugin created);
 *    [callback]   only on the thread running the callback that received the pb_call, with that
 *                 callback's handles;
 *    [init only]  only from inside pb_plugin_init_v1, on the thread running it.
 *  **Threads the plugin starts MUST be stopped and joined before shutdown() returns.** The host
 *  unloads the code right after; a thread still running in it crashes the server.
 *
 * ===================================================================================== HOOK CHAIN
 *
 *  The host owns every chain (no prev_hook pointers). A handler is
 *      pb_status fn(pb_call* call, pb_event* ev, void* user_data)
 *  and its return value says what happens next ("continue" is explicit):
 *    PB_OK       continue: the host runs the rest of the chain and then the default action
 *                (e.g. the INSERT), unless the handler already did so with api->event_next().
 *    PB_HANDLED  stop with success: the remaining handlers AND the default action are skipped
 *                (a route/middleware/request hook that wrote the response; a hook that
 *                deliberately suppresses a write). Skipping is therefore always deliberate.
 *    < 0         abort with this error. In a hook that runs inside the write transaction the
 *                transaction is rolled back; in a request the error becomes the HTTP response.
 *  "Around" handlers call api->event_next(call, ev) once: it runs everything downstream and
 *  returns its status; the handler may then do "after" work. A second call returns
 *  PB_E_WRONG_PHASE. Once next has run, a non-negative return from the handler yields next's
 *  status, so a downstream error can never be swallowed by accident; a negative return replaces
 *  it. Summary of the host rule for one link:
 *      ret <  0                  -> ret
 *      next already called       -> status returned by next
 *      ret == PB_HANDLED         -> PB_HANDLED (downstream skipped)
 *      ret == PB_OK              -> host runs next now and returns its status
 *  Tagged handlers whose tags do not match the event are skipped as if they returned PB_OK.
 *  Handlers of one event run in ascending priority, ties in registration order (all plugins
 *  and the core share one chain per event).
 *
 * ===================================================================================== ERRORS
 *
 *  Functions return pb_status: PB_OK (0), PB_HANDLED (1, handlers only) or a negative error.
 *  Error detail travels on the CALL, never in a global: api->set_error(call, status, msg, len)
 *  and api->add_field_error(...). The host copies the text. When a handler returns a negative
 *  status the host builds the HTTP error from it:
 *      PB_E_INVALID_ARG, PB_E_VALIDATION -> 400 (field errors, if any, go to "data")
 *      PB_E_UNAUTHORIZED -> 401, PB_E_FORBIDDEN -> 403, PB_E_NOT_FOUND -> 404,
 *      PB_E_CONFLICT -> 409, PB_E_TOO_LARGE -> 413, PB_E_TOO_MANY_REQUESTS -> 429,
 *      anything else -> 500 (the message is logged, never shown to the client).
 *  A host function that fails MAY store its own detail on the call (e.g. the field errors of a
 *  failed record_save); returning that status from the handler passes it on unchanged.
 *
 * ===================================================================================== VERSIONING
 *
 *  PB_ABI_MAJOR changes only on a breaking change; the entry points then get new names (_v2)
 *  and a host may serve both. PB_ABI_MINOR grows when slots are APPENDED to pb_host_api or
 *  fields appended to a struct (check with PB_API_HAS / struct_size). New status codes and new
 *  event kinds are minor changes too. Existing slots, fields, values and semantics never change
 *  within a major; retired status numbers are never reused; a retired slot keeps a stub that
 *  returns PB_E_UNSUPPORTED (never NULL). Zero in any appended struct field means "default".
 *  See docs/plugin-abi.md for the full compatibility policy.
 *
 * ===================================================================================== MINIMAL C
 *
 *    #include <pb_plugin.h>
 *    static const pb_host_api* api;
 *    static pb_status hello(pb_call* c, pb_event* ev, void* ud) {
 *        pb_request* rq; (void)ud;
 *        if (api->event_request(c, ev, &rq) != PB_OK) return PB_E_INTERNAL;
 *        return api->res_write_json(c, rq, 200, "{\"message\":\"hi\"}", PB_AUTO_LENGTH);
 *    }
 *    static pb_status init(const pb_host_api* a, pb_plugin_ctx* ctx, void** st) {
 *        api = a; *st = NULL;
 *        return api->route(ctx, NULL, "GET", 3, "/api/hi", PB_AUTO_LENGTH, NULL,
 *                          hello, NULL, NULL);
 *    }
 *    PB_PLUGIN_DEFINE("hi", "1.0.0", "says hi", 0, init, NULL)
 */
#ifndef PB_PLUGIN_H
#define PB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------- version, export */

#define PB_ABI_MAJOR 1
#define PB_ABI_MINOR 0

/* Exported symbol names (the only two a plugin exports). */
#define PB_PLUGIN_MANIFEST_SYMBOL "pb_plugin_manifest_v1"
#define PB_PLUGIN_INIT_SYMBOL "pb_plugin_init_v1"

#if defined(_WIN32)
#define PB_EXPORT __declspec(dllexport)
#else
#define PB_EXPORT __attribute__((visibility("default")))
#endif

#define PB_AUTO_LENGTH ((size_t)-1)

/* ----------------------------------------------------------------------------------------- status */

/* When adding a value: append it here, map it in the host (core/plugin/ status -> HTTP table),
 * in pb::Error (pb/plugin.hpp), in status_string, and bump PB_ABI_MINOR. Never reuse a number. */
typedef int32_t pb_status;
#define PB_OK 0
#define PB_HANDLED 1                   /* handler: stop the chain with success          */
#define PB_E_INVALID_ARG (-1)          /* 400: bad argument / bad request               */
#define PB_E_VALIDATION (-2)           /* 400 with field errors in "data"               */
#define PB_E_UNAUTHORIZED (-3)         /* 401                                           */
#define PB_E_FORBIDDEN (-4)            /* 403                                           */
#define PB_E_NOT_FOUND (-5)            /* 404 (also: field/param/header absent)         */
#define PB_E_CONFLICT (-6)             /* 409                                           */
#define PB_E_INTERNAL (-7)             /* 500                                           */
#define PB_E_UNSUPPORTED (-8)          /* 500: host too old / slot retired              */
#define PB_E_WRONG_PHASE (-9)          /* 500: call not allowed here (e.g. set after commit,
                                          registration outside init, second event_next) */
#define PB_E_NOMEM (-10)               /* 500                                           */
#define PB_E_ABORTED (-11)             /* 500: host is shutting down / call cancelled   */
#define PB_E_TOO_LARGE (-12)           /* 413                                           */
#define PB_E_TOO_MANY_REQUESTS (-13)   /* 429                                           */

/* ---------------------------------------------------------------------------------------- handles */

typedef struct pb_plugin_ctx pb_plugin_ctx;   /* plugin-scoped: this generation of the plugin  */
typedef struct pb_call pb_call;               /* borrowed: one invocation (carries error detail,
                                                 transaction, serialization)                   */
typedef struct pb_event pb_event;             /* borrowed: the event passed to a handler       */
typedef struct pb_record pb_record;           /* borrowed or owned (see each function)         */
typedef struct pb_record_list pb_record_list; /* owned: result of record_find_by_filter        */
typedef struct pb_request pb_request;         /* borrowed: HTTP request + its response         */
typedef struct pb_group pb_group;             /* plugin-scoped: a route group / middleware scope */

/* A borrowed string view returned by the host (NUL-terminated as a convenience). */
typedef struct pb_str {
    const char* ptr;
    size_t len;
} pb_str;

/* -------------------------------------------------------------------------------------- callbacks */

typedef void (*pb_destroy_fn)(void* user_data);
/* Hook, route and middleware handler (see HOOK CHAIN above). */
typedef pb_status (*pb_handler_fn)(pb_call* call, pb_event* ev, void* user_data);
/* Cron job / scheduled task: runs on a worker thread, outside any transaction. */
typedef pb_status (*pb_task_fn)(pb_call* call, void* user_data);

/* ------------------------------------------------------------------------------------------- log */

#define PB_LOG_DEBUG (-4)
#define PB_LOG_INFO 0
#define PB_LOG_WARN 4
#define PB_LOG_ERROR 8

/* -------------------------------------------------------------------------------------- events */

/* Event kinds for api->bind(). Record events are tagged with the collection id AND name.
 * "tx" = runs inside the write transaction of the save (BEGIN IMMEDIATE is held; records API
 * calls made with this call join it; an error rolls everything back).
 * Firing order of a create (update and delete are the same):
 *   RECORD_CREATE { RECORD_VALIDATE ; RECORD_CREATE_EXECUTE { INSERT } }  -- all tx
 *   COMMIT -> RECORD_AFTER_CREATE_SUCCESS        | ROLLBACK -> RECORD_AFTER_CREATE_ERROR
 * Default action of RECORD_CREATE = validate + execute; of *_EXECUTE = the SQL statement.
 * After-events see the record read-only (setters return PB_E_WRONG_PHASE); records API calls
 * made from them run in their own auto-committed transaction. Returning an error from
 * AFTER_*_SUCCESS is reported to the caller but the data is already committed; AFTER_*_ERROR
 * is informational (event_get "error" holds the reason). */
#define PB_EVENT_RECORD_VALIDATE 1              /* tx; record mutable                        */
#define PB_EVENT_RECORD_CREATE 2                /* tx; record mutable                        */
#define PB_EVENT_RECORD_CREATE_EXECUTE 3        /* tx; record mutable                        */
#define PB_EVENT_RECORD_AFTER_CREATE_SUCCESS 4  /* after commit; read-only                   */
#define PB_EVENT_RECORD_AFTER_CREATE_ERROR 5    /* after rollback; read-only                 */
#define PB_EVENT_RECORD_UPDATE 6
#define PB_EVENT_RECORD_UPDATE_EXECUTE 7
#define PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS 8
#define PB_EVENT_RECORD_AFTER_UPDATE_ERROR 9
#define PB_EVENT_RECORD_DELETE 10
#define PB_EVENT_RECORD_DELETE_EXECUTE 11
#define PB_EVENT_RECORD_AFTER_DELETE_SUCCESS 12
#define PB_EVENT_RECORD_AFTER_DELETE_ERROR 13
/* Request events (tagged by collection). They carry a pb_request; default action = the rest of
 * the endpoint (for CRUD: save/delete + write the response). Not in a transaction themselves. */
#define PB_EVENT_RECORD_AUTH_REQUEST 20               /* every auth response; record = auth record,
                                                         event_get: "authMethod", "token"     */
#define PB_EVENT_RECORD_AUTH_WITH_PASSWORD_REQUEST 21 /* record may be absent; event_get:
                                                         "identity", "identityField"          */
#define PB_EVENT_RECORD_AUTH_REFRESH_REQUEST 22
#define PB_EVENT_RECORD_VIEW_REQUEST 30
#define PB_EVENT_RECORD_CREATE_REQUEST 31
#define PB_EVENT_RECORD_UPDATE_REQUEST 32
#define PB_EVENT_RECORD_DELETE_REQUEST 33
/* Lifecycle. SERVE fires once per generation: at server start, or right after the swap when a
 * plugin is (re)loaded while serving. TERMINATE fires on shutdown (event_get "isRestart"). */
#define PB_EVENT_SERVE 40
#define PB_EVENT_TERMINATE 41
/* Kinds seen by route and middleware handlers (not bindable through bind()). */
#define PB_EVENT_ROUTE 50
#define PB_EVENT_MIDDLEWARE 51

/* Shutdown reasons passed to manifest->shutdown. */
#define PB_SHUTDOWN_RELOAD 1  /* a newer generation of this plugin replaced this one */
#define PB_SHUTDOWN_UNLOAD 2  /* the plugin was removed / disabled                    */
#define PB_SHUTDOWN_EXIT 3    /* the server is exiting                                */

/* Manifest flags. */
#define PB_PLUGIN_FLAG_SERIALIZED 0x1u  /* host runs at most one callback of this plugin at a time */
#define PB_PLUGIN_FLAG_NO_RELOAD 0x2u   /* not reload-safe: a changed file needs a server restart  */

/* ------------------------------------------------------------------------------------ structs */

/* Options for bind/middleware. Zero-initialise, set struct_size = sizeof(pb_bind_opts);
 * a NULL opts pointer means all defaults. */
typedef struct pb_bind_opts {
    uint32_t struct_size;
    int32_t priority;     /* ascending order; default 0; the core's system handlers use -99    */
    const pb_str* tags;   /* collection names or ids; NULL / tag_count 0 = every collection   */
    size_t tag_count;
    pb_str id;            /* optional stable id for logs/admin ({NULL,0} = host-generated)     */
} pb_bind_opts;

/* Returned by the exported pb_plugin_manifest_v1(): static data, read before any init. */
typedef struct pb_plugin_manifest {
    uint32_t struct_size;   /* sizeof(pb_plugin_manifest) of the plugin's SDK                  */
    uint32_t abi_major;     /* must equal the host's PB_ABI_MAJOR                              */
    uint32_t abi_minor;     /* oldest host minor the plugin needs (<= host minor)              */
    uint32_t flags;         /* PB_PLUGIN_FLAG_*                                                */
    const char* name;       /* [a-z0-9_]+, equals the file name without ".so"                  */
    const char* version;    /* the plugin's own version, free text (semver recommended)        */
    const char* description;
    /* Optional (may be NULL). Called once after the generation stopped receiving calls and
     * all in-flight calls finished (or the drain deadline passed, see docs). */
    void (*shutdown)(void* state, int32_t reason);
} pb_plugin_manifest;

/* ------------------------------------------------------------------------------- host table */

/* The host's function table. A process-lifetime constant: plugins may keep the pointer.
 * Append-only: new slots go at the END under a "since 1.N" heading. Test for a slot newer than
 * 1.0 with PB_API_HAS(api, slot) before calling it. Every slot of 1.0 is non-NULL. */
typedef struct pb_host_api {
    uint32_t struct_size;  /* sizeof(pb_host_api) as compiled into the host */
    uint32_t abi_major;
    uint32_t abi_minor;
    const char* host_version; /* static, NUL-terminated, e.g. "0.1.0" */

    /* ---- meta, log, errors -------------------------------------------------------- since 1.0 */

    /* [any thread] Static English text for a status ("not found"). Never NULL. */
    const char* (*status_string)(pb_status status);

    /* [any thread] Writes to the server log, prefixed with the plugin name. level: PB_LOG_*. */
    void (*log)(pb_plugin_ctx* ctx, int32_t level, const char* msg, size_t len);

    /* [callback] Sets the error detail of this call (copied) and RETURNS `status`, so a handler
     * can write `return api->set_error(call, PB_E_NOT_FOUND, "no such post", PB_AUTO_LENGTH);`.
     * Replaces a previous message; keeps field errors. status PB_OK clears message AND field
     * errors. For 5xx statuses the message is logged, never sent to the client. */
    pb_status (*set_error)(pb_call* call, pb_status status, const char* msg, size_t msg_len);

    /* [callback] Adds one field error {field:{code,message}} to the call's error data (copied)
     * and sets the call's status to PB_E_VALIDATION. Returns PB_E_VALIDATION.
     * code: e.g. "validation_required"; message: human text ("Cannot be blank."). */
    pb_status (*add_field_error)(pb_call* call, const char* field, size_t field_len,
                                 const char* code, size_t code_len,
                                 const char* msg, size_t msg_len);

    /* [callback] Reads the call's current error message (borrowed). PB_OK even if empty. */
    pb_status (*get_error)(pb_call* call, pb_status* out_status, pb_str* out_msg);

    /* ---- plugin context --------------------------------------------------------------------- */

    /* [any thread] The plugin's configuration: the text of <plugins_dir>/<name>.json, read once
     * before init. PB_E_NOT_FOUND when the file does not exist. The view is plugin-scoped
     * (valid until shutdown returns). The host checks it is valid JSON (else init is not called
     * and the load fails with a clear message). */
    pb_status (*config)(pb_plugin_ctx* ctx, pb_str* out_json);

    /* [init only] Attaches a message to a failing init (copied): the host logs it and returns
     * it from the reload endpoint. Returns `status`. */
    pb_status (*init_error)(pb_plugin_ctx* ctx, pb_status status, const char* msg, size_t len);

    /* ---- registration (all [init only]; staged until init returns PB_OK) ------------------- */

    /* [init only] Binds `fn` to an event kind (PB_EVENT_* bindable kinds).
     * PB_E_INVALID_ARG for an unknown kind, PB_E_UNSUPPORTED for a kind this host does not fire,
     * PB_E_WRONG_PHASE outside init. On ANY failure destroy(user_data) is NOT called: the
     * plugin still owns user_data. On success the host owns it (see OWNERSHIP 5). */
    pb_status (*bind)(pb_plugin_ctx* ctx, int32_t event, const pb_bind_opts* opts,
                      pb_handler_fn fn, void* user_data, pb_destroy_fn destroy);

    /* [init only] Creates a route group under `parent` (NULL = the root router) with a path
     * prefix ("/api/greet"). An empty prefix makes a pure middleware scope: routes added to it
     * get its middlewares without changing their path. *out is plugin-scoped. */
    pb_status (*group)(pb_plugin_ctx* ctx, pb_group* parent, const char* prefix, size_t len,
                       pb_group** out);

    /* [init only] Adds a middleware to `group` (all its routes and subgroups, in priority order,
     * outer groups first). group NULL = a GLOBAL middleware that runs for every request of the
     * server (use sparingly). Handler kind PB_EVENT_MIDDLEWARE; return PB_OK to continue (or
     * call event_next for around behaviour), PB_HANDLED after writing a response, <0 to fail
     * the request with that status. Same ownership rules as bind(). */
    pb_status (*middleware)(pb_plugin_ctx* ctx, pb_group* group, const pb_bind_opts* opts,
                            pb_handler_fn fn, void* user_data, pb_destroy_fn destroy);

    /* [init only] Adds a route. method: "GET", "POST", ... or "" / "*" for any (GET also
     * matches HEAD). path: PocketBase pattern relative to the group ("/hello/{name}",
     * "/files/{path...}"). opts may be NULL (priority orders routes with the same pattern).
     * Handler kind PB_EVENT_ROUTE. If it returns PB_OK/PB_HANDLED without writing a response the
     * host answers 204. A pattern that conflicts with an existing route: PB_E_CONFLICT. */
    pb_status (*route)(pb_plugin_ctx* ctx, pb_group* group, const char* method,
                       size_t method_len, const char* path, size_t path_len,
                       const pb_bind_opts* opts, pb_handler_fn fn, void* user_data,
                       pb_destroy_fn destroy);

    /* [init only] Adds a cron job. `id` is scoped to the plugin (the host stores
     * "<plugin>:<id>"; the same id twice in one init replaces the job). expr: 5-field cron or
     * @macro, evaluated in UTC (PocketBase semantics); a bad expression is PB_E_INVALID_ARG.
     * Runs on a worker thread, outside any transaction; a failing run is logged. */
    pb_status (*cron)(pb_plugin_ctx* ctx, const char* id, size_t id_len, const char* expr,
                      size_t expr_len, pb_task_fn fn, void* user_data, pb_destroy_fn destroy);

    /* [any thread] Runs fn once, soon, on a worker thread with a fresh pb_call (no transaction).
     * The way for plugin threads to get back into the host. If the generation is unloading,
     * the task is dropped. destroy(user_data) is called after the run or the drop. */
    pb_status (*schedule)(pb_plugin_ctx* ctx, pb_task_fn fn, void* user_data,
                          pb_destroy_fn destroy);

    /* ---- events ([callback]) ---------------------------------------------------------------- */

    /* [callback] The event kind (PB_EVENT_*). */
    int32_t (*event_kind)(pb_call* call, pb_event* ev);

    /* [callback] Runs the rest of the chain and the default action once; returns its status.
     * Second call: PB_E_WRONG_PHASE. */
    pb_status (*event_next)(pb_call* call, pb_event* ev);

    /* [callback] The event's record (borrowed). Mutable in tx events and before next in request
     * events; read-only otherwise. PB_E_NOT_FOUND when the event has none. */
    pb_status (*event_record)(pb_call* call, pb_event* ev, pb_record** out);

    /* [callback] The event's collection name (borrowed). PB_E_NOT_FOUND when none. */
    pb_status (*event_collection)(pb_call* call, pb_event* ev, pb_str* out);

    /* [callback] The HTTP exchange of a route/middleware/request event (borrowed).
     * PB_E_NOT_FOUND for events not caused by a request (record events, cron, serve). */
    pb_status (*event_request)(pb_call* call, pb_event* ev, pb_request** out);

    /* [callback] A named extra string of the event (borrowed), as documented per event kind:
     * "error", "authMethod", "token", "identity", "identityField", "isRestart" ("true"/"false").
     * PB_E_NOT_FOUND when the event has no such value. */
    pb_status (*event_get)(pb_call* call, pb_event* ev, const char* name, size_t len,
                           pb_str* out);

    /* ---- records ([callback]; db calls join the call's transaction) ------------------------ */

    /* [callback] Record id / collection name (borrowed). */
    pb_status (*record_id)(pb_call* call, const pb_record* rec, pb_str* out);
    pb_status (*record_collection)(pb_call* call, const pb_record* rec, pb_str* out);

    /* [callback] Typed getters. PB_E_NOT_FOUND: the collection has no such field;
     * PB_E_INVALID_ARG: the stored value is not of that type (use get_json).
     * get_text: string values (text, email, url, editor, date, single select/relation/file);
     * a null/unset value reads as "". get_number: numbers (bool as 0/1). get_bool: bool.
     * get_json: any value as compact JSON text. */
    pb_status (*record_get_text)(pb_call* call, const pb_record* rec, const char* field,
                                 size_t field_len, pb_str* out);
    pb_status (*record_get_number)(pb_call* call, const pb_record* rec, const char* field,
                                   size_t field_len, double* out);
    pb_status (*record_get_bool)(pb_call* call, const pb_record* rec, const char* field,
                                 size_t field_len, int32_t* out);
    pb_status (*record_get_json)(pb_call* call, const pb_record* rec, const char* field,
                                 size_t field_len, pb_str* out);

    /* [callback] Typed setters (value copied; no validation until save). PB_E_NOT_FOUND unknown
     * field; PB_E_WRONG_PHASE on a read-only record; set_json: PB_E_INVALID_ARG on bad JSON. */
    pb_status (*record_set_text)(pb_call* call, pb_record* rec, const char* field,
                                 size_t field_len, const char* value, size_t value_len);
    pb_status (*record_set_number)(pb_call* call, pb_record* rec, const char* field,
                                   size_t field_len, double value);
    pb_status (*record_set_bool)(pb_call* call, pb_record* rec, const char* field,
                                 size_t field_len, int32_t value);
    pb_status (*record_set_json)(pb_call* call, pb_record* rec, const char* field,
                                 size_t field_len, const char* json, size_t json_len);

    /* [callback] The whole record as JSON, as the API would show it to a superuser (borrowed).
     * Secrets are never included: password hash and tokenKey are omitted. */
    pb_status (*record_to_json)(pb_call* call, const pb_record* rec, pb_str* out);

    /* [callback] A new, unsaved record of a collection. OWNED: record_release it.
     * PB_E_NOT_FOUND unknown collection. */
    pb_status (*record_new)(pb_call* call, const char* collection, size_t len, pb_record** out);

    /* [callback] Loads one record (collection by name or id). OWNED. PB_E_NOT_FOUND if absent. */
    pb_status (*record_find_by_id)(pb_call* call, const char* collection, size_t coll_len,
                                   const char* id, size_t id_len, pb_record** out);

    /* [callback] Runs a PocketBase filter with bound parameters, like
     * filter = "status = {:status} && created > {:since}",
     * params_json = {"status":"draft","since":"2024-01-01 00:00:00.000Z"} (NULL/0 = none).
     * sort: "-created,title" (NULL/0 = none); limit 0 = no limit. No API rules apply (the
     * plugin acts with superuser rights). OWNED list: record_list_release it. */
    pb_status (*record_find_by_filter)(pb_call* call, const char* collection, size_t coll_len,
                                       const char* filter, size_t filter_len,
                                       const char* params_json, size_t params_len,
                                       const char* sort, size_t sort_len, int64_t limit,
                                       int64_t offset, pb_record_list** out);
    /* [callback] List access. record_list_at returns a record BORROWED from the list (valid
     * until record_list_release), mutable and saveable. */
    size_t (*record_list_count)(pb_call* call, const pb_record_list* list);
    pb_record* (*record_list_at)(pb_call* call, pb_record_list* list, size_t index);
    void (*record_list_release)(pb_call* call, pb_record_list* list);

    /* [callback] Validates and saves (create or update) running the record hooks, inside the
     * call's transaction if it has one, otherwise in a new one. Validation failures return
     * PB_E_VALIDATION with field errors stored on the call. Saving a record from one of its
     * own collection's hooks recurses: guard against loops. */
    pb_status (*record_save)(pb_call* call, pb_record* rec);
    /* [callback] Deletes (running the delete hooks and cascades). */
    pb_status (*record_delete)(pb_call* call, pb_record* rec);
    /* [callback] Releases an OWNED record (from record_new / record_find_by_id). NULL is ok. */
    void (*record_release)(pb_call* call, pb_record* rec);

    /* ---- request ([callback]; views borrowed) ---------------------------------------------- */

    pb_status (*req_method)(pb_call* call, pb_request* rq, pb_str* out);   /* "GET"           */
    pb_status (*req_path)(pb_call* call, pb_request* rq, pb_str* out);     /* decoded, no query */
    /* Path parameter "{name}" of the matched route. PB_E_NOT_FOUND when absent. */
    pb_status (*req_path_param)(pb_call* call, pb_request* rq, const char* name, size_t len,
                                pb_str* out);
    /* First value of a query parameter (decoded). PB_E_NOT_FOUND when absent. */
    pb_status (*req_query)(pb_call* call, pb_request* rq, const char* name, size_t len,
                           pb_str* out);
    /* First value of a header (name case-insensitive). PB_E_NOT_FOUND when absent. */
    pb_status (*req_header)(pb_call* call, pb_request* rq, const char* name, size_t len,
                            pb_str* out);
    /* Raw body bytes (may contain NULs; len is authoritative). */
    pb_status (*req_body)(pb_call* call, pb_request* rq, pb_str* out);
    /* The authenticated record (read-only, borrowed). PB_E_NOT_FOUND for a guest. */
    pb_status (*req_auth)(pb_call* call, pb_request* rq, const pb_record** out);
    /* Client IP (honours the trusted-proxy settings). */
    pb_status (*req_remote_ip)(pb_call* call, pb_request* rq, pb_str* out);

    /* ---- response ([callback]; everything copied) ------------------------------------------- */

    /* Sets a response header (replaces a previous value of the same name). */
    pb_status (*res_set_header)(pb_call* call, pb_request* rq, const char* name, size_t name_len,
                                const char* value, size_t value_len);
    /* Writes the response: status + JSON text (Content-Type application/json). The host does not
     * re-validate the JSON. A second write returns PB_E_WRONG_PHASE. */
    pb_status (*res_write_json)(pb_call* call, pb_request* rq, int32_t status, const char* json,
                                size_t len);
    /* Writes the response: status + bytes with a content type (NULL = application/octet-stream). */
    pb_status (*res_write_bytes)(pb_call* call, pb_request* rq, int32_t status,
                                 const char* content_type, size_t ct_len, const void* data,
                                 size_t len);
    /* 1 if a response was already written, else 0. */
    int32_t (*res_written)(pb_call* call, pb_request* rq);

    /* ---- realtime --------------------------------------------------------------------------- */

    /* [any thread] Sends a realtime (SSE) message `topic` with JSON `data` to every client
     * subscribed to that topic. Copied; delivery is asynchronous. PB_E_INVALID_ARG bad JSON. */
    pb_status (*realtime_send)(pb_plugin_ctx* ctx, const char* topic, size_t topic_len,
                               const char* data_json, size_t data_len);

    /* ---- append new slots below this line, under a "since 1.N" heading ---------------------- */
} pb_host_api;

/* True when the host's table has `member` (use for slots added after 1.0). */
#define PB_API_HAS(api, member) \
    ((api) != NULL && offsetof(pb_host_api, member) + sizeof((api)->member) <= (api)->struct_size)

/* ---------------------------------------------------------------------------------- entry points */

/* Required export 1: returns a pointer to a static manifest. Must not allocate, must not call
 * anything; the host calls it before deciding whether to run any other plugin code. */
typedef const pb_plugin_manifest* (*pb_plugin_manifest_fn)(void);

/* Required export 2: registers everything ([init only] functions are usable only here).
 * api: process-lifetime table; ctx: plugin-scoped; *out_state: plugin state given back to
 * shutdown (the host initialises it to NULL). Return PB_OK to publish the staged registrations,
 * or an error (optionally with api->init_error) to abort the load; on error the plugin must
 * already have freed what it allocated: shutdown is NOT called, but every destroy of a
 * successful registration is. Runs on a host thread that is not serving requests; it may use
 * [any thread] functions but no records/request functions (there is no pb_call). */
typedef pb_status (*pb_plugin_init_fn)(const pb_host_api* api, pb_plugin_ctx* ctx,
                                       void** out_state);

/* Defines both exports. Use once per plugin, in a C or C++ file at file scope:
 *   PB_PLUGIN_DEFINE("name", "1.0.0", "description", flags, init_fn, shutdown_fn_or_NULL) */
#ifdef __cplusplus
#define PB_PLUGIN_EXTERN_C extern "C"
#else
#define PB_PLUGIN_EXTERN_C
#endif
#define PB_PLUGIN_DEFINE(NAME, VERSION, DESCRIPTION, FLAGS, INIT, SHUTDOWN)                    \
    PB_PLUGIN_EXTERN_C PB_EXPORT const pb_plugin_manifest* pb_plugin_manifest_v1(void);        \
    PB_PLUGIN_EXTERN_C PB_EXPORT pb_status pb_plugin_init_v1(const pb_host_api* api,           \
                                                             pb_plugin_ctx* ctx, void** st);   \
    PB_PLUGIN_EXTERN_C PB_EXPORT const pb_plugin_manifest* pb_plugin_manifest_v1(void) {       \
        static const pb_plugin_manifest m = {sizeof(pb_plugin_manifest), PB_ABI_MAJOR,         \
                                             PB_ABI_MINOR, (FLAGS), (NAME), (VERSION),         \
                                             (DESCRIPTION), (SHUTDOWN)};                       \
        return &m;                                                                             \
    }                                                                                          \
    PB_PLUGIN_EXTERN_C PB_EXPORT pb_status pb_plugin_init_v1(const pb_host_api* api,           \
                                                             pb_plugin_ctx* ctx, void** st) {  \
        if (api == NULL || api->abi_major != PB_ABI_MAJOR) return PB_E_UNSUPPORTED;            \
        return (INIT)(api, ctx, st);                                                           \
    }

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PB_PLUGIN_H */
