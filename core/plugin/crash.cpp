// Crash attribution (fatal-signal handler + marker file) and the quarantine store.
#include "plugin/crash.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "plugin/runner.hpp"

namespace pb::plugin {

namespace fs = std::filesystem;

namespace {

// "<name>\n<sha256>" of the plugin code running on this thread; empty outside plugin code.
thread_local char tlTag[160];
thread_local size_t tlTagLen = 0;

// Process-wide by nature (signal dispositions are): the marker path and the previous handlers.
char gMarkerPath[4096];
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
struct sigaction gOld[65];
std::once_flag gInstallOnce;

size_t fmtInt(char* out, int v) {
    char tmp[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u : static_cast<unsigned>(v);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u && n < sizeof tmp);
    for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    return n;
}

void writeAll(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w <= 0) return;
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// Async-signal-safe: open/write/fsync/close, sigaction, raise; no allocation, no locks.
void onFatalSignal(int sig, siginfo_t*, void*) {
    int saved = errno;
    if (tlTagLen > 0 && gMarkerPath[0]) {
        int fd = ::open(gMarkerPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char num[16];
            writeAll(fd, tlTag, tlTagLen);
            writeAll(fd, "\n", 1);
            writeAll(fd, num, fmtInt(num, sig));
            writeAll(fd, "\n", 1);
            ::fsync(fd);
            ::close(fd);
        }
        const char* nl = static_cast<const char*>(std::memchr(tlTag, '\n', tlTagLen));
        size_t nameLen = nl ? static_cast<size_t>(nl - tlTag) : tlTagLen;
        char num[16];
        writeAll(2, "[plugin ", 8);
        writeAll(2, tlTag, nameLen);
        writeAll(2, "] fatal signal ", 15);
        writeAll(2, num, fmtInt(num, sig));
        writeAll(2, " in plugin code; the plugin will be quarantined at the next start\n", 66);
    }
    if (sig > 0 && sig < 65) sigaction(sig, &gOld[sig], nullptr);
    errno = saved;
    raise(sig);  // blocked while the handler runs: delivered with the previous disposition on return
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

CrashScope::CrashScope(const std::string& name, const std::string& sha256) {
    savedLen_ = tlTagLen;
    std::memcpy(saved_, tlTag, savedLen_);
    size_t n = std::min(name.size(), sizeof tlTag - 1);
    std::memcpy(tlTag, name.data(), n);
    size_t m = 0;
    if (n + 1 < sizeof tlTag) {
        tlTag[n] = '\n';
        m = std::min(sha256.size(), sizeof tlTag - n - 1);
        std::memcpy(tlTag + n + 1, sha256.data(), m);
        ++n;
    }
    tlTagLen = n + m;
}

CrashScope::~CrashScope() {
    std::memcpy(tlTag, saved_, savedLen_);
    tlTagLen = savedLen_;
}

void installCrashHandler(const std::string& markerPath) {
    // The path is written before the handler can read it (first install) or while it is
    // installed (later installs: a torn path would only misplace one marker).
    size_t n = std::min(markerPath.size(), sizeof gMarkerPath - 1);
    std::memcpy(gMarkerPath, markerPath.data(), n);
    gMarkerPath[n] = '\0';
    std::call_once(gInstallOnce, [] {
        for (int sig : kSignals) {
            struct sigaction sa {};
            sa.sa_sigaction = onFatalSignal;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigemptyset(&sa.sa_mask);
            sigaction(sig, &sa, &gOld[sig]);
        }
    });
}

std::optional<CrashMarker> takeCrashMarker(const std::string& markerPath) {
    std::error_code ec;
    if (!fs::exists(markerPath, ec)) return std::nullopt;
    std::istringstream in(slurp(markerPath));
    fs::remove(markerPath, ec);
    CrashMarker m;
    std::string sig;
    if (!std::getline(in, m.name) || !std::getline(in, m.sha256) || !std::getline(in, sig) || m.name.empty())
        return std::nullopt;
    m.signal = std::atoi(sig.c_str());
    return m;
}

const char* signalName(int sig) {
    switch (sig) {
        case SIGSEGV: return "SIGSEGV";
        case SIGBUS: return "SIGBUS";
        case SIGILL: return "SIGILL";
        case SIGFPE: return "SIGFPE";
        case SIGABRT: return "SIGABRT";
        case SIGKILL: return "SIGKILL";
        case SIGTERM: return "SIGTERM";
        case SIGINT: return "SIGINT";
        default: return "signal";
    }
}

// ---- quarantine store ----

QuarantineStore::QuarantineStore(std::string path) : path_(std::move(path)) {}

json::Value QuarantineStore::load() const {
    std::error_code ec;
    if (path_.empty() || !fs::exists(path_, ec)) return json::Value::object();
    auto v = json::parse(slurp(path_));
    return v && v->isObject() ? *v : json::Value::object();
}

void QuarantineStore::save(const json::Value& v) {
    if (path_.empty()) return;
    std::string tmp = path_ + ".tmp";
    {
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return;
        std::string s = v.dump();
        writeAll(fd, s.data(), s.size());
        ::fsync(fd);
        ::close(fd);
    }
    std::error_code ec;
    fs::rename(tmp, path_, ec);
}

std::optional<QuarantineEntry> QuarantineStore::find(const std::string& name) const {
    auto v = load();
    const auto& e = v[name];
    if (!e.isObject()) return std::nullopt;
    return QuarantineEntry{e["sha256"].getString(), e["reason"].getString(), e["at"].getString()};
}

void QuarantineStore::add(const std::string& name, const QuarantineEntry& e) {
    auto v = load();
    v.set(name, json::Value(json::Object{{"sha256", e.sha256}, {"reason", e.reason}, {"at", e.at}}));
    save(v);
}

void QuarantineStore::remove(const std::string& name) {
    auto v = load();
    if (!v[name].isObject()) return;
    json::Value out = json::Value::object();
    for (auto& [k, val] : v.asObject())
        if (k != name) out.set(k, val);
    save(out);
}

}  // namespace pb::plugin
