// pbActivityLogger (-1040): one request log per request (PocketBase's logRequest data shape),
// handed to the background LogWriter (never written on the request thread). In dev mode each
// request is also printed to stderr. The logs settings are cached and refreshed on every
// settings reload.
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>

#include "api/activity.hpp"
#include "cron/cron.hpp"
#include "logs/log_writer.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::api {

namespace {

struct LogsConfig {
    int maxDays = 5;
    int minLevel = 0;
    bool logIP = true;
    bool logAuthId = false;
    json::Value trustedProxy;
};

std::shared_ptr<const LogsConfig> loadConfig(App& app) {
    auto cfg = std::make_shared<LogsConfig>();
    auto logs = app.settings().section("logs");
    cfg->maxDays = static_cast<int>(logs["maxDays"].getNumber(5));
    cfg->minLevel = static_cast<int>(logs["minLevel"].getNumber(0));
    cfg->logIP = logs["logIP"].getBool(true);
    cfg->logAuthId = logs["logAuthId"].getBool(false);
    cfg->trustedProxy = app.settings().section("trustedProxy");
    return cfg;
}

std::string cut(std::string s, size_t max) {
    if (s.size() > max) s.resize(max);
    return s;
}

struct Outcome {
    int status = 0;
    bool failed = false;
    std::string error;
    json::Value details;
};

void logRequest(RequestEvent& e, const LogsConfig& cfg, const Outcome& out, double execMs) {
    const bool dev = e.app.isDev();
    const int level = out.failed ? logs::kLevelError : logs::kLevelInfo;
    const bool store = cfg.maxDays > 0 && level >= cfg.minLevel && e.app.logWriter();
    if (!store && !dev) return;

    std::string method = cut(e.request.method, 50);  // already upper case
    std::string uri = e.request.path;
    if (!e.request.rawQuery.empty()) uri += "?" + e.request.rawQuery;
    uri = cut(uri, 3000);
    std::string message = method + " " + str::urlDecode(uri, false);

    if (dev) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.3fms", execMs);
        std::string line = timeutil::now() + " [dev] " + message + " " + std::to_string(out.status) + " " + ms +
                           (out.failed ? " error: " + out.error : std::string()) + "\n";
        std::cerr << line;  // one write per line
    }
    if (!store) return;

    json::Value data = json::Value::object();
    data.set("type", "request");
    data.set("execTime", execMs);
    if (out.failed) {
        data.set("error", out.error);
        data.set("details", out.details.isNull() ? json::Value::object() : out.details);
    }
    data.set("url", uri);
    data.set("method", method);
    data.set("status", out.status);
    data.set("referer", cut(e.request.headerOr("referer"), 2000));
    data.set("userAgent", cut(e.request.headerOr("user-agent"), 2000));
    if (e.auth) {
        data.set("auth", e.auth->collection().name);
        if (cfg.logAuthId) data.set("authId", e.auth->id());
    } else {
        data.set("auth", "");
    }
    if (cfg.logIP) {
        data.set("userIP", realIp(e.request, cfg.trustedProxy));
        data.set("remoteIP", e.request.remoteIp);
    }
    logs::Entry entry;
    entry.level = level;
    entry.message = std::move(message);
    entry.data = std::move(data);
    e.app.logWriter()->push(std::move(entry));
}

}  // namespace

void bindActivityLogger(App& app) {
    auto config = std::make_shared<std::shared_ptr<const LogsConfig>>(loadConfig(app));
    app.hooks().onSettingsReload.bind({"pbActivityLoggerSettings", 0,
                                       [config](SettingsReloadEvent& e) {
                                           e.next();
                                           std::atomic_store(config.get(), loadConfig(*e.app));
                                       },
                                       {}});
    app.router().bind({"pbActivityLogger", kActivityLoggerPriority,
                       [config](RequestEvent& e) {
                           auto started = std::chrono::steady_clock::now();
                           Outcome out;
                           std::exception_ptr err;
                           try {
                               e.next();
                           } catch (const ApiError& a) {
                               err = std::current_exception();
                               out = {a.status(), true, a.message(), a.data()};
                           } catch (const std::exception& x) {
                               err = std::current_exception();
                               // App::handle maps database errors to 400 and anything else to 500.
                               bool isDb = dynamic_cast<const db::DbError*>(&x) != nullptr;
                               out = {isDb ? 400 : 500, true, x.what(), json::Value::object()};
                           } catch (...) {
                               err = std::current_exception();
                               out = {500, true, "unknown error", json::Value::object()};
                           }
                           if (!err) out.status = (e.written || e.response.onStream) ? e.response.status : 404;
                           double execMs = std::chrono::duration<double, std::milli>(
                                               std::chrono::steady_clock::now() - started).count();
                           try {
                               logRequest(e, *std::atomic_load(config.get()), out, execMs);
                           } catch (...) {
                               // logging must never change the response
                           }
                           if (err) std::rethrow_exception(err);
                       },
                       {}});
    app.cron().add("__pbLogsCleanup__", "0 */6 * * *", [&app] {
        try {
            if (auto* w = app.logWriter())
                w->deleteOlderThan(static_cast<int>(app.settings().section("logs")["maxDays"].getNumber(5)));
        } catch (const std::exception& ex) {
            app.logError(std::string("logs cleanup: ") + ex.what());
        }
    });
}

}  // namespace pb::api
