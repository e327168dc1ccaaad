#pragma once
// Watches the plugins directory: inotify (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
// IN_MOVED_FROM) with a stat() polling fallback (mtime + size + inode every 250 ms). Reports
// plugin names (file name without ".so" / ".json"), debounced per name; dotfiles and other
// files are ignored. The callback runs on the watcher thread.
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace pb::plugin {

class DirWatcher {
public:
    using Callback = std::function<void(const std::string& name)>;
    DirWatcher(std::string dir, Callback cb, std::chrono::milliseconds debounce, bool forcePolling);
    ~DirWatcher();
    DirWatcher(const DirWatcher&) = delete;
    DirWatcher& operator=(const DirWatcher&) = delete;

    void start();
    void stop();
    bool polling() const { return polling_; }

    // "NAME" for "NAME.so" / "NAME.json" with a valid plugin name, else "".
    static std::string pluginNameOf(const std::string& fileName);

private:
    void loopInotify();
    void loopPolling();

    std::string dir_;
    Callback cb_;
    std::chrono::milliseconds debounce_;
    bool polling_ = false;
    int inotifyFd_ = -1;
    int stopFd_ = -1;  // eventfd
    std::thread th_;
};

}  // namespace pb::plugin
