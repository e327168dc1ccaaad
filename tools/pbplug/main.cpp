// pbplug: the plugin author's tool.
//   pbplug new NAME [--lang cpp|c] [--dir DIR]
//   pbplug build DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]
//   pbplug dev DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]
//   pbplug list [--url URL] [--email E --password P | --token T]
//   pbplug reload NAME... [--url URL] [--email E --password P | --token T]
#include <cstdio>
#include <exception>
#include <iostream>
#include <set>

#include "pbplug.hpp"

namespace pbplug {

std::optional<std::string> Args::get(const std::string& key) const {
    auto it = options.find(key);
    if (it == options.end()) return std::nullopt;
    return it->second;
}

}  // namespace pbplug

namespace {

const char* kUsage =
    "pbplug " PBPLUG_VERSION " - build and hot-reload native plugins\n"
    "\n"
    "usage:\n"
    "  pbplug new NAME [--lang cpp|c] [--dir DIR]\n"
    "      scaffold a plugin project in DIR/NAME (default ./NAME)\n"
    "  pbplug build DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]\n"
    "      configure + build with CMake, then install NAME.so atomically into PLUGINS_DIR\n"
    "  pbplug dev DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]\n"
    "      build, install, then rebuild + reinstall on every source change (Ctrl-C to stop)\n"
    "  pbplug list [--url URL] [--email E --password P | --token T]\n"
    "      list the plugins loaded by a running server\n"
    "  pbplug reload NAME... [--url URL] [--email E --password P | --token T]\n"
    "      ask a running server to reload plugins now\n"
    "\n"
    "defaults: PLUGINS_DIR = $PB_PLUGINS_DIR or ./plugins (pb serve's default); SDK_DIR = $PbSdk_DIR, the source\n"
    "tree's sdk/cmake, or the installed lib/cmake/PbSdk; URL = $PB_URL or http://127.0.0.1:8090;\n"
    "credentials from $PB_EMAIL / $PB_PASSWORD or $PB_TOKEN.\n";

// Options that take a value; everything else starting with -- is a flag.
const std::set<std::string> kValued = {"lang", "dir", "plugins", "sdk", "url", "email", "password", "token"};

}  // namespace

int main(int argc, char** argv) {
    using namespace pbplug;
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (cmd == "--version" || cmd == "version") {
        std::puts(PBPLUG_VERSION);
        return 0;
    }
    Args args;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string key = a.substr(2), value;
            auto eq = key.find('=');
            if (eq != std::string::npos) {
                value = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else if (kValued.count(key)) {
                if (i + 1 >= argc) {
                    std::cerr << "pbplug: --" << key << " needs a value\n";
                    return 2;
                }
                value = argv[++i];
            }
            args.options[key] = value;
        } else {
            args.positional.push_back(a);
        }
    }
    try {
        if (cmd == "new") return cmd_new(args);
        if (cmd == "build") return cmd_build(args);
        if (cmd == "dev") return cmd_dev(args);
        if (cmd == "list") return cmd_list(args);
        if (cmd == "reload") return cmd_reload(args);
    } catch (const std::exception& e) {
        std::cerr << "pbplug " << cmd << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "pbplug: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
}
