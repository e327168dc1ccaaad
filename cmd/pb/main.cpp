// pb: the thin command line on top of pbcore (mirrors PocketBase's CLI).
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "records/validator.hpp"

namespace {

const char* kUsage =
    "pb - a PocketBase-compatible backend\n\n"
    "Usage:\n"
    "  pb serve [--http ADDR:PORT] [--dir DATA_DIR] [--dev] [--plugins DIR]\n"
    "  pb superuser upsert EMAIL PASSWORD [--dir DATA_DIR]\n"
    "  pb superuser create EMAIL PASSWORD [--dir DATA_DIR]\n"
    "  pb superuser update EMAIL PASSWORD [--dir DATA_DIR]\n"
    "  pb superuser delete EMAIL [--dir DATA_DIR]\n"
    "  pb --version\n"
    "  pb --help\n";

struct Args {
    std::vector<std::string> positional;
    std::string http = "127.0.0.1:8090";
    std::string dir = "pb_data";
    std::string plugins;
    bool dev = false;
};

bool parseArgs(int argc, char** argv, Args& a) {
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
        if (s == "--http" || s.rfind("--http=", 0) == 0) {
            if (!value(a.http)) return false;
        } else if (s == "--dir" || s.rfind("--dir=", 0) == 0) {
            if (!value(a.dir)) return false;
        } else if (s == "--plugins" || s.rfind("--plugins=", 0) == 0) {
            if (!value(a.plugins)) return false;
        } else if (s == "--dev") {
            a.dev = true;
        } else if (s.rfind("--", 0) == 0 && s != "--help" && s != "--version") {
            std::cerr << "unknown flag: " << s << "\n";
            return false;
        } else {
            a.positional.push_back(s);
        }
    }
    return true;
}

int serve(const Args& a) {
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
    // Block the shutdown signals in every thread; main waits for them below.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    pb::AppOptions opts;
    opts.dataDir = a.dir;
    opts.dev = a.dev;
    opts.pluginsDir = a.plugins;
    pb::App app(opts);
    try {
        app.bootstrap();
        app.start(host, static_cast<uint16_t>(port));
    } catch (const std::exception& e) {
        std::cerr << "failed to start: " << e.what() << "\n";
        return 1;
    }
    auto su = app.findCollection("_superusers");
    auto rows = app.db().query("SELECT COUNT(*) FROM `_superusers`");
    std::cout << "Server started at http://" << host << ":" << app.port() << "\n"
              << "├─ REST API:  http://" << host << ":" << app.port() << "/api/\n"
              << "└─ Data dir:  " << a.dir << "\n";
    if (!rows.empty() && rows[0].at(0).getNumber() == 0)
        std::cout << "\nNo superuser yet. Create one with:\n  pb superuser upsert EMAIL PASSWORD --dir " << a.dir << "\n";
    std::cout.flush();
    int sig = 0;
    sigwait(&set, &sig);
    std::cout << "Shutting down (signal " << sig << ")...\n";
    app.stop();
    return 0;
}

int superuser(const Args& a) {
    if (a.positional.size() < 3) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string& action = a.positional[1];
    const std::string& email = a.positional[2];
    pb::AppOptions opts;
    opts.dataDir = a.dir;
    pb::App app(opts);
    try {
        app.bootstrap();
        auto c = app.mustCollection("_superusers");
        auto existing = app.findAuthRecordByEmail(c, email);
        if (action == "delete") {
            if (!existing) {
                std::cout << "Superuser " << email << " doesn't exist.\n";
                return 0;
            }
            app.deleteRecord(*existing);
            std::cout << "Successfully deleted superuser " << email << "!\n";
            return 0;
        }
        if (a.positional.size() < 4) {
            std::cerr << "missing PASSWORD\n";
            return 2;
        }
        const std::string& password = a.positional[3];
        if (!pb::records::isValidEmail(email)) {
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
            std::cerr << kUsage;
            return 2;
        }
        auto rec = existing ? existing : std::make_shared<pb::records::Record>(c);
        if (!existing) rec->set("email", email);
        rec->setPassword(password);
        app.save(*rec);
        std::cout << (existing ? "Successfully changed superuser " : "Successfully saved superuser ") << email << " password!\n";
    } catch (const pb::ApiError& e) {
        std::cerr << "error: " << e.message() << " " << e.data().dump() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    app.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    if (!parseArgs(argc, argv, a)) {
        std::cerr << kUsage;
        return 2;
    }
    if (a.positional.empty()) {
        for (int i = 1; i < argc; ++i) {
            if (std::strcmp(argv[i], "--version") == 0) {
                std::cout << "pb version " << PB_VERSION << "\n";
                return 0;
            }
        }
        std::cout << kUsage;
        return 0;
    }
    const std::string& cmd = a.positional[0];
    if (cmd == "serve") return serve(a);
    if (cmd == "superuser") return superuser(a);
    if (cmd == "help") {
        std::cout << kUsage;
        return 0;
    }
    std::cerr << "unknown command: " << cmd << "\n" << kUsage;
    return 2;
}
