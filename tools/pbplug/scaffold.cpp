// `pbplug new NAME [--lang cpp|c] [--dir DIR]`: writes a plugin project that builds out of the box
// and shows the three extension points: a route, a record hook and a cron job.
#include <cctype>
#include <fstream>
#include <iostream>

#include "pbplug.hpp"

namespace pbplug {

namespace {

const char* kCMakeCpp = R"(cmake_minimum_required(VERSION 3.20)
project(@NAME@ LANGUAGES CXX)

# The plugin SDK: `pbplug build` passes -DPbSdk_DIR=...; or set it yourself.
find_package(PbSdk 1.0 REQUIRED)

# MODULE library @NAME@.so in ${CMAKE_BINARY_DIR}/plugins: hidden visibility, -fno-gnu-unique,
# only the pb_plugin_* entry points exported.
pb_add_plugin(@NAME@ src/@NAME@.cpp)
)";

const char* kCMakeC = R"(cmake_minimum_required(VERSION 3.20)
project(@NAME@ LANGUAGES C)

# The plugin SDK: `pbplug build` passes -DPbSdk_DIR=...; or set it yourself.
find_package(PbSdk 1.0 REQUIRED)

# MODULE library @NAME@.so in ${CMAKE_BINARY_DIR}/plugins: hidden visibility, only the
# pb_plugin_* entry points exported.
pb_add_plugin(@NAME@ src/@NAME@.c)
)";

const char* kSourceCpp = R"(// @NAME@: a native plugin (scaffolded by `pbplug new`).
#include <pb/plugin.hpp>

#include <atomic>
#include <string>

namespace {

class @CLASS@ final : public pb::Plugin {
public:
    void init(pb::Registrar& reg) override {
        // Route: GET /api/@NAME@/hello -> {"message":"hello from @NAME@"}
        reg.get("/api/@NAME@/hello", [](pb::RequestEvent& e) {
            e.request().json(200, pb::json::Object().add("message", "hello from @NAME@").str());
        });

        // Record hook: runs before every record create (all collections), inside the write
        // transaction. Returning normally means "continue" (the host runs the rest of the chain
        // and the INSERT); throw pb::Error to reject, e.g.
        //   throw pb::Error::validation("title", "validation_required", "Cannot be blank.");
        reg.on_record_create({}, [this](pb::RecordEvent& e) {
            ++creates_;
            pb::log_debug("@NAME@: creating a record in " + std::string(e.collection()));
        });

        // Cron job (UTC, PocketBase syntax): every 5 minutes.
        reg.cron("tick", "*/5 * * * *", [this](pb::Call&) {
            pb::log_info("@NAME@: " + std::to_string(creates_.load()) + " record(s) created so far");
        });
    }

    void shutdown(int32_t /*reason*/) override {
        // Stop and join any thread you started here: the code is unloaded right after.
    }

private:
    std::atomic<long> creates_{0};
};

}  // namespace

PB_PLUGIN(@CLASS@, "@NAME@", "0.1.0", "@NAME@ plugin")
)";

const char* kSourceC = R"(/* @NAME@: a native plugin in C99 (scaffolded by `pbplug new --lang c`). */
#include <pb_plugin.h>

#include <stdio.h>

static const pb_host_api* api;
static pb_plugin_ctx* plugin_ctx;
static volatile long creates; /* approximate counter: handlers run concurrently */

/* Route: GET /api/@NAME@/hello -> {"message":"hello from @NAME@"} */
static pb_status hello(pb_call* call, pb_event* ev, void* user_data) {
    pb_request* rq;
    (void)user_data;
    if (api->event_request(call, ev, &rq) != PB_OK) return PB_E_INTERNAL;
    return api->res_write_json(call, rq, 200, "{\"message\":\"hello from @NAME@\"}", PB_AUTO_LENGTH);
}

/* Record hook: before every record create, inside the write transaction. PB_OK = continue
 * (the host runs the rest of the chain and the INSERT). To reject:
 *   return api->add_field_error(call, "title", 5, "validation_required", PB_AUTO_LENGTH,
 *                               "Cannot be blank.", PB_AUTO_LENGTH);                        */
static pb_status on_create(pb_call* call, pb_event* ev, void* user_data) {
    pb_str coll;
    (void)user_data;
    ++creates;
    if (api->event_collection(call, ev, &coll) == PB_OK)
        api->log(plugin_ctx, PB_LOG_DEBUG, coll.ptr, coll.len);
    return PB_OK;
}

/* Cron job (UTC, PocketBase syntax): every 5 minutes. */
static pb_status tick(pb_call* call, void* user_data) {
    char msg[96];
    int n = snprintf(msg, sizeof msg, "@NAME@: %ld record(s) created so far", (long)creates);
    (void)call;
    (void)user_data;
    if (n > 0) api->log(plugin_ctx, PB_LOG_INFO, msg, PB_AUTO_LENGTH);
    return PB_OK;
}

static pb_status init(const pb_host_api* host, pb_plugin_ctx* ctx, void** state) {
    pb_status s;
    api = host;
    plugin_ctx = ctx;
    *state = NULL;
    s = api->route(ctx, NULL, "GET", PB_AUTO_LENGTH, "/api/@NAME@/hello", PB_AUTO_LENGTH, NULL,
                   hello, NULL, NULL);
    if (s == PB_OK) s = api->bind(ctx, PB_EVENT_RECORD_CREATE, NULL, on_create, NULL, NULL);
    if (s == PB_OK) s = api->cron(ctx, "tick", PB_AUTO_LENGTH, "*/5 * * * *", PB_AUTO_LENGTH, tick, NULL, NULL);
    return s;
}

PB_PLUGIN_DEFINE("@NAME@", "0.1.0", "@NAME@ plugin", 0, init, NULL)
)";

const char* kReadme = R"(# @NAME@

A native plugin for the PocketBase-compatible server, scaffolded by `pbplug new`.

| what | where |
|---|---|
| route | `GET /api/@NAME@/hello` → `{"message":"hello from @NAME@"}` |
| record hook | before every record create (logs the collection, counts) |
| cron job | `@NAME@:tick`, every 5 minutes (UTC) |

## Build and install

```sh
pbplug build . --plugins /path/to/plugins   # configure + build + atomic install of @NAME@.so
pbplug dev   . --plugins /path/to/plugins   # same, again on every save
```

The server notices the new `@NAME@.so` (atomic rename) and hot-reloads it; or run
`pbplug reload @NAME@`. Optional configuration goes in `<plugins_dir>/@NAME@.json`.

Without pbplug: `cmake -S . -B build -DPbSdk_DIR=<sdk>/lib/cmake/PbSdk && cmake --build build`,
then copy `build/plugins/@NAME@.so` next to the server with a temp name and `mv` it into place.

See docs/plugins.md and docs/plugin-abi.md of the server for the API.
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
    return s;
}

std::string class_name(const std::string& name) {
    std::string out;
    bool up = true;
    for (char c : name) {
        if (c == '_') {
            up = true;
            continue;
        }
        out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        up = false;
    }
    return out + "Plugin";
}

bool write_file(const fs::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
    return static_cast<bool>(f);
}

}  // namespace

bool valid_plugin_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || !std::islower(static_cast<unsigned char>(name[0]))) return false;
    for (char c : name)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

int cmd_new(const Args& args) {
    if (args.positional.size() != 1) {
        std::cerr << "usage: pbplug new NAME [--lang cpp|c] [--dir DIR]\n";
        return 2;
    }
    const std::string name = args.positional[0];
    if (!valid_plugin_name(name)) {
        std::cerr << "pbplug new: the name must match [a-z][a-z0-9_]* (it becomes NAME.so and the symbol "
                     "prefix)\n";
        return 2;
    }
    const std::string lang = args.get("lang").value_or("cpp");
    if (lang != "cpp" && lang != "c") {
        std::cerr << "pbplug new: --lang must be cpp or c\n";
        return 2;
    }
    fs::path root = fs::path(args.get("dir").value_or(".")) / name;
    if (fs::exists(root) && !fs::is_empty(root)) {
        std::cerr << "pbplug new: " << root.string() << " already exists and is not empty\n";
        return 1;
    }
    fs::create_directories(root / "src");

    auto fill = [&](const char* tmpl) {
        return replace_all(replace_all(tmpl, "@NAME@", name), "@CLASS@", class_name(name));
    };
    bool ok = write_file(root / "CMakeLists.txt", fill(lang == "c" ? kCMakeC : kCMakeCpp)) &&
              write_file(root / "src" / (name + (lang == "c" ? ".c" : ".cpp")), fill(lang == "c" ? kSourceC : kSourceCpp)) &&
              write_file(root / "README.md", fill(kReadme)) && write_file(root / ".gitignore", "build/\n");
    if (!ok) {
        std::cerr << "pbplug new: cannot write into " << root.string() << "\n";
        return 1;
    }
    std::cout << "created " << root.string() << " (" << lang << ")\n"
              << "next: pbplug build " << root.string() << " --plugins <server plugins dir>\n";
    return 0;
}

}  // namespace pbplug
