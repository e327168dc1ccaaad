// bench_hook: the native plugin used by bench/run.sh.
//  - a no-op RECORD_UPDATE hook on collection "hooked" (update with a hook vs. without, on the
//    identical collection "plain");
//  - GET /api/benchhook/version -> {"v":BENCH_HOOK_VERSION}: two builds differing only in this
//    number let the benchmark time a hot reload (file lands -> new version answers).
#include <pb/plugin.hpp>

#ifndef BENCH_HOOK_VERSION
#define BENCH_HOOK_VERSION 1
#endif

PB_PLUGIN_FUNC("bench_hook", "1.0.0", "benchmark hook and version route") {
    reg.on_record_update("hooked", [](pb::RecordEvent& e) { return e.next(); });
    reg.get("/api/benchhook/version", [](pb::RequestEvent& e) {
        e.request().json(200, pb::json::Object().add("v", BENCH_HOOK_VERSION).str());
    });
}
