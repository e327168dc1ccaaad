#pragma once
// pbplug internals: one function per sub-command plus the helpers they share.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pbplug {

namespace fs = std::filesystem;

// Parsed command line: positional arguments and --key value / --flag options.
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
    std::optional<std::string> get(const std::string& key) const;
    bool flag(const std::string& key) const { return options.count(key) > 0; }
};

// ---- scaffold.cpp
int cmd_new(const Args& args);
bool valid_plugin_name(const std::string& name);

// ---- build.cpp
struct BuildOptions {
    fs::path project;      // plugin project (has CMakeLists.txt)
    fs::path plugins_dir;  // where the .so files are installed
    std::string sdk_dir;   // PbSdk_DIR; empty = auto
    bool quiet = false;
};
// Configures, builds and installs. Returns 0 on success; fills `installed` with the .so paths.
int build_and_install(const BuildOptions& opt, std::vector<fs::path>* installed = nullptr);
int cmd_build(const Args& args);
std::string default_plugins_dir();
// Locates a PbSdk CMake package directory (source tree or install). Empty if none.
std::string find_sdk_dir();
// Copies src to dir/.<name>.tmp-<pid>, fsyncs it, then rename()s it to dir/<name>: readers see
// either the old file or the complete new one, never a partial write.
bool atomic_install(const fs::path& src, const fs::path& dir, std::string* err);
// Runs argv (execvp) and waits. Returns the exit code (or 127/128+signal).
int run(const std::vector<std::string>& argv);

// ---- dev.cpp
int cmd_dev(const Args& args);

// ---- http.cpp
struct HttpResponse {
    int status = 0;
    std::string body;
};
// Minimal blocking HTTP/1.1 client (http:// only). Throws std::runtime_error on I/O errors.
HttpResponse http_request(const std::string& base_url, const std::string& method, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body);

// ---- admin.cpp
int cmd_list(const Args& args);
int cmd_reload(const Args& args);

}  // namespace pbplug
