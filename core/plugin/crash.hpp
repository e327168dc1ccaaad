#pragma once
// Crash attribution and quarantine (docs/reliability.md, "Plugin faults").
//
// While plugin code runs, the thread carries "<name>\n<sha256 of the loaded file>" in a
// thread-local buffer (CrashScope, runner.hpp). A fatal-signal handler (SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGABRT) writes that buffer plus the signal number to a marker file with
// async-signal-safe calls only, then re-raises the signal with the previous disposition, so the
// process still dies by that signal (and `pb serve --supervise` restarts it). At the next start
// the host turns the marker into a quarantine entry: that exact file (by hash) is not loaded
// again; a different build of the plugin clears the entry.
#include <optional>
#include <string>

#include "util/json.hpp"

namespace pb::plugin {

// Installs the handler (once per process; the marker path of the last call wins - signal
// handlers are process-wide). Safe to call again.
void installCrashHandler(const std::string& markerPath);

struct CrashMarker {
    std::string name, sha256;
    int signal = 0;
};
// Reads and deletes the marker; nullopt when there is none (or it is unreadable).
std::optional<CrashMarker> takeCrashMarker(const std::string& markerPath);

const char* signalName(int sig);

struct QuarantineEntry {
    std::string sha256, reason, at;
};

// DATA_DIR/plugin_quarantine.json: {"<name>": {"sha256", "reason", "at"}}. Written atomically.
// Not thread-safe: the host calls it under its operation lock.
class QuarantineStore {
public:
    explicit QuarantineStore(std::string path = "");
    std::optional<QuarantineEntry> find(const std::string& name) const;
    void add(const std::string& name, const QuarantineEntry& e);
    void remove(const std::string& name);

private:
    json::Value load() const;
    void save(const json::Value& v);
    std::string path_;
};

}  // namespace pb::plugin
