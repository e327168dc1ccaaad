// POST /api/sql (superusers): PocketBase's SQL console endpoint.
//
// Statements that look like writes (INSERT/CREATE/UPDATE/DELETE/DROP/DETACH, not starting with
// SELECT) run in a write transaction on the writer connection and report affectedRows; anything
// else runs on this thread's read-only connection and returns at most 1000 rows with every value
// as text (or null). Each query has a 3 minute deadline.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "api/middlewares.hpp"
#include "api/routes.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

constexpr size_t kMaxRows = 1000;
constexpr size_t kMaxQueryLength = 5000;
constexpr auto kTimeout = std::chrono::minutes(3);

bool looksLikeWrite(std::string_view query) {
    std::string up = str::upper(std::string(query.substr(0, 16)));
    if (up.rfind("SELECT", 0) == 0) return false;
    for (const char* p : {"INSERT", "CREATE", "UPDATE", "DELETE", "DROP", "DETACH"})
        if (up.rfind(p, 0) == 0) return true;
    return false;
}

// Interrupts the statements of one connection once the deadline passes.
class Deadline {
public:
    explicit Deadline(sqlite3* db) : db_(db), until_(std::chrono::steady_clock::now() + kTimeout) {
        sqlite3_progress_handler(db_, 10000, &Deadline::check, this);
    }
    ~Deadline() { sqlite3_progress_handler(db_, 0, nullptr, nullptr); }

private:
    static int check(void* self) {
        return std::chrono::steady_clock::now() > static_cast<Deadline*>(self)->until_ ? 1 : 0;
    }
    sqlite3* db_;
    std::chrono::steady_clock::time_point until_;
};

json::Value runWrite(App& app, const std::string& query) {
    int64_t affected = 0;
    app.db().write([&] {
        sqlite3* raw = app.db().conn().raw();
        Deadline deadline(raw);
        char* err = nullptr;
        if (sqlite3_exec(raw, query.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errmsg(raw);
            sqlite3_free(err);
            throw std::runtime_error(msg);
        }
        affected = sqlite3_changes(raw);
    });
    // The statement may have changed the schema: drop cached statements and reload definitions.
    app.db().bumpSchemaVersion();
    app.collections().load();
    json::Value out = json::Value::object();
    out.set("affectedRows", static_cast<double>(affected));
    out.set("columns", json::Value::array());
    out.set("rows", json::Value::array());
    return out;
}

json::Value runRead(App& app, const std::string& query) {
    json::Value columns = json::Value::array(), rows = json::Value::array();
    sqlite3* raw = app.db().conn().raw();
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(raw, query.c_str(), static_cast<int>(query.size()), &st, &tail) != SQLITE_OK)
        throw std::runtime_error(sqlite3_errmsg(raw));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
    if (!st) return json::Value(json::Object{{"affectedRows", 0}, {"columns", columns}, {"rows", rows}});
    Deadline deadline(raw);
    const int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i) {
        const char* decl = sqlite3_column_decltype(st, i);
        columns.push(json::Value(json::Object{{"name", std::string(sqlite3_column_name(st, i))},
                                              {"type", str::upper(decl ? decl : "")},
                                              {"nullable", false}}));
    }
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(raw));
        if (rows.size() >= kMaxRows) break;
        json::Value row = json::Value::array();
        for (int i = 0; i < n; ++i) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL) {
                row.push(json::Value());
                continue;
            }
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            row.push(std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(st, i))));
        }
        rows.push(std::move(row));
    }
    json::Value out = json::Value::object();
    out.set("affectedRows", 0);
    out.set("columns", columns);
    out.set("rows", rows);
    return out;
}

}  // namespace

void registerSqlRoutes(App& app) {
    app.router().post("/api/sql", [](RequestEvent& e) {
        if (!e.hasSuperuserAuth()) throw forbidden();
        const json::Value& body = e.body();
        if (!body.isObject() || (!body["query"].isNull() && !body["query"].isString()))
            throw badRequest("An error occurred while loading the submitted data.");
        std::string query(str::trim(body["query"].getString()));
        ValidationErrors errs;
        if (query.empty()) errs.add("query", "validation_required", "Cannot be blank.");
        else if (body["query"].getString().size() > kMaxQueryLength)
            errs.add("query", "validation_length_out_of_range", "The length must be between 0 and 5000.");
        errs.throwIfAny("An error occurred while validating the submitted data.");

        auto t0 = std::chrono::steady_clock::now();
        json::Value result;
        try {
            result = looksLikeWrite(query) ? runWrite(e.app, query) : runRead(e.app, query);
        } catch (const ApiError&) {
            throw;
        } catch (const std::exception& ex) {
            throw badRequest(std::string("Failed to execute query. Raw error:\n") + ex.what());
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        result.set("execTime", static_cast<double>(ms));
        e.json(200, result);
    }, {requireSuperuserAuth()});
}

}  // namespace pb::api
