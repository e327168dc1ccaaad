#include "host_test_util.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pbplugtest {

fs::path fixture(const std::string& target) { return fs::path(PB_TEST_FIXTURES_DIR) / (target + ".so"); }

PluginDir::PluginDir() {
    char tmpl[] = "/tmp/pbplugins_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
}

PluginDir::~PluginDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void PluginDir::install(const fs::path& src, const std::string& name) const {
    fs::path tmp = dir_ / ("." + name + ".so.tmp-" + std::to_string(::getpid()));
    fs::copy_file(src, tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, dir_ / (name + ".so"));
}

void PluginDir::write(const std::string& fileName, const std::string& content) const {
    fs::path tmp = dir_ / ("." + fileName + ".tmp");
    {
        std::ofstream out(tmp, std::ios::binary);
        out << content;
    }
    fs::rename(tmp, dir_ / fileName);
}

void PluginDir::remove(const std::string& name) const { fs::remove(dir_ / (name + ".so")); }

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

void createCollection(pbtest::TestServer& s, const std::string& name, const std::vector<std::string>& textFields) {
    using pb::json::Value;
    Value fields = Value::array();
    for (auto& f : textFields) {  // "name" (text) or "name:type"
        auto colon = f.find(':');
        std::string n = f.substr(0, colon), type = colon == std::string::npos ? "text" : f.substr(colon + 1);
        fields.push(Value(pb::json::Object{{"name", n}, {"type", type}}));
    }
    Value body(pb::json::Object{{"name", name}, {"type", "base"}, {"fields", fields}, {"listRule", ""},
                                {"viewRule", ""}, {"createRule", ""}});
    auto r = s.post("/api/collections", body, s.superuserToken());
    if (r.status != 200) throw std::runtime_error("create collection " + name + ": " + r.body);
}

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

pb::json::Value pluginInfo(pbtest::TestServer& s, const std::string& name) {
    auto r = s.get("/api/plugins", s.superuserToken());
    if (r.status != 200) return {};
    auto body = r.json();  // keep the temporary alive for the loop
    if (!body["items"].isArray()) return {};
    for (auto& it : body["items"].asArray())
        if (it["name"].getString() == name) return it;
    return {};
}

}  // namespace pbplugtest
