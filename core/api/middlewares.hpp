#pragma once
// Built-in middlewares (PocketBase's names and priorities) and route guards.
#include "app/app.hpp"

namespace pb::api {

// Default global middlewares: CORS, activity logger, auth token loading, superuser IPs
// whitelist, security headers, rate limit, body limit.
void bindDefaultMiddlewares(App& app);

// True when settings.superuserIPs is empty or holds the client IP (resolved through
// settings.trustedProxy like the logs and the rate limiter), as an address or a CIDR subnet.
bool superuserIpAllowed(RequestEvent& e);

// Route-level guards.
hook::Handler<RequestEvent> requireAuth(std::vector<std::string> collections = {});
hook::Handler<RequestEvent> requireSuperuserAuth();
hook::Handler<RequestEvent> requireSuperuserOrOwnerAuth(std::string ownerParam = "id");
hook::Handler<RequestEvent> requireGuestOnly();
hook::Handler<RequestEvent> bodyLimit(size_t bytes);
hook::Handler<RequestEvent> gzip();

// Loads the auth record from the Authorization header (token with or without "Bearer ").
// Invalid or expired tokens leave the request a guest request.
void loadAuthToken(RequestEvent& e);

}  // namespace pb::api
