// JWT issuing and verification for records (HS256; key = record tokenKey + collection secret).
#include "app/app.hpp"
#include "auth/jwt.hpp"
#include "util/time.hpp"

namespace pb {

namespace {
std::string optionKeyFor(const std::string& type) {
    if (type == "auth") return "authToken";
    if (type == "file") return "fileToken";
    if (type == "verification") return "verificationToken";
    if (type == "passwordReset") return "passwordResetToken";
    if (type == "emailChange") return "emailChangeToken";
    return "";
}
}  // namespace

std::string App::newToken(const records::Record& r, const std::string& type, int64_t durationSeconds,
                          json::Value extraClaims) {
    const auto& c = r.collection();
    auto key = optionKeyFor(type);
    if (!c.isAuth() || key.empty()) throw badRequest("The record is not an auth record.");
    const auto& cfg = c.options[key];
    if (durationSeconds <= 0) durationSeconds = static_cast<int64_t>(cfg["duration"].getNumber(0));
    if (durationSeconds <= 0) durationSeconds = 3600;
    json::Value claims = json::Value::object();
    claims.set("collectionId", c.id);
    claims.set("exp", static_cast<double>(timeutil::nowSeconds() + durationSeconds));
    claims.set("id", r.id());
    if (extraClaims.isObject())
        for (auto& [k, v] : extraClaims.asObject()) claims.set(k, v);
    claims.set("type", type);
    return auth::signJwt(claims, r.tokenKey() + cfg["secret"].getString());
}

std::string App::newAuthToken(const records::Record& r, int64_t durationSeconds, bool refreshable) {
    return newToken(r, "auth", durationSeconds, json::Value(json::Object{{"refreshable", refreshable}}));
}

records::RecordPtr App::findRecordByToken(const std::string& token, const std::string& type) {
    auto claims = auth::parseUnverified(token);
    if (!claims || !claims->isObject()) return nullptr;
    if ((*claims)["type"].getString() != type) return nullptr;
    auto collection = findCollection((*claims)["collectionId"].getString());
    if (!collection || !collection->isAuth() || collection->id != (*claims)["collectionId"].getString()) return nullptr;
    auto record = findRecordById(collection, (*claims)["id"].getString());
    if (!record) return nullptr;
    auto key = optionKeyFor(type);
    auto secret = record->tokenKey() + collection->options[key]["secret"].getString();
    auto verified = auth::verifyJwt(token, secret, timeutil::nowSeconds());
    if (!verified) return nullptr;
    return record;
}

}  // namespace pb
