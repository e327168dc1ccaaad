#pragma once
// SQLite access: one writer connection (writes serialized, BEGIN IMMEDIATE) and one reader
// connection per thread, all in WAL mode. A thread inside write() uses the writer connection for
// everything (reads included), so code called from hooks during a write sees - and joins - the
// same transaction; an exception anywhere rolls the whole thing back.
#include <sqlite3.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/json.hpp"

namespace pb::db {

class DbError : public std::runtime_error {
public:
    DbError(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
    int code() const { return code_; }
    bool isConstraintUnique() const { return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY; }

private:
    int code_;
};

using Params = std::vector<json::Value>;

// Called after each statement finishes (sqlite3_trace_v2 SQLITE_TRACE_PROFILE) with the SQL
// (parameters expanded) and its run time in milliseconds. Used by `serve --dev`.
using TraceFn = std::function<void(const std::string& sql, double ms)>;

// One result row; values are null / number / string (blobs as strings).
struct Row {
    std::shared_ptr<const std::vector<std::string>> columns;
    std::vector<json::Value> values;
    const json::Value& operator[](std::string_view column) const;
    const json::Value& at(size_t i) const { return values.at(i); }
};

class Connection {
public:
    Connection(const std::string& path, bool readOnly);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void execScript(const std::string& sql);  // no params, may hold several statements
    int64_t exec(const std::string& sql, const Params& params = {});  // returns changes()
    std::vector<Row> query(const std::string& sql, const Params& params = {});
    // Calls fn for each row without materialising the whole result.
    void each(const std::string& sql, const Params& params, const std::function<void(sqlite3_stmt*)>& fn);
    int64_t lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
    sqlite3* raw() { return db_; }
    void clearStatementCache();
    // Installs (or, with null, removes) the statement profiler.
    void setTrace(std::shared_ptr<const TraceFn> fn);

private:
    sqlite3_stmt* prepare(const std::string& sql);
    void bindAll(sqlite3_stmt* st, const Params& params);
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
    std::shared_ptr<const TraceFn> trace_;
};

class Database {
public:
    explicit Database(std::string path);
    ~Database();

    const std::string& path() const { return path_; }

    // Runs fn in a write transaction. Nested calls on the same thread join the outer one.
    // Post-commit callbacks run after COMMIT (outside the lock), in order.
    void write(const std::function<void()>& fn);
    bool inWrite() const;
    void afterCommit(std::function<void()> fn);    // immediate if not in a transaction
    void afterRollback(std::function<void()> fn);  // dropped if not in a transaction

    // The connection for this thread: the writer when inside write(), else this thread's reader.
    Connection& conn();

    int64_t exec(const std::string& sql, const Params& params = {});  // wraps in write() if needed
    std::vector<Row> query(const std::string& sql, const Params& params = {}) { return conn().query(sql, params); }
    void execScript(const std::string& sql);

    // Schema changed: drop every thread's cached statements lazily.
    void bumpSchemaVersion() { schemaVersion_.fetch_add(1); }
    void checkpoint();  // wal_checkpoint(TRUNCATE) + optimize
    // Profiles every statement on this database's connections (the writer now, readers as they
    // open). Set it right after construction; readers opened earlier are not traced.
    void setTrace(TraceFn fn);
    void close();

private:
    struct TxState;
    std::string path_;
    uint64_t instanceId_;
    std::unique_ptr<Connection> writer_;
    std::mutex writeMu_;
    std::atomic<uint64_t> schemaVersion_{0};
    std::shared_ptr<const TraceFn> trace_;  // set once, before concurrent use
};

// The one binder of the project: binds params at 1..n. null -> NULL, bool -> 0/1, an integral
// number -> INTEGER (other numbers REAL), string -> TEXT, json::Raw holding an integer -> INTEGER
// (date-part macros) else TEXT, arrays/objects -> JSON text. Returns the first failing SQLite code.
int bindParams(sqlite3_stmt* st, const Params& params);

// "`name`" with backticks doubled; for identifiers that come from the schema only.
std::string quoteIdent(std::string_view name);

}  // namespace pb::db
