// Keeps the layers of docs/architecture.md: every `#include "folder/..."` in core/ points to a
// folder of the same or a lower layer. The table below is the documented order; a new core/
// folder must be given a layer here (the test fails on an unknown folder), and an include that
// points up fails with the file and line. Reads the sources as text: no build of pbcore needed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Lowest first. Folders of one layer may include each other only where listed in kPeers.
const std::map<std::string, int> kLayer = {
    {"util", 0},                                                          // generic tools, no domain types
    {"hook", 1}, {"cron", 1}, {"ratelimit", 1}, {"db", 1}, {"net", 1},   // tools: bus, scheduler, SQLite, HTTP client
    {"http", 1},                                                          // inbound transport (Pistache adapter)
    {"router", 2},                                                        // routes + middlewares over http types
    {"auth", 2},                                                          // passwords, JWT, OAuth2 providers
    {"schema", 3},                                                        // collections, fields, views
    {"records", 4},                                                       // record model, filter -> SQL, rules
    {"files", 5}, {"mail", 5}, {"realtime", 5}, {"logs", 5},              // services, each with a narrow interface
    {"backup", 6},                                                        // archives (uses files)
    {"app", 7},                                                           // the App: owns services, hooks, lifecycle
    {"api", 8},                                                           // REST handlers
    {"plugin", 9},                                                        // native plugin host (+ its admin routes)
    {"serve", 10},                                                        // composition: api + plugin host + server
};

// Same-layer includes that are allowed (from -> to).
const std::set<std::pair<std::string, std::string>> kPeers = {};

// Known upward includes still being removed (file -> folder). Each entry is a debt: the test also
// fails when an entry is no longer needed, so the list only shrinks.
const std::set<std::pair<std::string, std::string>> kPendingUp = {};

std::string folderOf(const fs::path& rel) { return rel.begin()->string(); }

}  // namespace

TEST(ArchitectureLayers, IncludesPointDown) {
    const fs::path core = fs::path(PB_SOURCE_DIR) / "core";
    ASSERT_TRUE(fs::is_directory(core)) << core;
    // Only our own folder-qualified includes: #include "folder/file.hpp". The pattern is ours and
    // the input is our source tree, so std::regex is fine here.
    const std::regex include(R"re(^\s*#\s*include\s*"([a-z_]+)/[^"]+")re");
    std::vector<std::string> violations;
    std::set<std::pair<std::string, std::string>> pendingSeen;
    int filesRead = 0;
    for (auto& entry : fs::recursive_directory_iterator(core)) {
        if (!entry.is_regular_file()) continue;
        auto ext = entry.path().extension().string();
        if (ext != ".cpp" && ext != ".hpp" && ext != ".h") continue;
        const fs::path rel = fs::relative(entry.path(), core);
        const std::string from = folderOf(rel);
        auto fromLayer = kLayer.find(from);
        if (fromLayer == kLayer.end()) {
            violations.push_back("core/" + from + "/ has no layer in tests/arch/layers_test.cpp (and docs/architecture.md)");
            continue;
        }
        ++filesRead;
        std::ifstream in(entry.path());
        std::string line;
        for (int lineNo = 1; std::getline(in, line); ++lineNo) {
            std::smatch m;
            if (!std::regex_search(line, m, include)) continue;
            const std::string to = m[1].str();
            if (to == from) continue;
            auto toLayer = kLayer.find(to);
            if (toLayer == kLayer.end()) continue;  // not a core folder (e.g. "pb/plugin.hpp" of the SDK)
            const bool down = toLayer->second < fromLayer->second;
            const bool peer = toLayer->second == fromLayer->second && kPeers.count({from, to});
            if (!down && !peer && kPendingUp.count({rel.string(), to})) {
                pendingSeen.insert({rel.string(), to});
                continue;
            }
            if (!down && !peer)
                violations.push_back("core/" + rel.string() + ":" + std::to_string(lineNo) + " (" + from + ", layer " +
                                     std::to_string(fromLayer->second) + ") includes " + to + "/ (layer " +
                                     std::to_string(toLayer->second) + ")");
        }
    }
    for (auto& p : kPendingUp)
        if (!pendingSeen.count(p))
            violations.push_back("kPendingUp entry no longer needed, remove it: " + p.first + " -> " + p.second);
    EXPECT_GT(filesRead, 50);
    std::string all;
    for (auto& v : violations) all += "\n  " + v;
    EXPECT_TRUE(violations.empty()) << violations.size() << " include(s) point up the layers:" << all;
}

// The SDK is the plugins' only surface: it includes nothing from core/.
TEST(ArchitectureLayers, SdkIncludesNothingFromCore) {
    const fs::path sdk = fs::path(PB_SOURCE_DIR) / "sdk" / "include";
    const std::regex include(R"re(^\s*#\s*include\s*"([a-z_]+)/[^"]+")re");
    for (auto& entry : fs::recursive_directory_iterator(sdk)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path());
        std::string line;
        for (int lineNo = 1; std::getline(in, line); ++lineNo) {
            std::smatch m;
            if (!std::regex_search(line, m, include)) continue;
            EXPECT_EQ(m[1].str(), "pb") << entry.path() << ":" << lineNo << " includes " << line;
        }
    }
}
