#pragma once
// Taking over an object once shared_ptr::use_count() reads 1 (copy-on-write, "the last pin is
// gone"). use_count() is a relaxed load, so on its own it does not order the former owners'
// accesses (made before their release-decrement of the count) before ours: that needs an
// acquire. A fence is free on x86 but ThreadSanitizer does not model fences, so the TSan build
// uses an acquire RMW on the count itself (copy + drop), which it does see.
#include <atomic>
#include <memory>

namespace pb {

template <class T>
inline void acquireSoleOwnership(const std::shared_ptr<T>& p) {
#if defined(__SANITIZE_THREAD__)
    std::shared_ptr<T> sync = p;  // the drop is an acq_rel RMW on the use count
    (void)sync;
#else
    (void)p;
    std::atomic_thread_fence(std::memory_order_acquire);
#endif
}

}  // namespace pb
