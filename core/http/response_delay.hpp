#pragma once
// Delayed responses without a sleeping worker (PocketBase's anti-timing delay on empty searches).
// A handler asks for its response to go out later; once the handler returns, the HTTP server
// hands the finished response to a timer and the worker moves on to the next request.
#include <chrono>

namespace pb::http {

// Call from the handler, on the worker thread running the request (synchronously, before the
// handler returns). The longest delay asked for during one request wins.
void delayResponse(std::chrono::milliseconds d);

// Server side: returns the delay asked for on this thread since the last call, and clears it.
std::chrono::milliseconds takeResponseDelay();

}  // namespace pb::http
