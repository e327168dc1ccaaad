// Every example plugin: exports exactly the manifest/init entry points, carries a valid manifest,
// and really leaves memory on dlclose (hidden visibility + -fno-gnu-unique work).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pb_plugin.h>

#include <cstring>
#include <filesystem>
#include <string>

namespace {

const char* kExamples[] = {"validate_posts", "audit_log", "greet_routes", "nightly_cron"};

std::string plugin_path(const std::string& name) { return std::string(PB_TEST_PLUGINS_DIR) + "/" + name + ".so"; }

class ExampleAbi : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleAbi, ManifestAndEntryPoints) {
    const std::string name = GetParam();
    const std::string path = plugin_path(name);
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << dlerror();

    auto mf = reinterpret_cast<pb_plugin_manifest_fn>(dlsym(h, PB_PLUGIN_MANIFEST_SYMBOL));
    auto init = reinterpret_cast<pb_plugin_init_fn>(dlsym(h, PB_PLUGIN_INIT_SYMBOL));
    ASSERT_NE(mf, nullptr);
    ASSERT_NE(init, nullptr);
    // Nothing else leaks out of the plugin (version script + hidden visibility).
    EXPECT_EQ(dlsym(h, "pb_plugin_init"), nullptr);
    EXPECT_EQ(dlsym(h, "_ZN2pb6detail5g_apiE"), nullptr);

    const pb_plugin_manifest* m = mf();
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->struct_size, sizeof(pb_plugin_manifest));
    EXPECT_EQ(m->abi_major, static_cast<uint32_t>(PB_ABI_MAJOR));
    EXPECT_LE(m->abi_minor, static_cast<uint32_t>(PB_ABI_MINOR));
    ASSERT_NE(m->name, nullptr);
    EXPECT_EQ(std::string(m->name), name);  // the name equals the file name
    ASSERT_NE(m->version, nullptr);
    EXPECT_GT(std::strlen(m->version), 0u);
    ASSERT_NE(m->description, nullptr);
    EXPECT_EQ(m->flags & ~(PB_PLUGIN_FLAG_SERIALIZED | PB_PLUGIN_FLAG_NO_RELOAD), 0u);

    // init refuses a host of another major without touching anything.
    pb_host_api wrong{};
    wrong.struct_size = sizeof wrong;
    wrong.abi_major = PB_ABI_MAJOR + 1;
    void* state = nullptr;
    EXPECT_EQ(init(&wrong, nullptr, &state), PB_E_UNSUPPORTED);

    ASSERT_EQ(dlclose(h), 0);
    // Really unloaded: a GNU_UNIQUE symbol or a pinned TLS destructor would keep it mapped.
    void* again = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    EXPECT_EQ(again, nullptr) << name << " is still mapped after dlclose";
    if (again) dlclose(again);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleAbi, ::testing::ValuesIn(kExamples),
                         [](const auto& info) { return std::string(info.param); });

TEST(AbiHeader, StructLayoutIsStable) {
    // The manifest has no padding and a fixed layout on LP64 (the host reads it before init).
    EXPECT_EQ(offsetof(pb_plugin_manifest, name), 16u);
    EXPECT_EQ(sizeof(pb_str), 2 * sizeof(void*));
    // The first four fields of the host table never move.
    EXPECT_EQ(offsetof(pb_host_api, struct_size), 0u);
    EXPECT_EQ(offsetof(pb_host_api, abi_major), 4u);
    EXPECT_EQ(offsetof(pb_host_api, abi_minor), 8u);
    EXPECT_EQ(offsetof(pb_host_api, host_version), 16u);
    EXPECT_EQ(offsetof(pb_host_api, status_string), 24u);
    pb_host_api a{};
    a.struct_size = offsetof(pb_host_api, realtime_send);
    EXPECT_TRUE(PB_API_HAS(&a, res_written));
    EXPECT_FALSE(PB_API_HAS(&a, realtime_send));
}

}  // namespace
