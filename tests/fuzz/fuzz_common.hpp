#pragma once
// Shared helpers for the libFuzzer targets (also built with g++ into corpus-replay drivers).
#include <cstdio>
#include <cstdlib>

// A failed oracle: print and abort so libFuzzer (and the replay driver) report a crash.
#define FUZZ_CHECK(cond, ...)                                                      \
    do {                                                                           \
        if (!(cond)) {                                                             \
            std::fprintf(stderr, "FUZZ ORACLE FAILED: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);                                     \
            std::fprintf(stderr, "\n");                                            \
            std::abort();                                                          \
        }                                                                          \
    } while (0)
