// The harness's servers die with their test (issue 13, item 6): a test process killed the way
// ctest kills a timed-out test (SIGKILL, no destructors) takes its `pb serve` with it, and each
// server leads its own process group, which stop() ends as a whole.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/test_server.hpp"

namespace {

// True while `pid` is a live process (not gone, not a zombie waiting for its new parent).
bool alive(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' && line[close + 2] != 'X';
}

bool waitDead(int pid, int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!alive(pid)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !alive(pid);
}

}  // namespace

TEST(TestServerLifetime, ServerDiesWhenItsTestIsKilled) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t test = ::fork();  // stands in for a test process that ctest will kill
    ASSERT_GE(test, 0);
    if (test == 0) {
        ::close(fds[0]);
        try {
            pbtest::TestServer s;
            std::string msg = std::to_string(s.pid()) + " " + s.dataDir() + "\n";
            (void)!::write(fds[1], msg.data(), msg.size());
            ::pause();  // until killed
        } catch (...) {
        }
        ::_exit(1);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
        msg.append(buf, static_cast<size_t>(n));
        if (msg.find('\n') != std::string::npos) break;
    }
    ::close(fds[0]);
    int serverPid = 0;
    char dir[256] = {0};
    ASSERT_EQ(std::sscanf(msg.c_str(), "%d %255s", &serverPid, dir), 2) << "the child did not start a server: " << msg;
    ASSERT_TRUE(alive(serverPid));
    EXPECT_EQ(::getpgid(serverPid), serverPid);  // its own process group

    ::kill(test, SIGKILL);  // what ctest does to a test past its timeout: no cleanup runs
    ::waitpid(test, nullptr, 0);
    const bool died = waitDead(serverPid, 5000 * pbtest::slowFactor());
    EXPECT_TRUE(died) << "pb serve (pid " << serverPid << ") outlived its test";
    if (!died) ::kill(serverPid, SIGKILL);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

TEST(TestServerLifetime, StopEndsTheServersProcessGroup) {
    pbtest::TestServer s;
    const int pid = s.pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::getpgid(pid), pid);
    EXPECT_EQ(s.get("/api/health").status, 200);
    s.stop();
    EXPECT_FALSE(alive(pid));
    EXPECT_EQ(s.pid(), -1);
}
