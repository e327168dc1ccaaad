#pragma once
// Email-based auth flows, OTP, OAuth2, MFA and auth alerts (record_auth_email.cpp,
// record_auth_otp.cpp, record_auth_oauth2.cpp, record_auth_mfa.cpp, settings_mail.cpp).
#include <string>

#include "app/app.hpp"

namespace pb::api {

// request/confirm verification, password reset and email change.
void registerRecordAuthEmailRoutes(App& app);
// request-otp, auth-with-otp; the __pbOTPCleanup__ / __pbMFACleanup__ cron jobs.
void registerRecordAuthOtpRoutes(App& app);
// POST /api/settings/test/email.
void registerMailRoutes(App& app);

// MFA step of an auth response (PocketBase's checkMFA). Returns true when it wrote the
// 401 {"mfaId"} response (first factor); throws 400 for an invalid second factor.
bool enforceMfa(RequestEvent& e, const schema::CollectionPtr& c, const records::RecordPtr& r,
                const std::string& authMethod);
// Records the device fingerprint in _authOrigins (last 5 kept) and queues the auth alert email
// for a new fingerprint (not on the first login). Errors are logged, never thrown.
void recordAuthOrigin(RequestEvent& e, const records::RecordPtr& r, const std::string& authMethod);

// The common auth response of record_auth.cpp (authRule, OnRecordAuthRequest, MFA, alerts).
// `meta` (OAuth2 only) is added to the response when not null.
void recordAuthResponse(RequestEvent& e, const schema::CollectionPtr& c, const records::RecordPtr& r,
                        const std::string& method, json::Value meta = json::Value());

// auth-with-oauth2, /api/oauth2-redirect, /api/collections/meta/oauth2-providers
// (record_auth_oauth2.cpp).
void registerRecordAuthOAuth2Routes(App& app);
// The `oauth2` section of auth-methods: {providers:[{name,displayName,logo,state,authURL,...}],enabled}.
json::Value oauth2AuthMethods(const schema::Collection& c);

// Shared helpers.
schema::CollectionPtr authCollectionOf(RequestEvent& e);
// True when the rule (null = nobody, "" = everybody) matches the record, evaluated with the
// record as @request.auth.
bool recordMatchesRule(RequestEvent& e, const schema::Collection& c, const records::Record& r,
                       const std::optional<std::string>& rule);

}  // namespace pb::api
