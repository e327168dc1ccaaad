#pragma once
// Event types passed through the app's hooks. Record and collection events are tagged with the
// collection id and name so handlers can be bound for specific collections.
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "auth/oauth2.hpp"
#include "hook/hook.hpp"
#include "mail/message.hpp"
#include "records/request_info.hpp"
#include "records/record.hpp"
#include "router/event.hpp"
#include "schema/collection.hpp"

namespace pb::realtime {
class Client;
}

namespace pb {

class App;

// Every HTTP request. `auth` is the authenticated record (null for guests).
class RequestEvent : public router::RequestEventBase {
public:
    RequestEvent(App& a, http::Request& req, http::Response& res) : RequestEventBase(req, res), app(a) {}
    App& app;
    records::RecordPtr auth;
    std::string context = "default";  // @request.context

    bool hasSuperuserAuth() const { return auth && auth->isSuperuser(); }
    // @request.* view of this request (body parsed lazily and cached).
    records::RequestInfo requestInfo();
    // Parsed body (JSON / urlencoded / multipart fields). Throws 400 on a malformed body.
    const json::Value& body();
    void setBody(json::Value b) { body_ = std::move(b); bodyParsed_ = true; }
    // Uploaded files of a multipart body, by field name.
    struct UploadedFile {
        std::string field, filename, contentType, data;
    };
    const std::vector<UploadedFile>& files();

    // Applies ?fields= to 2xx JSON (inside `items` for list envelopes).
    void json(int status, const json::Value& v) override;
    bool isListEnvelope = false;

private:
    void parseBody();
    json::Value body_;
    std::vector<UploadedFile> files_;
    bool bodyParsed_ = false;
};

struct BootstrapEvent : hook::Event {
    App* app = nullptr;
};
struct ServeEvent : hook::Event {
    App* app = nullptr;
};
struct TerminateEvent : hook::Event {
    App* app = nullptr;
    bool isRestart = false;
};

// Model-level record events (validate, create, create-execute, after success/error, ...).
struct RecordEvent : hook::Event {
    App* app = nullptr;
    records::Record* record = nullptr;
    std::string type;            // "create" | "update" | "delete" | "validate"
    std::exception_ptr error;    // only for *AfterError events
    std::vector<std::string> tags() const override {
        return {record->collection().id, record->collection().name};
    }
};

struct CollectionEvent : hook::Event {
    App* app = nullptr;
    schema::Collection* collection = nullptr;
    std::string type;          // "create" | "update" | "delete"
    std::exception_ptr error;  // only for *AfterError events
    std::vector<std::string> tags() const override { return {collection->id, collection->name}; }
};

// Per-request record events (list/view/create/update/delete requests).
struct RecordRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    schema::CollectionPtr collection;
    records::RecordPtr record;
    std::vector<std::string> tags() const override { return {collection->id, collection->name}; }
};

struct RecordsListRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    schema::CollectionPtr collection;
    std::vector<records::RecordPtr> records;
    json::Value result;  // the list envelope (page, perPage, totalItems, totalPages)
    std::vector<std::string> tags() const override { return {collection->id, collection->name}; }
};

struct RecordEnrichEvent : hook::Event {
    App* app = nullptr;
    records::Record* record = nullptr;
    RequestEvent* req = nullptr;  // may be null (realtime)
    std::vector<std::string> tags() const override {
        return {record->collection().id, record->collection().name};
    }
};

struct RecordAuthRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    schema::CollectionPtr collection;
    records::RecordPtr record;
    std::string token;
    json::Value meta;
    std::string authMethod;  // password | oauth2 | otp | ""
    std::vector<std::string> tags() const override { return {collection->id, collection->name}; }
};

struct RecordAuthWithPasswordRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    schema::CollectionPtr collection;
    records::RecordPtr record;  // may be null; handlers may replace it
    std::string identity, identityField, password;
    std::vector<std::string> tags() const override { return {collection->id, collection->name}; }
};

struct CollectionRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    std::shared_ptr<schema::Collection> collection;
};

struct CollectionsListRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    std::vector<schema::CollectionPtr> collections;
    json::Value result;
};

struct CollectionsImportRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    json::Value collectionsData;  // the submitted array of collection objects
    bool deleteMissing = false;
};

// Backup create/restore (core/backup). `name` is the backup file name (empty on create = generated
// by the default action); `exclude` lists the top-level data dir entries left out. A restore
// handler runs before the extraction; the process restarts after the default action.
struct BackupEvent : hook::Event {
    App* app = nullptr;
    std::string name;
    std::vector<std::string> exclude;
};

struct SettingsReloadEvent : hook::Event {
    App* app = nullptr;
};

struct SettingsEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    json::Value oldSettings, newSettings;
};

// Realtime (SSE). Connect: fired by GET /api/realtime before the stream starts; handlers may change
// the timeouts or reject with an ApiError. Since streams own no thread, code after next() runs
// once the client is registered (not after disconnect as in PocketBase).
struct RealtimeConnectRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    std::shared_ptr<realtime::Client> client;
    std::chrono::milliseconds idleTimeout{0};
    std::chrono::milliseconds maxTimeout{0};
};

// POST /api/realtime: `subscriptions` replaces the client's set in the default action.
struct RealtimeSubscribeRequestEvent : hook::Event {
    RequestEvent* req = nullptr;
    App* app = nullptr;
    std::shared_ptr<realtime::Client> client;
    std::vector<std::string> subscriptions;
};

// Every SSE frame (PB_CONNECT included). `data` is JSON text; handlers may change name/data, skip
// the frame by not calling next(), or throw to close the stream.
struct RealtimeMessageEvent : hook::Event {
    App* app = nullptr;
    std::shared_ptr<realtime::Client> client;
    std::string name;
    std::string data;
};

// request-email-change / confirm-email-change.
struct RecordEmailChangeRequestEvent : RecordRequestEvent {
    std::string newEmail;
};

// request-otp: `record` may be null (unknown email); `password` is the plain OTP to send.
struct RecordCreateOTPRequestEvent : RecordRequestEvent {
    std::string password;
};

// auth-with-otp, after the OTP was validated (`otp` is the _otps record).
struct RecordAuthWithOTPRequestEvent : RecordRequestEvent {
    records::RecordPtr otp;
};

// After the OAuth2 code exchange; `record` is null when a new record will be created.
struct RecordAuthWithOAuth2RequestEvent : RecordRequestEvent {
    std::string providerName;
    oauth2::AuthUser oauth2User;
    json::Value createData = json::Value::object();
    bool isNewRecord = false;
};

// Every outgoing email (fired on the mailer thread). Handlers may change `message`, or not call
// next() to skip (or replace) the delivery.
struct MailerEvent : hook::Event {
    App* app = nullptr;
    mail::Message message;
};

// The auth emails (verification, password reset, email change, OTP, auth alert), fired before
// onMailerSend. `meta` holds e.g. {token} / {otpId, password} / {newEmail}.
struct MailerRecordEvent : hook::Event {
    App* app = nullptr;
    mail::Message* message = nullptr;
    records::RecordPtr record;
    json::Value meta = json::Value::object();
    std::vector<std::string> tags() const override {
        return {record->collection().id, record->collection().name};
    }
};

}  // namespace pb
