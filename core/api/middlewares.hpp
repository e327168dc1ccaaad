#pragma once
// Built-in middlewares (PocketBase's names and priorities) and route guards.
#include "app/app.hpp"

namespace pb::api {

// Default global middlewares: CORS, auth token loading, security headers, body limit.
void bindDefaultMiddlewares(App& app);

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
