#include "plugin/watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <tuple>

namespace pb::plugin {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool validName(const std::string& n) {
    if (n.empty()) return false;
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// Fires every name whose debounce deadline passed; returns the time to the next deadline.
int fireDue(std::map<std::string, Clock::time_point>& due, const DirWatcher::Callback& cb) {
    auto now = Clock::now();
    for (auto it = due.begin(); it != due.end();) {
        if (it->second <= now) {
            std::string name = it->first;
            it = due.erase(it);
            cb(name);
            now = Clock::now();
        } else {
            ++it;
        }
    }
    if (due.empty()) return -1;
    auto next = Clock::time_point::max();
    for (auto& [n, t] : due) next = std::min(next, t);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::max<long long>(ms, 0) + 1);
}

}  // namespace

std::string DirWatcher::pluginNameOf(const std::string& f) {
    if (f.empty() || f[0] == '.') return {};
    std::string stem;
    if (f.size() > 3 && f.compare(f.size() - 3, 3, ".so") == 0) stem = f.substr(0, f.size() - 3);
    else if (f.size() > 5 && f.compare(f.size() - 5, 5, ".json") == 0) stem = f.substr(0, f.size() - 5);
    return validName(stem) ? stem : std::string();
}

DirWatcher::DirWatcher(std::string dir, Callback cb, std::chrono::milliseconds debounce, bool forcePolling)
    : dir_(std::move(dir)), cb_(std::move(cb)), debounce_(debounce), polling_(forcePolling) {}

DirWatcher::~DirWatcher() { stop(); }

void DirWatcher::start() {
    if (th_.joinable()) return;
    stopFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!polling_) {
        inotifyFd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (inotifyFd_ < 0 ||
            ::inotify_add_watch(inotifyFd_, dir_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0) {
            if (inotifyFd_ >= 0) ::close(inotifyFd_);
            inotifyFd_ = -1;
            polling_ = true;  // e.g. NFS, some bind mounts, inotify limits
        }
    }
    th_ = std::thread([this] { polling_ ? loopPolling() : loopInotify(); });
}

void DirWatcher::stop() {
    if (th_.joinable()) {
        uint64_t one = 1;
        ssize_t n = ::write(stopFd_, &one, sizeof one);
        (void)n;
        th_.join();
    }
    if (inotifyFd_ >= 0) ::close(inotifyFd_);
    if (stopFd_ >= 0) ::close(stopFd_);
    inotifyFd_ = stopFd_ = -1;
}

void DirWatcher::loopInotify() {
    std::map<std::string, Clock::time_point> due;
    alignas(inotify_event) char buf[16384];
    for (;;) {
        int timeout = fireDue(due, cb_);
        pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
        int r = ::poll(fds, 2, timeout);
        if (r < 0 && errno != EINTR) return;
        if (fds[1].revents) return;
        if (r <= 0 || !(fds[0].revents & POLLIN)) continue;
        ssize_t n = ::read(inotifyFd_, buf, sizeof buf);
        for (ssize_t off = 0; n > 0 && off < n;) {
            auto* ev = reinterpret_cast<inotify_event*>(buf + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if (ev->len == 0) continue;
            std::string name = pluginNameOf(ev->name);
            if (name.empty()) continue;
            // An atomic rename lands a complete file: react fast. Writes in place (the linker,
            // cp) come in bursts: wait for the quiet period.
            auto delay = (ev->mask & IN_MOVED_TO) ? std::min(debounce_, std::chrono::milliseconds(30)) : debounce_;
            auto t = Clock::now() + delay;
            auto it = due.find(name);
            if (it == due.end() || it->second < t) due[name] = t;
        }
    }
}

void DirWatcher::loopPolling() {
    using Stamp = std::tuple<int64_t, int64_t, uint64_t>;  // mtime ns, size, inode
    auto scan = [this] {
        std::map<std::string, Stamp> out;
        std::error_code ec;
        for (auto& de : fs::directory_iterator(dir_, ec)) {
            std::string f = de.path().filename().string();
            if (pluginNameOf(f).empty()) continue;
            struct stat st {};
            if (::stat(de.path().c_str(), &st) != 0) continue;
            out[f] = Stamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                           static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
        }
        return out;
    };
    auto last = scan();
    std::map<std::string, Clock::time_point> due;
    for (;;) {
        pollfd fds[1] = {{stopFd_, POLLIN, 0}};
        if (::poll(fds, 1, 250) > 0) return;
        auto cur = scan();
        for (auto& [f, st] : cur) {
            auto it = last.find(f);
            if (it == last.end() || it->second != st) due[pluginNameOf(f)] = Clock::now();
        }
        for (auto& [f, st] : last)
            if (!cur.count(f)) due[pluginNameOf(f)] = Clock::now();
        last = std::move(cur);
        fireDue(due, cb_);
    }
}

}  // namespace pb::plugin
