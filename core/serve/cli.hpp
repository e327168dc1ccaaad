#pragma once
// The command line shared by `pb` and by programs that embed pbcore (see docs/framework.md).
//
//   int main(int argc, char** argv) {
//       pb::App app(pb::Cli::appOptions(argc, argv));   // --dir, --dev, --plugins
//       app.hooks().onRecordCreate.bindFunc(...);        // hooks, routes, cron jobs
//       pb::Cli cli(app, "myapp");
//       cli.addCommand("hello", "prints hello", [](const std::vector<std::string>& args) { return 0; });
//       return cli.run(argc, argv);                      // serve | superuser | custom | help
//   }
//
// Built-in commands: `serve [--http ADDR:PORT]`, `superuser upsert|create|update|delete`,
// `help [COMMAND]`, plus the `--help`/`-h` and `--version`/`-v` flags. Global flags: --dir, --dev,
// --plugins, --plugin-deadline. `serve --supervise` runs the server under a restarting supervisor
// (core/serve/supervisor.cpp). Every command and subcommand answers `--help`/`-h` with its own
// page on stdout and exit code 0, without touching the data dir; an unknown flag or argument of a
// built-in command is an error on stderr with that command's usage and exit code 2 (nothing runs).
// `--` ends the flags: what follows is taken as arguments (e.g. a password starting with '-').
#include <signal.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"

namespace pb {

class Cli {
public:
    // Receives the arguments after the command name (unknown flags included, in order; global
    // flags, `-h`/`--help` and a `--` separator are not passed).
    // Returns the process exit code. The app is bootstrapped before it runs; exceptions are
    // reported on stderr and give exit code 1.
    using CommandFn = std::function<int(const std::vector<std::string>& args)>;

    explicit Cli(App& app, std::string name = "pb", std::string description = "a PocketBase-compatible backend");

    // App options from the global flags (--dir, --dev, --plugins); malformed flags are ignored
    // here and reported by run().
    static AppOptions appOptions(int argc, char** argv);

    // Registers a custom command; the same name replaces it. Built-in names cannot be reused
    // (std::invalid_argument).
    void addCommand(const std::string& name, const std::string& help, CommandFn fn);

    // Parses argv and runs the command. `serve` blocks until SIGINT/SIGTERM, then stops the app;
    // it also serves App::restart() (e.g. after a backup restore): clean shutdown, then execv of
    // /proc/self/exe with the same argv (same pid, same port).
    int run(int argc, char** argv);

    // The root help page (`pb --help`).
    std::string usage() const;
    // The help page of a command ({"serve"}, {"superuser", "upsert"}, {"greet"}, ...); the root
    // page for an empty path; "" for an unknown command.
    std::string helpPage(const std::vector<std::string>& path) const;

private:
    struct Args {
        std::vector<std::string> positional;   // words (and everything after "--"), command name first
        std::vector<std::string> commandArgs;  // after the command name, minus global flags, in order
        std::vector<std::string> unknown;      // flags that are not global (or --version / -v)
        std::vector<std::string> serveOnly;    // --http / --supervise as given (other commands refuse them)
        std::string error;                     // e.g. a value flag without its value
        std::string http = "127.0.0.1:8090";
        std::string dir = "pb_data";
        std::string plugins;
        std::string pluginDeadline;  // "" = default
        bool dev = false;
        bool supervise = false;
        bool help = false;  // -h / --help before any "--"
    };
    struct Command {
        std::string help;
        CommandFn fn;
    };
    static void parseArgs(int argc, char** argv, Args& a);
    // Number of arguments of a superuser subcommand; -1 when there is no such subcommand.
    static int superuserArgCount(const std::string& action);
    // Prints "Error: <message>" and the usage page to stderr; returns the exit code (2).
    int fail(const std::string& message, const std::vector<std::string>& page) const;
    int serve(const Args& a, int argc, char** argv);
    // Re-executes the process with the original arguments; returns only on failure.
    void reexec(const sigset_t& originalMask);
    int superuser(const Args& a);
    int custom(const Command& c, const Args& a);

    App& app_;
    std::string name_, description_;
    std::map<std::string, Command> commands_;
    std::vector<std::string> argv_;  // the original command line (for the restart)
};

}  // namespace pb
