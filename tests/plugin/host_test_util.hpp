#pragma once
// Helpers for the plugin host tests: a temporary plugins directory fed with fixture .so files by
// atomic rename, polling waits, collection setup and /api/plugins access on a real server.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "support/test_server.hpp"

namespace pbplugtest {

namespace fs = std::filesystem;

fs::path fixture(const std::string& target);  // PB_TEST_FIXTURES_DIR/<target>.so

class PluginDir {
public:
    PluginDir();
    ~PluginDir();
    const fs::path& path() const { return dir_; }
    std::string str() const { return dir_.string(); }
    // Copies src to a dotfile, then rename()s it to NAME.so (what pbplug does).
    void install(const fs::path& src, const std::string& name) const;
    void write(const std::string& fileName, const std::string& content) const;  // atomic too
    void remove(const std::string& name) const;

private:
    fs::path dir_;
};

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// POST /api/collections with text fields (public list/view/create rules).
void createCollection(pbtest::TestServer& s, const std::string& name, const std::vector<std::string>& textFields);

// The whole text of a file ("" when it cannot be read), e.g. a server's captured stderr.
std::string readText(const fs::path& p);

// The plugin's row of GET /api/plugins (null when absent).
pb::json::Value pluginInfo(pbtest::TestServer& s, const std::string& name);

}  // namespace pbplugtest
