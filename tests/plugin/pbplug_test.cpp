// `pbplug new` + `pbplug build` into a temp dir produce a loadable plugin whose hello route,
// record hook and cron job work in the fake host.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pb_plugin.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "fake_host.hpp"

namespace fs = std::filesystem;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

class Pbplug : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pbplug_test_" + std::to_string(::getpid()) + "_" + GetParam());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_P(Pbplug, NewThenBuildProducesAWorkingPlugin) {
    const std::string lang = GetParam();
    const std::string name = "scaffold_" + lang;
    const std::string pbplug = PB_TEST_PBPLUG;
    ASSERT_EQ(sh(pbplug + " new " + name + " --lang " + lang + " --dir " + dir_.string() + " > /dev/null"), 0);
    EXPECT_TRUE(fs::exists(dir_ / name / "CMakeLists.txt"));
    EXPECT_TRUE(fs::exists(dir_ / name / "README.md"));
    // Refuses to overwrite.
    EXPECT_NE(sh(pbplug + " new " + name + " --dir " + dir_.string() + " 2> /dev/null"), 0);

    const fs::path plugins = dir_ / "plugins";
    ASSERT_EQ(sh(pbplug + " build " + (dir_ / name).string() + " --plugins " + plugins.string() + " --sdk " +
                 PB_TEST_SDK_CMAKE_DIR + " > " + (dir_ / "build.log").string() + " 2>&1"),
              0)
        << "see " << (dir_ / "build.log").string();
    const fs::path so = plugins / (name + ".so");
    ASSERT_TRUE(fs::exists(so));
    for (const auto& e : fs::directory_iterator(plugins))  // no temp file left behind
        EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();

    void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << dlerror();
    auto mf = reinterpret_cast<pb_plugin_manifest_fn>(dlsym(h, PB_PLUGIN_MANIFEST_SYMBOL));
    ASSERT_NE(mf, nullptr);
    EXPECT_NE(dlsym(h, PB_PLUGIN_INIT_SYMBOL), nullptr);
    EXPECT_EQ(std::string(mf()->name), name);
    EXPECT_EQ(mf()->abi_major, static_cast<uint32_t>(PB_ABI_MAJOR));
    dlclose(h);

    fakehost::Host host;
    ASSERT_EQ(host.load(so.string()), PB_OK) << host.init_error();
    fakehost::Request rq;
    rq.path = "/api/" + name + "/hello";
    EXPECT_EQ(host.dispatch(rq), PB_OK);
    EXPECT_EQ(rq.status, 200);
    EXPECT_EQ(rq.response, "{\"message\":\"hello from " + name + "\"}");

    fakehost::Record rec{"posts", "", {{"title", "\"t\""}}, false};
    int writes = 0;
    EXPECT_EQ(host.fire_record(PB_EVENT_RECORD_CREATE, rec, nullptr, [&] { ++writes; return PB_OK; }), PB_OK);
    EXPECT_EQ(writes, 1);
    EXPECT_EQ(host.run_cron("tick"), PB_OK);
    EXPECT_FALSE(host.logs.empty());
}

INSTANTIATE_TEST_SUITE_P(Langs, Pbplug, ::testing::Values("cpp", "c"),
                         [](const auto& info) { return std::string(info.param); });

TEST(PbplugCli, RejectsBadNames) {
    const std::string pbplug = PB_TEST_PBPLUG;
    EXPECT_NE(sh(pbplug + " new Bad-Name --dir /tmp 2> /dev/null"), 0);
    EXPECT_NE(sh(pbplug + " reload ../x 2> /dev/null"), 0);
    EXPECT_NE(sh(pbplug + " frobnicate 2> /dev/null"), 0);
}

}  // namespace
