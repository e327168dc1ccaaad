#include "serve/cli.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "serve/supervisor.hpp"
#include "serve/serving.hpp"
#include "util/duration.hpp"
#include "records/validator.hpp"

namespace pb {

namespace {

const char* kBuiltins[] = {"serve", "superuser", "help"};

// Global flags that take a value.
bool isValueFlag(const std::string& s, const char* name) {
    std::string f = std::string("--") + name;
    return s == f || s.rfind(f + "=", 0) == 0;
}

}  // namespace

Cli::Cli(App& app, std::string name, std::string description)
    : app_(app), name_(std::move(name)), description_(std::move(description)) {}

void Cli::addCommand(const std::string& name, const std::string& help, CommandFn fn) {
    for (auto* b : kBuiltins)
        if (name == b) throw std::invalid_argument("cli: '" + name + "' is a built-in command");
    if (name.empty() || name.rfind("-", 0) == 0 || !fn) throw std::invalid_argument("cli: invalid command '" + name + "'");
    commands_[name] = Command{help, std::move(fn)};
}

std::string Cli::usage() const {
    const std::string& n = name_;
    std::string s = n + " - " + description_ + "\n\n" +
                    "Usage:\n"
                    "  " + n + " serve [--http ADDR:PORT] [--dir DATA_DIR] [--dev] [--plugins DIR]\n"
                    "        [--plugin-deadline 10s] [--supervise]\n"
                    "  " + n + " superuser upsert EMAIL PASSWORD [--dir DATA_DIR]\n"
                    "  " + n + " superuser create EMAIL PASSWORD [--dir DATA_DIR]\n"
                    "  " + n + " superuser update EMAIL PASSWORD [--dir DATA_DIR]\n"
                    "  " + n + " superuser delete EMAIL [--dir DATA_DIR]\n";
    for (auto& [cmd, c] : commands_) {
        std::string line = "  " + n + " " + cmd + " [ARGS...] [--dir DATA_DIR]";
        if (line.size() < 48) line.resize(48, ' ');
        else line += "  ";
        s += line + c.help + "\n";
    }
    s += "  " + n + " --version\n"
         "  " + n + " --help\n";
    return s;
}

bool Cli::parseArgs(int argc, char** argv, Args& a) {
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        auto value = [&](std::string& out) {
            auto eq = s.find('=');
            if (eq != std::string::npos) {
                out = s.substr(eq + 1);
                return true;
            }
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        if (isValueFlag(s, "http")) {
            if (!value(a.http)) return false;
        } else if (isValueFlag(s, "dir")) {
            if (!value(a.dir)) return false;
        } else if (isValueFlag(s, "plugins")) {
            if (!value(a.plugins)) return false;
        } else if (isValueFlag(s, "plugin-deadline")) {
            if (!value(a.pluginDeadline)) return false;
        } else if (s == "--dev") {
            a.dev = true;
        } else if (s == "--supervise") {
            a.supervise = true;
        } else if (s.rfind("--", 0) == 0 && s != "--help" && s != "--version") {
            a.extra.push_back(s);
        } else {
            a.positional.push_back(s);
        }
    }
    return true;
}

AppOptions Cli::appOptions(int argc, char** argv) {
    Args a;
    parseArgs(argc, argv, a);
    AppOptions o;
    o.dataDir = a.dir;
    o.dev = a.dev;
    o.pluginsDir = a.plugins;
    if (!a.pluginDeadline.empty()) o.pluginDeadline = parseDuration(a.pluginDeadline);
    return o;
}


int Cli::run(int argc, char** argv) {
    argv_.assign(argv, argv + argc);
    Args a;
    if (!parseArgs(argc, argv, a)) {
        std::cerr << usage();
        return 2;
    }
    const Command* customCmd = nullptr;
    if (!a.positional.empty()) {
        auto it = commands_.find(a.positional[0]);
        if (it != commands_.end()) customCmd = &it->second;
    }
    if (!customCmd && !a.extra.empty()) {
        std::cerr << "unknown flag: " << a.extra.front() << "\n" << usage();
        return 2;
    }
    if (a.positional.empty()) {
        std::cout << usage();
        return 0;
    }
    const std::string& cmd = a.positional[0];
    if (cmd == "--version") {
        std::cout << name_ << " version " << PB_VERSION << "\n";
        return 0;
    }
    if (customCmd) return custom(*customCmd, argc, argv);
    if (cmd == "serve") return serve(a, argc, argv);
    if (cmd == "superuser") return superuser(a);
    if (cmd == "help" || cmd == "--help") {
        std::cout << usage();
        return 0;
    }
    std::cerr << "unknown command: " << cmd << "\n" << usage();
    return 2;
}

int Cli::custom(const Command& c, int argc, char** argv) {
    // Everything after the command name except the global flags (and their values).
    std::vector<std::string> args;
    bool seenCmd = false;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        bool global = false;
        for (auto* f : {"http", "dir", "plugins", "plugin-deadline"}) {
            if (isValueFlag(s, f)) {
                global = true;
                if (s.find('=') == std::string::npos) ++i;  // skip the value
            }
        }
        if (global || s == "--dev" || s == "--supervise") continue;
        if (!seenCmd && s.rfind("--", 0) != 0) {
            seenCmd = true;
            continue;
        }
        if (seenCmd) args.push_back(s);
    }
    int rc = 0;
    try {
        app_.bootstrap();
        rc = c.fn(args);
    } catch (const ApiError& e) {
        std::cerr << "error: " << e.message() << " " << e.data().dump() << "\n";
        rc = 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        rc = 1;
    }
    app_.stop();
    return rc;
}

int Cli::serve(const Args& a, int argc, char** argv) {
    if (!a.pluginDeadline.empty() && !parseDuration(a.pluginDeadline)) {
        std::cerr << "invalid --plugin-deadline: " << a.pluginDeadline << " (e.g. 10s, 500ms, 0 = none)\n";
        return 2;
    }
    if (a.supervise) return superviseServe(argc, argv);
    auto colon = a.http.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "invalid --http address: " << a.http << "\n";
        return 2;
    }
    std::string host = a.http.substr(0, colon);
    int port = std::atoi(a.http.c_str() + colon + 1);
    if (port < 0 || port > 65535) {
        std::cerr << "invalid port in --http\n";
        return 2;
    }
    // Block the shutdown signals in every thread; this thread waits for them below.
    sigset_t set, originalMask;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &originalMask);
    std::signal(SIGPIPE, SIG_IGN);

    std::unique_ptr<serve::Serving> serving;
    try {
        app_.bootstrap();
        serving = std::make_unique<serve::Serving>(app_);
        serving->start(host, static_cast<uint16_t>(port));
    } catch (const std::exception& e) {
        std::cerr << "failed to start: " << e.what() << "\n";
        return 1;
    }
    auto rows = app_.db().query("SELECT COUNT(*) FROM `_superusers`");
    std::cout << "Server started at http://" << host << ":" << serving->port() << "\n"
              << "├─ REST API:  http://" << host << ":" << serving->port() << "/api/\n"
              << "└─ Data dir:  " << a.dir << "\n";
    if (!rows.empty() && rows[0].at(0).getNumber() == 0)
        std::cout << "\nNo superuser yet. Create one with:\n  " << name_ << " superuser upsert EMAIL PASSWORD --dir "
                  << a.dir << "\n";
    std::cout.flush();

    // App::restart() hands over the after-stop work and wakes this loop (polled every 100 ms).
    std::mutex restartMu;
    std::function<void()> afterStop;
    bool restartRequested = false;
    app_.setRestartHandler([&](std::function<void()> fn) {
        std::lock_guard lk(restartMu);
        afterStop = std::move(fn);
        restartRequested = true;
    });
    for (;;) {
        timespec tick{0, 100 * 1000 * 1000};
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig > 0) {
            app_.setRestartHandler(nullptr);
            std::cout << "Shutting down (signal " << sig << ")...\n";
            serving->stop();
            return 0;
        }
        std::lock_guard lk(restartMu);
        if (restartRequested) break;
    }
    app_.setRestartHandler(nullptr);
    std::cout << "Restarting...\n";
    std::cout.flush();
    serving->stop(true);
    if (afterStop) {
        try {
            afterStop();
        } catch (const std::exception& e) {
            std::cerr << "restart: " << e.what() << "\n";
        }
    }
    reexec(originalMask);
    return 1;
}

void Cli::reexec(const sigset_t& originalMask) {
    std::vector<char*> args;
    for (auto& s : argv_) args.push_back(s.data());
    args.push_back(nullptr);
    // Descriptors opened without O_CLOEXEC (by us or a library) must not leak into the new image.
    if (DIR* d = ::opendir("/proc/self/fd")) {
        const int self = ::dirfd(d);
        while (dirent* ent = ::readdir(d)) {
            int fd = std::atoi(ent->d_name);
            if (fd > 2 && fd != self) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        ::closedir(d);
    }
    std::cout.flush();
    std::cerr.flush();
    pthread_sigmask(SIG_SETMASK, &originalMask, nullptr);
    ::execv("/proc/self/exe", args.data());
    std::cerr << "restart: execv failed: " << std::strerror(errno) << "\n";
}

int Cli::superuser(const Args& a) {
    if (a.positional.size() < 3) {
        std::cerr << usage();
        return 2;
    }
    const std::string& action = a.positional[1];
    const std::string& email = a.positional[2];
    try {
        app_.bootstrap();
        auto c = app_.mustCollection("_superusers");
        auto existing = app_.findAuthRecordByEmail(c, email);
        if (action == "delete") {
            if (!existing) {
                std::cout << "Superuser " << email << " doesn't exist.\n";
                return 0;
            }
            app_.deleteRecord(*existing);
            std::cout << "Successfully deleted superuser " << email << "!\n";
            return 0;
        }
        if (a.positional.size() < 4) {
            std::cerr << "missing PASSWORD\n";
            return 2;
        }
        const std::string& password = a.positional[3];
        if (!records::isValidEmail(email)) {
            std::cerr << "invalid email address\n";
            return 1;
        }
        if (password.size() < 8) {
            std::cerr << "the password must be at least 8 characters\n";
            return 1;
        }
        if (action == "create" && existing) {
            std::cerr << "superuser " << email << " already exists\n";
            return 1;
        }
        if (action == "update" && !existing) {
            std::cerr << "superuser " << email << " doesn't exist\n";
            return 1;
        }
        if (action != "create" && action != "update" && action != "upsert") {
            std::cerr << usage();
            return 2;
        }
        auto rec = existing ? existing : std::make_shared<records::Record>(c);
        if (!existing) rec->set("email", email);
        rec->setPassword(password);
        app_.save(*rec);
        std::cout << (existing ? "Successfully changed superuser " : "Successfully saved superuser ") << email
                  << " password!\n";
    } catch (const ApiError& e) {
        std::cerr << "error: " << e.message() << " " << e.data().dump() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    app_.stop();
    return 0;
}

}  // namespace pb
