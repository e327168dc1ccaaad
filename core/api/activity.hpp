#pragma once
// The request activity logger (pbActivityLogger, -1040) and the rate limiter (pbRateLimit, -1000),
// plus the pure helpers they share. See docs/logs-and-rate-limits.md.
#include <string>
#include <vector>

#include "app/app.hpp"

namespace pb::api {

inline constexpr int kActivityLoggerPriority = -1040;
inline constexpr int kRateLimitPriority = -1000;

// GET /api/logs, /api/logs/stats, /api/logs/{id} (superusers only).
void registerLogRoutes(App& app);

// Binds pbActivityLogger and the `__pbLogsCleanup__` cron job (0 */6 * * *).
void bindActivityLogger(App& app);
// Binds pbRateLimit and the `__pbRateLimitersCleanup__` cron job (2 * * * *).
void bindRateLimit(App& app);

// The client IP: the first configured trusted proxy header present (leftmost or rightmost entry
// of a comma list, per `useLeftmostIP`), else the socket's remote address.
std::string realIp(const http::Request& req, const json::Value& trustedProxy);

// What a request path means for the rate limiter: the collection (id or name as written in the
// path; empty for non-collection routes) and the action tags in lookup order, e.g.
// POST /api/collections/users/auth-with-password -> {"users", {"authWithPassword", "auth"}}.
struct RateLimitTarget {
    std::string collection;
    std::vector<std::string> tags;
};
RateLimitTarget rateLimitTarget(const std::string& method, const std::string& path);

// One rule of settings.rateLimits.rules.
struct RateLimitRule {
    std::string label;
    std::string audience;  // "" | "@guest" | "@auth"
    int64_t maxRequests = 0;
    int64_t durationSeconds = 0;
};

// PocketBase's FindRateLimitRule: the labels are tried in order, an exact label first; prefix
// labels (ending in "/") are matched against the first label with a trailing "/" appended, i.e.
// the path. Only rules whose audience is "" or `audience` ("@guest"/"@auth") apply.
const RateLimitRule* findRateLimitRule(const std::vector<RateLimitRule>& rules,
                                       const std::vector<std::string>& labels, const std::string& audience);

}  // namespace pb::api
