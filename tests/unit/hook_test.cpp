// Tests for the generic hook bus (core/hook/hook.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <string>
#include <vector>

#include "hook/hook.hpp"

using pb::hook::Event;
using pb::hook::Handler;
using pb::hook::Hook;

namespace {

struct TestEvent : Event {
    std::vector<std::string> log;
    std::vector<std::string> eventTags;
    int depth = 0;
    std::vector<std::string> tags() const override { return eventTags; }
};

using H = Handler<TestEvent>;

H mk(std::string id, int priority, std::function<void(TestEvent&)> fn,
     std::vector<std::string> tags = {}) {
    H h;
    h.id = std::move(id);
    h.priority = priority;
    h.fn = std::move(fn);
    h.tags = std::move(tags);
    return h;
}

// Handler that logs its name and continues the chain.
H logger(std::string id, int priority, std::vector<std::string> tags = {}) {
    return mk(id, priority, [id](TestEvent& e) {
                 e.log.push_back(id);
                 e.next();
             },
             std::move(tags));
}

std::function<void(TestEvent&)> finalAction() {
    return [](TestEvent& e) { e.log.push_back("final"); };
}

using Log = std::vector<std::string>;

}  // namespace

TEST(HookTest, EmptyHookRunsFinalAction) {
    Hook<TestEvent> h;
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, Log{"final"});
    EXPECT_EQ(h.length(), 0u);
    // No final action and no handlers: nothing happens, no crash.
    h.trigger(e);
    EXPECT_EQ(e.log, Log{"final"});
}

TEST(HookTest, PriorityOrderingIsStableForEqualPriorities) {
    Hook<TestEvent> h;
    h.bind(logger("a", 10));
    h.bind(logger("b", -5));
    h.bind(logger("c", 0));
    h.bind(logger("d", 10));
    h.bind(logger("e", 0));
    h.bind(logger("f", -5));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"b", "f", "c", "e", "a", "d", "final"}));
    EXPECT_EQ(h.length(), 6u);
}

TEST(HookTest, BindReturnsIdAndGeneratesRandomIds) {
    Hook<TestEvent> h;
    EXPECT_EQ(h.bind(logger("mine", 0)), "mine");
    auto id1 = h.bindFunc([](TestEvent& e) { e.next(); });
    auto id2 = h.bindFunc([](TestEvent& e) { e.next(); });
    EXPECT_EQ(id1.size(), 20u);
    EXPECT_EQ(id2.size(), 20u);
    EXPECT_NE(id1, id2);
    EXPECT_EQ(h.length(), 3u);
}

TEST(HookTest, NextAllowsWorkBeforeAndAfterLikeMiddleware) {
    Hook<TestEvent> h;
    h.bind(mk("outer", 0, [](TestEvent& e) {
                 e.log.push_back("outer:before");
                 e.next();
                 e.log.push_back("outer:after");
             }));
    h.bind(mk("inner", 1, [](TestEvent& e) {
                 e.log.push_back("inner:before");
                 e.next();
                 e.log.push_back("inner:after");
             }));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"outer:before", "inner:before", "final", "inner:after", "outer:after"}));
}

TEST(HookTest, NotCallingNextSkipsRestAndFinalAction) {
    Hook<TestEvent> h;
    h.bind(logger("first", 0));
    h.bind(mk("stopper", 1, [](TestEvent& e) { e.log.push_back("stopper"); }));
    h.bind(logger("never", 2));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"first", "stopper"}));
}

TEST(HookTest, ExceptionAbortsChainAndPropagates) {
    Hook<TestEvent> h;
    h.bind(mk("wrap", 0, [](TestEvent& e) {
                 e.log.push_back("wrap:before");
                 e.next();
                 e.log.push_back("wrap:after");  // skipped: the exception unwinds through here
             }));
    h.bind(mk("thrower", 1, [](TestEvent& e) {
                 e.log.push_back("thrower");
                 throw std::runtime_error("boom");
             }));
    h.bind(logger("never", 2));
    TestEvent e;
    EXPECT_THROW(
        {
            try {
                h.trigger(e, finalAction());
            } catch (const std::runtime_error& ex) {
                EXPECT_STREQ(ex.what(), "boom");
                throw;
            }
        },
        std::runtime_error);
    EXPECT_EQ(e.log, (Log{"wrap:before", "thrower"}));

    // The event is usable again afterwards: its chain state was restored.
    e.log.clear();
    e.next();  // outside any trigger: a no-op
    EXPECT_TRUE(e.log.empty());
    h.unbind("thrower");
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"wrap:before", "never", "final", "wrap:after"}));
}

TEST(HookTest, ExceptionFromFinalActionPropagates) {
    Hook<TestEvent> h;
    h.bind(logger("a", 0));
    TestEvent e;
    EXPECT_THROW(h.trigger(e, [](TestEvent&) { throw std::logic_error("final failed"); }),
                 std::logic_error);
    EXPECT_EQ(e.log, Log{"a"});
}

TEST(HookTest, BindExistingIdReplacesInPlace) {
    Hook<TestEvent> h;
    h.bind(logger("a", 0));
    h.bind(logger("b", 0));
    h.bind(logger("c", 0));
    h.bind(mk("b", 0, [](TestEvent& e) {
                 e.log.push_back("b2");
                 e.next();
             }));
    EXPECT_EQ(h.length(), 3u);
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"a", "b2", "c", "final"}));

    // Replacing with a different priority re-sorts it.
    h.bind(logger("a", 5));
    e.log.clear();
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"b2", "c", "a", "final"}));
}

TEST(HookTest, UnbindAndUnbindAll) {
    Hook<TestEvent> h;
    h.bind(logger("a", 0));
    h.bind(logger("b", 1));
    h.bind(logger("c", 2));
    h.unbind("b");
    h.unbind("missing");  // no-op
    EXPECT_EQ(h.length(), 2u);
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"a", "c", "final"}));

    h.unbindAll();
    EXPECT_EQ(h.length(), 0u);
    e.log.clear();
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, Log{"final"});
}

TEST(HookTest, UnbindFromInsideHandlerAppliesToNextTrigger) {
    Hook<TestEvent> h;
    h.bind(mk("self", 0, [&h](TestEvent& e) {
                 e.log.push_back("self");
                 h.unbind("self");   // must not deadlock
                 h.unbind("later");  // the running trigger keeps its snapshot
                 e.next();
             }));
    h.bind(logger("later", 1));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"self", "later", "final"}));
    EXPECT_EQ(h.length(), 0u);
    e.log.clear();
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, Log{"final"});
}

TEST(HookTest, BindFromInsideHandlerAppliesToNextTrigger) {
    Hook<TestEvent> h;
    int binds = 0;
    h.bind(mk("binder", 0, [&](TestEvent& e) {
                 e.log.push_back("binder");
                 if (binds++ == 0) h.bind(logger("added", 1));  // must not deadlock
                 e.next();
             }));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"binder", "final"}));
    e.log.clear();
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"binder", "added", "final"}));
}

TEST(HookTest, UnbindAllFromInsideHandler) {
    Hook<TestEvent> h;
    h.bind(mk("a", 0, [&h](TestEvent& e) {
                 h.unbindAll();
                 e.log.push_back("a");
                 e.next();
             }));
    h.bind(logger("b", 1));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"a", "b", "final"}));
    EXPECT_EQ(h.length(), 0u);
}

TEST(HookTest, TaggedHandlersRunOnlyForIntersectingTags) {
    Hook<TestEvent> h;
    h.bind(logger("all", 0));
    h.bind(logger("posts", 1, {"posts", "pbc_posts"}));
    h.bind(mk("usersStopper", 2,
             [](TestEvent& e) { e.log.push_back("usersStopper"); },  // never calls next
             {"users"}));
    h.bind(logger("tail", 3));

    TestEvent posts;
    posts.eventTags = {"pbc_posts", "posts"};
    h.trigger(posts, finalAction());
    // The non-matching "users" handler is skipped and the chain continues automatically.
    EXPECT_EQ(posts.log, (Log{"all", "posts", "tail", "final"}));

    TestEvent users;
    users.eventTags = {"pbc_users", "users"};
    h.trigger(users, finalAction());
    EXPECT_EQ(users.log, (Log{"all", "usersStopper"}));

    TestEvent untagged;  // no tags: only untagged handlers run
    h.trigger(untagged, finalAction());
    EXPECT_EQ(untagged.log, (Log{"all", "tail", "final"}));
}

TEST(HookTest, TaggedHandlersAllSkippedStillRunFinalAction) {
    Hook<TestEvent> h;
    h.bind(logger("x", 0, {"x"}));
    h.bind(logger("y", 1, {"y"}));
    TestEvent e;
    e.eventTags = {"z"};
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, Log{"final"});
}

TEST(HookTest, NestedTriggerReusingSameEvent) {
    Hook<TestEvent> outer;
    Hook<TestEvent> inner;
    inner.bind(mk("i1", 0, [](TestEvent& e) {
                     e.log.push_back("i1");
                     e.next();
                     e.log.push_back("i1:after");
                 }));
    inner.bind(logger("i2", 1));
    outer.bind(mk("o1", 0, [&inner](TestEvent& e) {
                     e.log.push_back("o1");
                     inner.trigger(e, [](TestEvent& ev) { ev.log.push_back("inner-final"); });
                     e.log.push_back("o1:resume");
                     e.next();  // must continue the OUTER chain
                     e.log.push_back("o1:after");
                 }));
    outer.bind(logger("o2", 1));
    TestEvent e;
    outer.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"o1", "i1", "i2", "inner-final", "i1:after", "o1:resume", "o2", "final",
                          "o1:after"}));
}

TEST(HookTest, NestedTriggerOfSameHookAsProxy) {
    // A handler re-triggers the same hook (recursion bounded by a counter), like PocketBase's
    // record proxies triggered from inside model hooks.
    Hook<TestEvent> h;
    h.bind(mk("rec", 0, [&h](TestEvent& e) {
                 e.log.push_back("rec" + std::to_string(e.depth));
                 if (e.depth < 2) {
                     ++e.depth;
                     h.trigger(e, [](TestEvent& ev) {
                         ev.log.push_back("nested-final" + std::to_string(ev.depth));
                     });
                     --e.depth;
                 }
                 e.next();
             }));
    TestEvent e;
    h.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"rec0", "rec1", "rec2", "nested-final2", "nested-final1", "final"}));
}

TEST(HookTest, NestedTriggerThrowingRestoresOuterChain) {
    Hook<TestEvent> outer;
    Hook<TestEvent> inner;
    inner.bind(mk("bad", 0, [](TestEvent&) { throw std::runtime_error("inner"); }));
    outer.bind(mk("o1", 0, [&inner](TestEvent& e) {
                     try {
                         inner.trigger(e, [](TestEvent& ev) { ev.log.push_back("inner-final"); });
                     } catch (const std::runtime_error&) {
                         e.log.push_back("caught");
                     }
                     e.next();
                 }));
    outer.bind(logger("o2", 1));
    TestEvent e;
    outer.trigger(e, finalAction());
    EXPECT_EQ(e.log, (Log{"caught", "o2", "final"}));
}

TEST(HookTest, FinalActionRunsAtMostOnceWhenNextCalledTwice) {
    Hook<TestEvent> h;
    int finals = 0;
    h.bind(mk("twice", 0, [](TestEvent& e) {
                 e.next();
                 e.next();
             }));
    TestEvent e;
    h.trigger(e, [&](TestEvent&) { ++finals; });
    EXPECT_EQ(finals, 1);

    // Also when an earlier handler calls next() twice: the rest of the chain runs once.
    h.unbindAll();
    int lasts = 0;
    h.bind(mk("first", 0, [](TestEvent& e) {
                 e.next();
                 e.next();
             }));
    h.bind(mk("last", 1, [&](TestEvent& e) {
                 ++lasts;
                 e.next();
             }));
    finals = 0;
    h.trigger(e, [&](TestEvent&) { ++finals; });
    EXPECT_EQ(lasts, 1);
    EXPECT_EQ(finals, 1);
}

TEST(HookTest, SnapshotSurvivesUnbindAll) {
    Hook<TestEvent> h;
    for (int i = 0; i < 5; ++i) h.bind(logger("h" + std::to_string(i), i));
    auto snap = h.snapshot();
    h.unbindAll();
    EXPECT_EQ(snap->size(), 5u);
    EXPECT_EQ(h.length(), 0u);
}

TEST(HookTest, NextInsideFinalActionOfNestedTriggerDoesNotAdvanceOuterChain) {
    // A final action written PocketBase-style (calling e.next()) must not continue the OUTER
    // chain, whether or not the inner hook has handlers.
    for (bool innerHasHandlers : {false, true}) {
        Hook<TestEvent> outer;
        Hook<TestEvent> inner;
        if (innerHasHandlers) inner.bind(logger("i1", 0));
        outer.bind(mk("o1", 0, [&inner](TestEvent& e) {
            e.log.push_back("o1");
            inner.trigger(e, [](TestEvent& ev) {
                ev.log.push_back("inner-final");
                ev.next();  // nothing left in the inner chain: a no-op
            });
            e.log.push_back("o1:resume");
            e.next();
        }));
        outer.bind(logger("o2", 1));
        TestEvent e;
        outer.trigger(e, finalAction());
        Log want = innerHasHandlers
                       ? Log{"o1", "i1", "inner-final", "o1:resume", "o2", "final"}
                       : Log{"o1", "inner-final", "o1:resume", "o2", "final"};
        EXPECT_EQ(e.log, want) << "inner has handlers: " << innerHasHandlers;
    }
}

TEST(HookTest, ConcurrentTriggerAndBindUnbind) {
    Hook<TestEvent> h;
    h.bind(logger("base", 0));
    std::atomic<bool> stop{false};
    std::atomic<int> finals{0};
    std::vector<std::thread> triggers;
    for (int t = 0; t < 3; ++t) {
        triggers.emplace_back([&] {
            while (!stop) {
                TestEvent e;
                h.trigger(e, [&](TestEvent&) { ++finals; });
                ASSERT_FALSE(e.log.empty());
                EXPECT_EQ(e.log.front(), "base");  // priority 0 always runs first
            }
        });
    }
    for (int i = 0; i < 500; ++i) {
        h.bind(logger("x" + std::to_string(i % 7), 1 + i % 3));
        if (i % 2) h.unbind("x" + std::to_string((i + 3) % 7));
    }
    // On a loaded machine the trigger threads may not have run yet: wait for one full chain.
    while (finals.load() == 0) std::this_thread::yield();
    stop = true;
    for (auto& th : triggers) th.join();
    EXPECT_GT(finals.load(), 0);
    EXPECT_GE(h.length(), 1u);
}
