#pragma once
// `pb serve --supervise`: a parent process that runs the real server (the same binary and
// arguments without --supervise) and restarts it when it dies by a signal (SIGSEGV, SIGABRT,
// SIGBUS, SIGKILL, ...). Restart is immediate after the first crash; crashes in quick succession
// (the server lived < 10 s) back off 250 ms, 500 ms, ... up to 30 s. A server that exits with a
// status (0 after a forwarded SIGTERM, 1 when it failed to start) is not restarted: the
// supervisor exits with that status. SIGINT/SIGTERM/SIGHUP/SIGQUIT are forwarded to the server
// and end both. The server quarantines a plugin that crashed it (core/plugin/crash.hpp), so a
// plugin crash does not loop. See docs/reliability.md.
namespace pb {

int superviseServe(int argc, char** argv);

}  // namespace pb
