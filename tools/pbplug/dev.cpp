// `pbplug dev DIR`: build + install, then watch the sources with inotify and rebuild + reinstall
// after every save (debounced), until interrupted.
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <set>

#include "pbplug.hpp"

namespace pbplug {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

bool is_source(const std::string& name) {
    static const std::set<std::string> exts = {".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx",
                                               ".cmake", ".json", ".inc"};
    if (name == "CMakeLists.txt") return true;
    if (name.empty() || name[0] == '.') return false;  // editor temp files
    return exts.count(fs::path(name).extension().string()) > 0;
}

bool skip_dir(const fs::path& p) {
    const std::string n = p.filename().string();
    return n.empty() || n[0] == '.' || n == "build" || n.rfind("build-", 0) == 0 || n == "node_modules";
}

void add_watches(int fd, const fs::path& root) {
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
    inotify_add_watch(fd, root.c_str(), mask);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec) break;
        if (!it->is_directory()) continue;
        if (skip_dir(it->path())) {
            it.disable_recursion_pending();
            continue;
        }
        inotify_add_watch(fd, it->path().c_str(), mask);
    }
}

// Reads pending events; returns true if any concerns a source file or a new directory.
bool drain(int fd, const fs::path& root) {
    alignas(inotify_event) char buf[16384];
    bool relevant = false;
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        for (char* p = buf; p < buf + n;) {
            auto* ev = reinterpret_cast<inotify_event*>(p);
            std::string name = ev->len ? ev->name : "";
            if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && !skip_dir(name)) {
                add_watches(fd, root);  // cheap enough for plugin-sized trees
            } else if (is_source(name)) {
                relevant = true;
            }
            p += sizeof(inotify_event) + ev->len;
        }
    }
    return relevant;
}

}  // namespace

int cmd_dev(const Args& args) {
    if (args.positional.size() != 1) {
        std::cerr << "usage: pbplug dev DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]\n";
        return 2;
    }
    BuildOptions opt;
    opt.project = fs::absolute(args.positional[0]);
    opt.plugins_dir = args.get("plugins").value_or(default_plugins_dir());
    opt.sdk_dir = args.get("sdk").value_or("");
    opt.quiet = true;

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        std::cerr << "pbplug dev: inotify: " << std::strerror(errno) << "\n";
        return 1;
    }
    add_watches(fd, opt.project);
    std::cout << "pbplug dev: watching " << opt.project.string() << " -> " << opt.plugins_dir.string()
              << " (Ctrl-C to stop)" << std::endl;
    build_and_install(opt);

    while (!g_stop) {
        pollfd pfd{fd, POLLIN, 0};
        int r = ::poll(&pfd, 1, 1000);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        bool relevant = drain(fd, opt.project);
        // Debounce: editors write several files / temp files in a burst.
        while (!g_stop && ::poll(&pfd, 1, 250) > 0) relevant = drain(fd, opt.project) || relevant;
        if (!relevant || g_stop) continue;
        std::cout << "pbplug dev: change detected, rebuilding" << std::endl;
        if (build_and_install(opt) == 0)
            std::cout << "pbplug dev: installed; the server hot-reloads it" << std::endl;
        else
            std::cout << "pbplug dev: build failed; the server keeps the previous version" << std::endl;
        drain(fd, opt.project);  // ignore events caused by the build itself
    }
    ::close(fd);
    std::cout << "pbplug dev: stopped\n";
    return 0;
}

}  // namespace pbplug
