#include "http/response_delay.hpp"

#include <algorithm>
#include <utility>

namespace pb::http {

namespace {
// Per worker thread: a handler runs start to end on one thread (see server.cpp).
thread_local std::chrono::milliseconds pendingDelay{0};
}  // namespace

void delayResponse(std::chrono::milliseconds d) { pendingDelay = std::max(pendingDelay, d); }

std::chrono::milliseconds takeResponseDelay() { return std::exchange(pendingDelay, std::chrono::milliseconds{0}); }

}  // namespace pb::http
