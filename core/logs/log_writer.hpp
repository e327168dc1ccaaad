#pragma once
// Request/app logs in DATA_DIR/auxiliary.db (`_logs`, PocketBase migrations/1640988000_aux_init.go), written off the request
// path: push() only appends to a bounded in-memory queue; a background thread drains it in
// batches of up to 200 entries, one write transaction per batch, waiting up to kMaxDelay for a
// batch to fill (one wake-up and one commit per batch, not per request). flush() and stop()
// write what is queued at once.
// When the queue is full new entries are dropped (counted), so a log storm never blocks or grows
// memory without bound.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "db/database.hpp"
#include "util/json.hpp"

namespace pb::logs {

// slog levels.
inline constexpr int kLevelDebug = -4;
inline constexpr int kLevelInfo = 0;
inline constexpr int kLevelWarn = 4;
inline constexpr int kLevelError = 8;

struct Entry {
    std::string id;       // empty = generated (15 chars [a-z0-9])
    int level = kLevelInfo;
    std::string message;
    json::Value data = json::Value::object();
    std::string created;  // empty = now
};

class LogWriter {
public:
    static constexpr size_t kBatchSize = 200;
    // Queued entries wait at most this long for a full batch (PocketBase flushes every 3 s).
    static constexpr std::chrono::milliseconds kMaxDelay{1000};

    // Opens (creating if needed) the aux database at `path`, ensures `_logs` and its indexes and
    // starts the writer thread.
    explicit LogWriter(const std::string& path, size_t maxQueue = 20000);
    ~LogWriter();
    LogWriter(const LogWriter&) = delete;
    LogWriter& operator=(const LogWriter&) = delete;

    // Never blocks on I/O. Returns false when the entry was dropped (queue full or stopped).
    bool push(Entry e);
    // Blocks until everything queued before the call is written (or dropped on error).
    void flush();
    // Writes what is queued, stops the thread and closes the database. Idempotent.
    void stop();

    // The aux database (for the logs API). Reads only; writes go through push().
    db::Database& db() { return *db_; }

    // Deletes logs created at or before now - maxDays (text comparison on `created`; 0 = all).
    // Returns the rows deleted.
    int64_t deleteOlderThan(int maxDays);

    uint64_t dropped() const;

    // The `_logs` DDL (PocketBase's, with its indexes).
    static const char* schemaSql();

private:
    void run();
    void writeBatch(std::deque<Entry>& batch);

    std::unique_ptr<db::Database> db_;
    const size_t maxQueue_;
    std::mutex stopMu_;  // serialises stop()
    mutable std::mutex mu_;
    std::condition_variable cv_;      // work available / stop
    std::condition_variable doneCv_;  // progress (for flush)
    std::deque<Entry> queue_;
    uint64_t enqueued_ = 0;  // sequence numbers, for flush()
    uint64_t written_ = 0;   // entries processed (written or failed)
    uint64_t flushTarget_ = 0;  // a flush() waits for written_ to reach this
    uint64_t dropped_ = 0;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

// Sorts object keys recursively (PocketBase stores `data` as a Go map: compact, sorted keys).
json::Value sortedKeys(const json::Value& v);

}  // namespace pb::logs
