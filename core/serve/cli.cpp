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

void Cli::parseArgs(int argc, char** argv, Args& a) {
    bool afterDashDash = false;
    auto word = [&](const std::string& s) {
        if (!a.positional.empty()) a.commandArgs.push_back(s);
        a.positional.push_back(s);
    };
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (afterDashDash) {
            word(s);
            continue;
        }
        auto value = [&](std::string& out) {
            auto eq = s.find('=');
            if (eq != std::string::npos) {
                out = s.substr(eq + 1);
                return;
            }
            if (i + 1 >= argc) {
                if (a.error.empty()) a.error = "flag needs an argument: " + s;
                return;
            }
            out = argv[++i];
        };
        if (isValueFlag(s, "http")) {
            value(a.http);
            a.serveOnly.push_back(s);
        } else if (isValueFlag(s, "dir")) {
            value(a.dir);
        } else if (isValueFlag(s, "plugins")) {
            value(a.plugins);
        } else if (isValueFlag(s, "plugin-deadline")) {
            value(a.pluginDeadline);
        } else if (s == "--dev") {
            a.dev = true;
        } else if (s == "--supervise") {
            a.supervise = true;
            a.serveOnly.push_back(s);
        } else if (s == "--help" || s == "-h") {
            a.help = true;
        } else if (s == "--") {
            afterDashDash = true;
        } else if (s.size() > 1 && s[0] == '-') {
            a.unknown.push_back(s);
            if (!a.positional.empty()) a.commandArgs.push_back(s);
        } else {
            word(s);
        }
    }
}

int Cli::fail(const std::string& message, const std::vector<std::string>& page) const {
    std::cerr << "Error: " << message << "\n\n" << helpPage(page);
    return 2;
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
    parseArgs(argc, argv, a);
    const std::string cmd = a.positional.empty() ? "" : a.positional[0];
    const std::vector<std::string> words(a.positional.begin() + (a.positional.empty() ? 0 : 1), a.positional.end());
    auto customIt = commands_.find(cmd);
    const Command* customCmd = customIt != commands_.end() ? &customIt->second : nullptr;
    // The page this invocation is about: the command, or the superuser subcommand when it exists.
    std::vector<std::string> page;
    if (customCmd || cmd == "serve" || cmd == "superuser" || cmd == "help") page.push_back(cmd);
    if (cmd == "superuser" && !words.empty() && superuserArgCount(words[0]) >= 0) page.push_back(words[0]);
    if (!a.error.empty()) return fail(a.error, page);
    if (!cmd.empty() && page.empty()) return fail("unknown command \"" + cmd + "\" for \"" + name_ + "\"", {});
    if (a.help) {
        std::cout << helpPage(page);
        return 0;
    }
    if (cmd == "help") {
        // `help COMMAND...` prints that command's page.
        if (!a.unknown.empty()) return fail("unknown flag: " + a.unknown.front(), page);
        auto topic = helpPage(words);
        if (topic.empty()) {
            std::string joined;
            for (auto& w : words) joined += (joined.empty() ? "" : " ") + w;
            return fail("unknown help topic \"" + joined + "\"", {});
        }
        std::cout << topic;
        return 0;
    }
    // Custom commands receive their unknown flags; built-in ones refuse them.
    if (customCmd) return custom(*customCmd, a);
    if (cmd != "serve" && !a.serveOnly.empty()) return fail("unknown flag: " + a.serveOnly.front(), page);
    if (cmd.empty()) {
        for (auto& f : a.unknown)
            if (f != "--version" && f != "-v") return fail("unknown flag: " + f, page);
        if (!a.unknown.empty()) std::cout << name_ << " version " << PB_VERSION << "\n";
        else std::cout << usage();
        return 0;
    }
    if (!a.unknown.empty()) return fail("unknown flag: " + a.unknown.front(), page);
    if (cmd == "serve") {
        if (!words.empty()) return fail("unexpected argument \"" + words[0] + "\" (serve takes flags only)", page);
        return serve(a, argc, argv);
    }
    // superuser
    if (words.empty()) {
        std::cout << helpPage(page);  // as PocketBase: the command group's help
        return 0;
    }
    if (page.size() < 2) return fail("unknown command \"" + words[0] + "\" for \"" + name_ + " superuser\"", page);
    const int want = superuserArgCount(words[0]), got = static_cast<int>(words.size()) - 1;
    if (got < want) return fail(want == 1 ? "missing EMAIL" : "missing EMAIL and/or PASSWORD", page);
    if (got > want) return fail("unexpected argument \"" + words[static_cast<size_t>(want) + 1] + "\"", page);
    return superuser(a);
}

int Cli::custom(const Command& c, const Args& a) {
    int rc = 0;
    try {
        app_.bootstrap();
        rc = c.fn(a.commandArgs);
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
    // run() checked the subcommand and the number of arguments.
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
