// The help pages of pb::Cli: the root page and one page per command and superuser subcommand
// (description, usage, examples, flags, global flags), as `pb [command] --help` prints them.
#include <array>

#include "serve/cli.hpp"

namespace pb {

namespace {

struct SuperuserAction {
    const char* name;
    int argCount;
    const char* args;
    const char* description;
};

constexpr std::array<SuperuserAction, 4> kSuperuserActions{{
    {"upsert", 2, "EMAIL PASSWORD", "Creates, or updates if the email exists, a superuser"},
    {"create", 2, "EMAIL PASSWORD", "Creates a new superuser"},
    {"update", 2, "EMAIL PASSWORD", "Changes the password of an existing superuser"},
    {"delete", 1, "EMAIL", "Deletes an existing superuser"},
}};

const SuperuserAction* findAction(const std::string& name) {
    for (auto& a : kSuperuserActions)
        if (name == a.name) return &a;
    return nullptr;
}

const char* kGlobalFlags =
    "Global Flags:\n"
    "      --dir DATA_DIR               the data directory (default \"pb_data\")\n"
    "      --dev                        dev mode: prints requests and SQL statements to stderr\n"
    "      --plugins DIR                the directory of native plugins to load and hot-reload\n"
    "      --plugin-deadline DURATION   deadline of each plugin callback: 10s (default), 500ms, 2m,\n"
    "                                   0 = none\n";

std::string helpFlag(const std::string& of) { return "Flags:\n  -h, --help   help for " + of + "\n\n"; }

}  // namespace

int Cli::superuserArgCount(const std::string& action) {
    auto* a = findAction(action);
    return a ? a->argCount : -1;
}

std::string Cli::usage() const {
    const std::string& n = name_;
    std::string s = n + " - " + description_ + "\n\nUsage:\n" +
                    "  " + n + " serve [--http ADDR:PORT] [--supervise] [global flags]\n";
    for (auto& a : kSuperuserActions) s += "  " + n + " superuser " + a.name + " " + a.args + " [global flags]\n";
    for (auto& [cmd, c] : commands_) {
        std::string line = "  " + n + " " + cmd + " [ARGS...] [global flags]";
        if (line.size() < 48) line.resize(48, ' ');
        else line += "  ";
        s += line + c.help + "\n";
    }
    s += "  " + n + " help [COMMAND]\n"
         "  " + n + " --version\n"
         "  " + n + " --help\n\n" +
         "Flags:\n"
         "  -h, --help      help for " + n + "\n"
         "  -v, --version   prints the version\n\n" +
         kGlobalFlags + "\nUse \"" + n + " [command] --help\" for more information about a command.\n";
    return s;
}

std::string Cli::helpPage(const std::vector<std::string>& path) const {
    const std::string& n = name_;
    if (path.empty()) return usage();
    const std::string& cmd = path[0];
    if (path.size() == 1 && cmd == "serve")
        return "Starts the web server (default 127.0.0.1:8090).\n\nUsage:\n  " + n + " serve [flags]\n\n" +
               "Flags:\n"
               "      --http ADDR:PORT   TCP address to listen on (default \"127.0.0.1:8090\")\n"
               "      --supervise        runs the server under a supervisor that restarts it after a crash\n"
               "  -h, --help             help for serve\n\n" +
               kGlobalFlags;
    if (path.size() == 1 && cmd == "superuser") {
        std::string s = "Manages superusers.\n\nUsage:\n  " + n + " superuser [command]\n\nCommands:\n";
        for (auto& a : kSuperuserActions) {
            std::string line = std::string("  ") + a.name + " " + a.args;
            line.resize(26, ' ');
            s += line + a.description + "\n";
        }
        return s + "\n" + helpFlag("superuser") + kGlobalFlags + "\nUse \"" + n +
               " superuser [command] --help\" for more information about a command.\n";
    }
    if (path.size() == 2 && cmd == "superuser") {
        auto* a = findAction(path[1]);
        if (!a) return "";
        std::string example = a->argCount == 2 ? " test@example.com 1234567890" : " test@example.com";
        return std::string(a->description) + ".\n\nUsage:\n  " + n + " superuser " + a->name + " " + a->args +
               " [flags]\n\nExample:\n  " + n + " superuser " + a->name + example + "\n\n" + helpFlag(a->name) +
               kGlobalFlags;
    }
    if (path.size() == 1 && cmd == "help")
        return "Help about any command.\n\nUsage:\n  " + n + " help [COMMAND...]\n\n" + helpFlag("help") + kGlobalFlags;
    if (auto it = commands_.find(cmd); path.size() == 1 && it != commands_.end())
        return it->second.help + "\n\nUsage:\n  " + n + " " + cmd + " [ARGS...] [flags]\n\n" + helpFlag(cmd) +
               kGlobalFlags;
    return "";
}

}  // namespace pb
