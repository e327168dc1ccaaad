#include "logs/log_writer.hpp"

#include <algorithm>
#include <iostream>

#include "util/random.hpp"
#include "util/time.hpp"

namespace pb::logs {

namespace {
constexpr std::string_view kIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
}

const char* LogWriter::schemaSql() {
    return "CREATE TABLE IF NOT EXISTS `_logs` ("
           "`id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,"
           " `level` INTEGER DEFAULT 0 NOT NULL,"
           " `message` TEXT DEFAULT \"\" NOT NULL,"
           " `data` JSON DEFAULT \"{}\" NOT NULL,"
           " `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL);"
           "CREATE INDEX IF NOT EXISTS idx_logs_level on `_logs` (`level`);"
           "CREATE INDEX IF NOT EXISTS idx_logs_message on `_logs` (`message`);"
           "CREATE INDEX IF NOT EXISTS idx_logs_created_hour on `_logs` (strftime('%Y-%m-%d %H:00:00', `created`));";
}

json::Value sortedKeys(const json::Value& v) {
    if (v.isArray()) {
        json::Value out = json::Value::array();
        for (auto& x : v.asArray()) out.push(sortedKeys(x));
        return out;
    }
    if (!v.isObject()) return v;
    json::Object items;
    for (auto& [k, x] : v.asObject()) items.emplace_back(k, sortedKeys(x));
    std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return json::Value(std::move(items));
}

LogWriter::LogWriter(const std::string& path, size_t maxQueue)
    : db_(std::make_unique<db::Database>(path)), maxQueue_(std::max<size_t>(maxQueue, kBatchSize)) {
    db_->execScript(schemaSql());
    thread_ = std::thread([this] { run(); });
}

LogWriter::~LogWriter() {
    try {
        stop();
    } catch (...) {
    }
}

bool LogWriter::push(Entry e) {
    if (e.id.empty()) e.id = random::string(15, kIdAlphabet);
    if (e.created.empty()) e.created = timeutil::now();
    {
        std::lock_guard lk(mu_);
        if (stopping_ || queue_.size() >= maxQueue_) {
            ++dropped_;
            return false;
        }
        queue_.push_back(std::move(e));
        ++enqueued_;
        // Wake the writer for the first entry (it starts the batch timer) and for a full batch.
        if (queue_.size() != 1 && queue_.size() != kBatchSize) return true;
    }
    cv_.notify_one();
    return true;
}

void LogWriter::flush() {
    std::unique_lock lk(mu_);
    uint64_t target = enqueued_;
    flushTarget_ = std::max(flushTarget_, target);
    cv_.notify_one();
    doneCv_.wait(lk, [&] { return written_ >= target || stopped_; });
}

void LogWriter::stop() {
    std::lock_guard stopLk(stopMu_);
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    if (db_) db_->close();
}

uint64_t LogWriter::dropped() const {
    std::lock_guard lk(mu_);
    return dropped_;
}

void LogWriter::run() {
    std::unique_lock lk(mu_);
    for (;;) {
        cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) break;
        cv_.wait_for(lk, kMaxDelay, [&] {
            return stopping_ || queue_.size() >= kBatchSize || flushTarget_ > written_;
        });
        std::deque<Entry> batch;
        while (!queue_.empty() && batch.size() < kBatchSize) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        lk.unlock();
        writeBatch(batch);
        lk.lock();
        written_ += batch.size();
        doneCv_.notify_all();
    }
    stopped_ = true;
    doneCv_.notify_all();
}

void LogWriter::writeBatch(std::deque<Entry>& batch) {
    try {
        db_->write([&] {
            for (auto& e : batch)
                db_->exec("INSERT INTO `_logs` (`id`, `level`, `message`, `data`, `created`) VALUES (?, ?, ?, ?, ?)",
                          {e.id, e.level, e.message, sortedKeys(e.data).dump(), e.created});
        });
    } catch (const std::exception& ex) {
        std::cerr << timeutil::now() << " ERROR logs: failed to write " << batch.size() << " entries: " << ex.what()
                  << "\n";
    }
}

int64_t LogWriter::deleteOlderThan(int maxDays) {
    maxDays = std::max(maxDays, 0);  // 0 = everything up to now (PocketBase's behaviour)
    std::string cutoff = timeutil::formatMillis(timeutil::nowMillis() - static_cast<int64_t>(maxDays) * 86400000LL);
    return db_->exec("DELETE FROM `_logs` WHERE `created` <= ?", {cutoff});
}

}  // namespace pb::logs
