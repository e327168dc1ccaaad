#include "db/database.hpp"

#include <thread>

namespace pb::db {

namespace {
std::atomic<uint64_t> gInstanceCounter{1};

struct ThreadTx {
    uint64_t dbInstance = 0;
    int depth = 0;
    std::vector<std::function<void()>> onCommit;
    std::vector<std::function<void()>> onRollback;
};
thread_local ThreadTx tTx;

struct ReaderSlot {
    std::unique_ptr<Connection> conn;
    uint64_t schemaVersion = 0;
};
thread_local std::unordered_map<uint64_t, ReaderSlot> tReaders;

const json::Value kNullValue;

void check(sqlite3* db, int rc, const std::string& what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int ext = db ? sqlite3_extended_errcode(db) : rc;
        throw DbError(ext, what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
}
}  // namespace

const json::Value& Row::operator[](std::string_view column) const {
    for (size_t i = 0; i < columns->size(); ++i)
        if ((*columns)[i] == column) return values[i];
    return kNullValue;
}

Connection::Connection(const std::string& path, bool readOnly) {
    int flags = SQLITE_OPEN_NOMUTEX | (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open database";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(rc, "open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    execScript(
        "PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=200000000; PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;");
}

Connection::~Connection() {
    if (db_ && trace_) sqlite3_trace_v2(db_, 0, nullptr, nullptr);
    clearStatementCache();
    if (db_) sqlite3_close_v2(db_);
}

void Connection::clearStatementCache() {
    for (auto& [_, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
}

void Connection::setTrace(std::shared_ptr<const TraceFn> fn) {
    trace_ = std::move(fn);
    if (!trace_) {
        sqlite3_trace_v2(db_, 0, nullptr, nullptr);
        return;
    }
    sqlite3_trace_v2(
        db_, SQLITE_TRACE_PROFILE,
        [](unsigned, void* ctx, void* p, void* x) -> int {
            auto* fn = static_cast<const TraceFn*>(ctx);
            auto* st = static_cast<sqlite3_stmt*>(p);
            double ms = static_cast<double>(*static_cast<sqlite3_int64*>(x)) / 1e6;
            char* expanded = sqlite3_expanded_sql(st);
            const char* sql = expanded ? expanded : sqlite3_sql(st);
            try {
                (*fn)(sql ? sql : "", ms);
            } catch (...) {
            }
            sqlite3_free(expanded);
            return 0;
        },
        const_cast<TraceFn*>(trace_.get()));
}

void Connection::execScript(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw DbError(sqlite3_extended_errcode(db_), msg);
    }
}

sqlite3_stmt* Connection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
        sqlite3_reset(it->second);
        sqlite3_clear_bindings(it->second);
        return it->second;
    }
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    check(db_, rc, "prepare");
    if (cache_.size() > 500) clearStatementCache();
    cache_.emplace(sql, st);
    return st;
}

int bindParams(sqlite3_stmt* st, const Params& params) {
    int i = 0;
    for (const auto& v : params) {
        ++i;
        int rc = SQLITE_OK;
        switch (v.type()) {
            case json::Value::Type::Null: rc = sqlite3_bind_null(st, i); break;
            case json::Value::Type::Bool: rc = sqlite3_bind_int(st, i, v.asBool() ? 1 : 0); break;
            case json::Value::Type::Number: {
                double d = v.asNumber();
                if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9e15 && d < 9e15)
                    rc = sqlite3_bind_int64(st, i, static_cast<int64_t>(d));
                else
                    rc = sqlite3_bind_double(st, i, d);
                break;
            }
            case json::Value::Type::String:
                rc = sqlite3_bind_text(st, i, v.asString().data(), static_cast<int>(v.asString().size()), SQLITE_TRANSIENT);
                break;
            case json::Value::Type::Raw: {
                // Raw integers (e.g. date-part macros) bind as INTEGER, anything else as text.
                const auto& t = v.asRaw().text;
                char* end = nullptr;
                long long n = t.empty() ? 0 : std::strtoll(t.c_str(), &end, 10);
                if (!t.empty() && end && *end == '\0') rc = sqlite3_bind_int64(st, i, n);
                else rc = sqlite3_bind_text(st, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
                break;
            }
            default: {
                std::string t = v.dump(true);
                rc = sqlite3_bind_text(st, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
            }
        }
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

void Connection::bindAll(sqlite3_stmt* st, const Params& params) {
    int n = sqlite3_bind_parameter_count(st);
    if (static_cast<int>(params.size()) != n)
        throw DbError(SQLITE_RANGE, "bind: expected " + std::to_string(n) + " params, got " + std::to_string(params.size()));
    check(db_, bindParams(st, params), "bind");
}

int64_t Connection::exec(const std::string& sql, const Params& params) {
    sqlite3_stmt* st = prepare(sql);
    bindAll(st, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    check(db_, rc, "exec");
    return sqlite3_changes64(db_);
}

void Connection::each(const std::string& sql, const Params& params, const std::function<void(sqlite3_stmt*)>& fn) {
    sqlite3_stmt* st = prepare(sql);
    bindAll(st, params);
    int rc;
    struct Reset {
        sqlite3_stmt* s;
        ~Reset() { sqlite3_reset(s); }
    } reset{st};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) fn(st);
    check(db_, rc, "query");
}

std::vector<Row> Connection::query(const std::string& sql, const Params& params) {
    std::vector<Row> rows;
    std::shared_ptr<std::vector<std::string>> cols;
    each(sql, params, [&](sqlite3_stmt* st) {
        int n = sqlite3_column_count(st);
        if (!cols) {
            cols = std::make_shared<std::vector<std::string>>();
            for (int i = 0; i < n; ++i) cols->emplace_back(sqlite3_column_name(st, i));
        }
        Row r;
        r.columns = cols;
        r.values.reserve(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            switch (sqlite3_column_type(st, i)) {
                case SQLITE_NULL: r.values.emplace_back(); break;
                case SQLITE_INTEGER: r.values.emplace_back(static_cast<double>(sqlite3_column_int64(st, i))); break;
                case SQLITE_FLOAT: r.values.emplace_back(sqlite3_column_double(st, i)); break;
                default: {
                    auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(st, i));
                    int len = sqlite3_column_bytes(st, i);
                    r.values.emplace_back(std::string(p ? p : "", static_cast<size_t>(len)));
                }
            }
        }
        rows.push_back(std::move(r));
    });
    return rows;
}

Database::Database(std::string path) : path_(std::move(path)), instanceId_(gInstanceCounter.fetch_add(1)) {
    writer_ = std::make_unique<Connection>(path_, false);
}

Database::~Database() { close(); }

void Database::close() {
    std::lock_guard lk(writeMu_);
    writer_.reset();
    tReaders.erase(instanceId_);  // other threads' readers close when those threads exit
}

bool Database::inWrite() const { return tTx.depth > 0 && tTx.dbInstance == instanceId_; }

Connection& Database::conn() {
    if (inWrite()) return *writer_;
    auto& slot = tReaders[instanceId_];
    uint64_t ver = schemaVersion_.load();
    if (!slot.conn) {
        slot.conn = std::make_unique<Connection>(path_, false);
        if (trace_) slot.conn->setTrace(trace_);
        slot.schemaVersion = ver;
    } else if (slot.schemaVersion != ver) {
        slot.conn->clearStatementCache();
        slot.schemaVersion = ver;
    }
    return *slot.conn;
}

void Database::write(const std::function<void()>& fn) {
    if (inWrite()) {
        ++tTx.depth;
        try {
            fn();
        } catch (...) {
            --tTx.depth;
            throw;
        }
        --tTx.depth;
        return;
    }
    if (tTx.depth > 0) throw DbError(SQLITE_MISUSE, "nested write on another database");
    std::unique_lock lk(writeMu_);
    if (!writer_) throw DbError(SQLITE_MISUSE, "database closed");
    tTx = ThreadTx{instanceId_, 1, {}, {}};
    try {
        writer_->execScript("BEGIN IMMEDIATE");
        fn();
        writer_->execScript("COMMIT");
    } catch (...) {
        try {
            writer_->execScript("ROLLBACK");
        } catch (...) {
        }
        auto rb = std::move(tTx.onRollback);
        tTx = ThreadTx{};
        lk.unlock();
        for (auto& f : rb) {
            try { f(); } catch (...) {}
        }
        throw;
    }
    auto commit = std::move(tTx.onCommit);
    tTx = ThreadTx{};
    lk.unlock();
    // Every after-commit callback runs even when an earlier one throws; the first error is then
    // rethrown to the caller (PocketBase joins the errors of its tx OnComplete callbacks and
    // returns them, though the data is committed).
    std::exception_ptr first;
    for (auto& f : commit) {
        try {
            f();
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    if (first) std::rethrow_exception(first);
}

void Database::afterCommit(std::function<void()> fn) {
    if (inWrite()) tTx.onCommit.push_back(std::move(fn));
    else fn();
}

void Database::afterRollback(std::function<void()> fn) {
    if (inWrite()) tTx.onRollback.push_back(std::move(fn));
}

int64_t Database::exec(const std::string& sql, const Params& params) {
    if (inWrite()) return writer_->exec(sql, params);
    int64_t n = 0;
    write([&] { n = writer_->exec(sql, params); });
    return n;
}

void Database::execScript(const std::string& sql) {
    if (inWrite()) return writer_->execScript(sql);
    write([&] { writer_->execScript(sql); });
}

void Database::setTrace(TraceFn fn) {
    std::lock_guard lk(writeMu_);
    trace_ = fn ? std::make_shared<const TraceFn>(std::move(fn)) : nullptr;
    if (writer_) writer_->setTrace(trace_);
}

void Database::checkpoint() {
    std::lock_guard lk(writeMu_);
    if (!writer_) return;
    writer_->execScript("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;");
}

std::string quoteIdent(std::string_view name) {
    std::string r = "`";
    for (char c : name) {
        if (c == '`') r += "``";
        else r.push_back(c);
    }
    r += "`";
    return r;
}

}  // namespace pb::db
