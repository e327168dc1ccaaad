#pragma once
// A small in-memory implementation of pb_host_api for tests: it loads a plugin .so the way the
// real host will (manifest first, then init with staged registrations), and lets tests fire
// hooks, routes and cron jobs against fake records and requests. It implements the chain rule of
// pb_plugin.h ("HOOK CHAIN") exactly, so it doubles as an executable spec for core/plugin/.
#include <pb_plugin.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fakehost {

struct Record {
    std::string collection;
    std::string id;
    std::map<std::string, std::string> fields;  // field -> JSON text
    bool readonly = false;
};

struct Registration {
    int32_t event = 0;  // PB_EVENT_* (routes: PB_EVENT_ROUTE, middlewares: PB_EVENT_MIDDLEWARE)
    int32_t priority = 0;
    std::vector<std::string> tags;
    std::string method, path;  // routes: full path (group prefixes applied)
    pb_group* group = nullptr;
    pb_handler_fn fn = nullptr;
    pb_task_fn task = nullptr;  // cron
    std::string cron_id, cron_expr;
    void* user_data = nullptr;
    pb_destroy_fn destroy = nullptr;
};

struct Request {
    std::string method = "GET", path = "/", body, remote_ip = "127.0.0.1";
    std::map<std::string, std::string> params, query, headers;
    Record* auth = nullptr;
    int status = 0;  // 0 = nothing written
    std::string response, content_type;
    std::map<std::string, std::string> response_headers;
};

// Error detail stored on a call.
struct CallState {
    pb_status status = PB_OK;
    std::string message;
    std::map<std::string, std::pair<std::string, std::string>> field_errors;  // field -> code, message
};

class Host {
public:
    Host();
    ~Host();  // unloads (shutdown + destroy + dlclose)

    // Loads like the real host: manifest check, then init. Returns the init status.
    pb_status load(const std::string& path, const std::string& config_json = "");
    void unload(int32_t reason = PB_SHUTDOWN_UNLOAD);
    const pb_plugin_manifest* manifest() const { return manifest_; }
    const std::string& init_error() const { return init_error_; }

    // Fires a record event through the registered chain; `default_action` plays the core's part.
    pb_status fire_record(int32_t event, Record& rec, CallState* out = nullptr,
                          std::function<pb_status()> default_action = nullptr);
    // Dispatches a request to the matching route (exact path match on the route's pattern with
    // {name} segments), running group middlewares first. 404 -> PB_E_NOT_FOUND.
    pb_status dispatch(Request& rq, CallState* out = nullptr);
    pb_status run_cron(const std::string& id, CallState* out = nullptr);
    pb_status fire_serve(CallState* out = nullptr);

    std::vector<Registration> regs;                  // published registrations
    std::vector<std::unique_ptr<Record>> db;         // saved records
    std::vector<std::string> logs;                   // "level|message"
    std::vector<std::string> realtime;               // "topic|data"
    std::vector<std::string> filters;                // "collection|filter|params|sort|limit"
    int destroy_calls = 0;
    int deleted = 0;

    // Internals used by the C callbacks.
    struct Impl;
    std::unique_ptr<Impl> impl;

private:
    void* lib_ = nullptr;
    const pb_plugin_manifest* manifest_ = nullptr;
    void* state_ = nullptr;
    std::string init_error_;
};

// Minimal JSON helpers for tests.
std::string quote(const std::string& s);

}  // namespace fakehost
