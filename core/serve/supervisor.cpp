#include "serve/supervisor.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace pb {

namespace {

using Clock = std::chrono::steady_clock;

void say(const std::string& msg) {
    std::string line = "pb supervise: " + msg + "\n";
    (void)!::write(2, line.data(), line.size());
}

std::string sigName(int sig) {
    const char* d = ::sigdescr_np(sig);
    const char* n = ::sigabbrev_np(sig);
    return std::string(n ? std::string("SIG") + n : "signal " + std::to_string(sig)) + (d ? std::string(" (") + d + ")" : "");
}

void noop(int) {}

pid_t spawn(const std::vector<std::string>& args, const sigset_t& origMask) {
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    // Child: the server. Die with the supervisor; restore the signal mask it inherited.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, &origMask, nullptr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::execvp(argv[0], argv.data());
    ::_exit(127);
}

bool isStopSignal(int sig) { return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT; }

}  // namespace

int superviseServe(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i)
        if (std::strcmp(argv[i], "--supervise") != 0) args.push_back(argv[i]);

    sigset_t set, origMask;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set, s);
    signal(SIGCHLD, noop);  // SIGCHLD must be generated (and stay pending) for sigtimedwait
    sigprocmask(SIG_BLOCK, &set, &origMask);

    int fast = 0;  // consecutive crashes of a server that lived < 10 s
    for (;;) {
        auto started = Clock::now();
        pid_t pid = spawn(args, origMask);
        if (pid < 0) {
            say(std::string("fork failed: ") + std::strerror(errno));
            return 1;
        }
        say("server started (pid " + std::to_string(pid) + ")");
        bool stopping = false;
        int status = 0;
        for (;;) {
            siginfo_t si;
            timespec ts{1, 0};
            int sig = sigtimedwait(&set, &si, &ts);
            if (sig > 0 && isStopSignal(sig) && !stopping) {
                stopping = true;
                ::kill(pid, sig == SIGHUP || sig == SIGQUIT ? SIGTERM : sig);
            }
            pid_t r = ::waitpid(pid, &status, WNOHANG);  // SIGCHLD or the 1 s poll
            if (r == pid) break;
        }
        if (WIFEXITED(status)) {
            int code = WEXITSTATUS(status);
            if (code != 0 && !stopping) say("server exited with status " + std::to_string(code) + "; not restarting");
            return code;
        }
        if (stopping) return 0;
        int sig = WTERMSIG(status);
        auto lived = Clock::now() - started;
        fast = lived < std::chrono::seconds(10) ? fast + 1 : 1;
        auto delay = fast <= 1 ? std::chrono::milliseconds(0)
                               : std::min<std::chrono::milliseconds>(std::chrono::milliseconds(250LL << std::min(fast - 2, 10)),
                                                                     std::chrono::seconds(30));
        say("server (pid " + std::to_string(pid) + ") died with " + sigName(sig) + " after " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(lived).count()) + " ms; restarting in " +
            std::to_string(delay.count()) + " ms");
        auto until = Clock::now() + delay;
        while (Clock::now() < until) {  // the backoff, still answering SIGINT/SIGTERM
            auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - Clock::now());
            timespec ts{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
            siginfo_t si;
            int s = sigtimedwait(&set, &si, &ts);
            if (s > 0 && isStopSignal(s)) return 0;
        }
    }
}

}  // namespace pb
