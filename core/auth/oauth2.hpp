#pragma once
// OAuth2 providers (PocketBase tools/auth): the known provider table, a provider configured from
// an auth collection's `oauth2.providers[]` entry, the authorization URL, the code exchange and
// the user info lookup. All network calls go through net::send with a deadline; failures throw
// oauth2::Error (the API layer turns them into 400s).
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "util/json.hpp"

namespace pb::oauth2 {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Provider defaults. Empty URLs (oidc*) must come from the collection config.
struct ProviderInfo {
    std::string name, displayName, logo;
    bool pkce = true;
    std::vector<std::string> scopes;
    std::string authURL, tokenURL, userInfoURL;
};

// Known providers in display order: oidc, oidc2, oidc3, github, gitlab, google, microsoft.
const std::vector<ProviderInfo>& knownProviders();
const ProviderInfo* findKnownProvider(const std::string& name);

// A provider with the collection config applied (non-empty values override the defaults).
struct Provider {
    ProviderInfo info;
    std::string clientId, clientSecret;
    json::Value extra = json::Value::object();
};
// nullopt when `config.name` is not a known provider.
std::optional<Provider> initProvider(const json::Value& config);

// authURL?client_id=..&code_challenge=..&response_type=code&scope=..&state=.. (keys sorted, like
// Go's url.Values.Encode). `params` are extra query parameters (PKCE challenge, ...).
std::string buildAuthURL(const Provider& p, const std::string& state,
                         const std::vector<std::pair<std::string, std::string>>& params = {});

// PKCE S256 challenge of a verifier (base64url(sha256(verifier)), no padding).
std::string s256Challenge(const std::string& verifier);

struct Token {
    std::string accessToken, refreshToken, tokenType, idToken;
    std::string expiry;  // PocketBase datetime ("" when the provider sent no expires_in)
};

struct AuthUser {
    std::string id, name, username, email, avatarURL;
    std::string accessToken, refreshToken, expiry;
    json::Value rawUser = json::Value::object();
};

// Deadline shared by every call of one authentication.
using Deadline = std::chrono::steady_clock::time_point;

Token fetchToken(const Provider& p, const std::string& code, const std::string& codeVerifier,
                 const std::string& redirectURL, Deadline deadline);
AuthUser fetchAuthUser(const Provider& p, const Token& token, Deadline deadline);

// {id,name,username,email,avatarURL,avatarUrl,accessToken,refreshToken,expiry,rawUser,isNew}.
json::Value metaJson(const AuthUser& u, bool isNew);

}  // namespace pb::oauth2
