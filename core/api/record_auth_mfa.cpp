// MFA enforcement (PocketBase's checkMFA) and auth origins / auth alert emails, both run from
// the default action of OnRecordAuthRequest (see authResponse in record_auth.cpp).
#include "api/auth_flows.hpp"
#include "api/rule_check.hpp"
#include "app/record_mails.hpp"
#include "records/rule_sql.hpp"
#include "util/hash.hpp"
#include "util/time.hpp"

namespace pb::api {

using records::RecordPtr;

schema::CollectionPtr authCollectionOf(RequestEvent& e) {
    auto c = e.app.findCollection(e.pathValue("collection"));
    // PocketBase answers a missing and a non-auth collection alike.
    if (!c || !c->isAuth()) throw notFound("Missing or invalid auth collection context.");
    return c;
}

bool recordMatchesRule(RequestEvent& e, const schema::Collection& c, const records::Record& r,
                       const std::optional<std::string>& rule) {
    if (!rule) return false;
    if (rule->empty()) return true;
    App& app = e.app;
    auto info = e.requestInfo();
    info.auth = r.toInternalJson();
    return recordPassesRule(app, c, info, rule, r.id());
}

namespace {

bool expired(const records::Record& r, double durationSeconds) {
    auto created = timeutil::parse(r.getString("created"));
    if (!created) return true;
    return *created + static_cast<int64_t>(durationSeconds * 1000) < timeutil::nowMillis();
}

}  // namespace

bool enforceMfa(RequestEvent& e, const schema::CollectionPtr& c, const RecordPtr& r, const std::string& authMethod) {
    const auto& mfa = c->options["mfa"];
    if (authMethod.empty() || !mfa["enabled"].getBool()) return false;
    std::string rule = mfa["rule"].getString();
    if (!rule.empty() && !recordMatchesRule(e, *c, *r, rule)) return false;
    App& app = e.app;
    auto mfas = app.findCollection("_mfas");
    if (!mfas) throw internalError("Missing _mfas collection.");
    std::string mfaId = e.request.queryParam("mfaId").value_or("");
    if (mfaId.empty()) mfaId = e.body()["mfaId"].getString();
    if (mfaId.empty()) {
        records::Record m(mfas);
        m.set("collectionRef", c->id);
        m.set("recordRef", r->id());
        m.set("method", authMethod);
        app.save(m);
        e.json(401, json::Value(json::Object{{"mfaId", m.id()}}));
        return true;
    }
    auto m = app.findRecordById(mfas, mfaId);
    if (!m) throw badRequest("Invalid or expired MFA session.");
    if (m->getString("recordRef") != r->id() || m->getString("collectionRef") != c->id)
        throw badRequest("Invalid MFA session.");
    if (expired(*m, mfa["duration"].getNumber(600))) {
        app.deleteRecord(*m);
        throw badRequest("Invalid or expired MFA session.");
    }
    if (m->getString("method") == authMethod) throw badRequest("A different authentication method is required.");
    app.deleteRecord(*m);
    return false;
}

void recordAuthOrigin(RequestEvent& e, const RecordPtr& r, const std::string& authMethod) {
    const auto& c = r->collection();
    if (authMethod.empty() || !c.options["authAlert"]["enabled"].getBool()) return;
    App& app = e.app;
    try {
        auto origins = app.findCollection("_authOrigins");
        if (!origins) return;
        std::string ua = e.request.headerOr("user-agent");
        if (ua.size() > 300) ua.resize(300);
        std::string fingerprint = hash::md5Hex(e.request.remoteIp + ua);
        auto rows = app.db().query(
            "SELECT * FROM `_authOrigins` WHERE `collectionRef`=? AND `recordRef`=? ORDER BY `updated` DESC, `rowid` DESC",
            {c.id, r->id()});
        bool firstLogin = rows.empty();
        RecordPtr current;
        std::vector<RecordPtr> others;
        for (auto& row : rows) {
            auto o = app.recordFromRow(origins, row);
            if (!current && o->getString("fingerprint") == fingerprint) current = o;
            else others.push_back(o);
        }
        bool isNew = !current;
        if (isNew) {
            current = std::make_shared<records::Record>(origins);
            current->set("collectionRef", c.id);
            current->set("recordRef", r->id());
            current->set("fingerprint", fingerprint);
        }
        current->setRaw("updated", timeutil::now());
        app.save(*current);
        // Keep the newest 5 (the current one included).
        for (size_t i = 4; i < others.size(); ++i) app.deleteRecord(*others[i]);
        if (!firstLogin && isNew && !r->email().empty()) {
            std::string info = e.request.remoteIp + (ua.empty() ? "" : " " + ua);
            mail::queueRecordMail(app, r, mail::RecordMail::AuthAlert, r->email(), {{"{ALERT_INFO}", info}});
        }
    } catch (const std::exception& ex) {
        app.logError(std::string("auth origin: ") + ex.what());
    }
}

}  // namespace pb::api
