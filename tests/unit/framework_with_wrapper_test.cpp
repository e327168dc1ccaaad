// One translation unit with both the framework headers (pb::, the core) and the plugin SDK's C++
// wrapper (pbsdk::; its pb alias steps aside when the core is present): no name collides.
#include <gtest/gtest.h>

#include <type_traits>

#include "app/app.hpp"
#include "app/events.hpp"
#include <pb/plugin.hpp>

TEST(FrameworkWithPluginWrapper, BothCompileInOneTranslationUnit) {
    static_assert(!std::is_same_v<pb::RequestEvent, pbsdk::RequestEvent>);
    static_assert(!std::is_same_v<pb::RecordEvent, pbsdk::RecordEvent>);
    pb::json::Value core(pb::json::Object{{"a", 1}});
    pbsdk::json::Object wrapper;
    wrapper.add("a", 1);
    EXPECT_EQ(core.dump(), wrapper.str());
}
