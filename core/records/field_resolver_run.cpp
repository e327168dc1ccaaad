// One identifier resolution (PocketBase's record_field_resolver_runner.go).

#include "records/field_resolver.hpp"
#include "records/filter/filter_parser.hpp"
#include "schema/index_sql.hpp"
#include "util/regex.hpp"
#include "util/strings.hpp"

namespace pb::records {

using filter::FilterError;
namespace FT = schema::FieldType;

namespace {
constexpr int kMaxNestedRels = 6;

ResolverResult nullResult() { return ResolverResult{"NULL", {}, NullFallback::Auto, nullptr, nullptr}; }

// "name:mod" -> (name, mod); unknown modifiers are errors.
std::pair<std::string, std::string> splitModifier(const std::string& s) {
    auto parts = str::split(s, ':');
    if (parts.size() != 2) return {s, ""};
    const std::string& m = parts[1];
    if (m == "isset" || m == "each" || m == "length" || m == "lower" || m == "changed")
        return {parts[0], m};
    throw FilterError("unknown modifier in \"" + s + "\"");
}

const json::Value* extractNested(const json::Value& root, const std::vector<std::string>& path) {
    const json::Value* cur = &root;
    for (const auto& p : path) {
        if (cur->isObject()) {
            cur = cur->find(p);
            if (!cur) return nullptr;
        } else if (cur->isArray()) {
            char* end = nullptr;
            long idx = std::strtol(p.c_str(), &end, 10);
            if (p.empty() || *end || idx < 0 || static_cast<size_t>(idx) >= cur->asArray().size()) return nullptr;
            cur = &cur->asArray()[static_cast<size_t>(idx)];
        } else {
            return nullptr;
        }
    }
    return cur;
}

std::vector<json::Value> toSlice(const json::Value* v) {
    if (!v || v->isNull()) return {};
    if (v->isArray()) return v->asArray();
    return {*v};
}
}  // namespace

class ResolverRun {
public:
    ResolverRun(RecordFieldResolver& r, std::string fieldName) : r_(r), name_(std::move(fieldName)) {}

    ResolverResult run() {
        static const auto identifier = rx::builtin(
            R"(\w+[\w.:]*|@request\.(?:context|method)(?::\w+)?|@request\.(?:auth|body|query|headers)\.[\w.:]+|)"
            R"(@collection\.\w+(?::\w+)?\.[\w.:]+)");
        if (!re2::RE2::FullMatch(name_, *identifier))
            throw FilterError("failed to resolve field \"" + name_ + "\"");
        props_ = str::split(name_, '.');
        for (const auto& p : props_)
            if (p.empty()) throw FilterError("invalid field \"" + name_ + "\"");
        activeColl_ = &r_.base_;
        activeAlias_ = r_.baseAlias_;
        allowHidden_ = r_.allowHidden_ || props_[0] == "@collection" || props_[0] == "@request";
        nullifyMissing_ = props_[0] == "@request";
        mm_ = std::make_shared<MultiMatch>();
        mm_->baseAlias = activeAlias_;
        mm_->fromTable = r_.base_.name;
        mm_->fromAlias = "__mm_" + activeAlias_;
        mmAlias_ = mm_->fromAlias;

        if (props_[0] == "@collection") return processCollection();
        if (props_[0] == "@request") {
            if (str::startsWith(name_, "@request.auth.")) return processAuth();
            if (str::startsWith(name_, "@request.body.") && props_.size() > 2) {
                auto [fname, mod] = splitModifier(props_[2]);
                const schema::Field* bf = findField(r_.base_, fname);
                if (!bf) return staticField();
                if (bf->type == FT::Relation && props_.size() > 3) return processBodyRelation(*bf);
                if (props_.size() == 3 && mod == "each") return processBodyEach(*bf);
                if (props_.size() == 3 && mod == "length") {
                    if (!isListField(*bf)) throw FilterError("field doesn't support multivalue operations");
                    size_t n = toSlice(r_.info_.body.find(bf->name)).size();
                    return ResolverResult{std::to_string(n), {}, NullFallback::Auto, nullptr, nullptr};
                }
                if (props_.size() == 3 && mod == "lower") {
                    const json::Value* v = r_.info_.body.find(bf->name);
                    std::string s = v ? (v->isString() ? v->asString() : (v->isNull() ? "" : v->dump())) : "";
                    return ResolverResult{"LOWER(?)", {json::Value(s)}, NullFallback::Auto, nullptr, nullptr};
                }
            }
            return staticField();
        }
        return processProps();
    }

private:
    void addMmJoin(Join j) { mm_->joins.push_back(std::move(j)); }

    ResolverResult staticField() {
        std::vector<std::string> path(props_.begin() + 1, props_.end());
        auto [last, mod] = splitModifier(path.back());
        path.back() = last;
        json::Value root = json::Value::object();
        root.set("context", r_.info_.context);
        root.set("method", r_.info_.method);
        root.set("query", r_.info_.query);
        root.set("headers", r_.info_.headers);
        root.set("body", r_.info_.body);
        root.set("auth", r_.info_.auth);
        const json::Value* v = extractNested(root, path);
        if (mod == "isset") return ResolverResult{v ? "TRUE" : "FALSE", {}, NullFallback::Auto, nullptr, nullptr};
        if (!v || v->isNull()) return nullResult();
        json::Value val = *v;
        if (val.isString()) {
            const schema::Field* f = findField(r_.base_, path.back());
            if (f && f->type == FT::Number) {
                char* end = nullptr;
                const std::string& s = val.asString();
                double d = std::strtod(s.c_str(), &end);
                if (!s.empty() && end && *end == '\0') val = d;
            }
        } else if (val.isArray() || val.isObject() || val.isRaw()) {
            val = json::Value(val.dump());
        }
        if (mod == "lower") return ResolverResult{"LOWER(?)", {val}, NullFallback::Auto, nullptr, nullptr};
        return ResolverResult{"?", {val}, NullFallback::Auto, nullptr, nullptr};
    }

    ResolverResult processCollection() {
        if (props_.size() < 3) throw FilterError("invalid @collection field path");
        auto parts = str::split(props_[1], ':');
        auto c = r_.loadCollection(parts[0]);
        if (!c) throw FilterError("failed to load collection \"" + parts[0] + "\"");
        keep_.push_back(c);
        activeColl_ = c.get();
        activeAlias_ = (parts.size() == 2 && !parts[1].empty()) ? columnify("__collection_alias_" + parts[1])
                                                                : columnify("__collection_" + c->name);
        activeAlias_ += r_.aliasSuffix_;
        withMM_ = true;
        r_.registerJoin(Join{quoteIdent(c->name), activeAlias_, "", {}});
        r_.checkJoinedListRule(*c, activeAlias_);
        mmAlias_ = "__mm" + activeAlias_;
        addMmJoin(Join{quoteIdent(c->name), mmAlias_, "", {}});
        props_.erase(props_.begin(), props_.begin() + 2);
        return processProps();
    }

    ResolverResult processAuth() {
        const json::Value& auth = r_.info_.auth;
        if (!auth.isObject()) return nullResult();
        static const char* plainFields[] = {"id", "collectionId", "collectionName", "email", "emailVisibility", "verified"};
        if (props_.size() == 3) {
            auto [n, mod] = splitModifier(props_[2]);
            for (const char* p : plainFields)
                if (n == p) return staticField();
        }
        auto c = r_.loadCollection(auth["collectionId"].getString());
        if (!c) c = r_.loadCollection(auth["collectionName"].getString());
        if (!c) return nullResult();
        keep_.push_back(c);
        activeColl_ = c.get();
        activeAlias_ = "__auth_" + columnify(c->name) + r_.aliasSuffix_;
        json::Value id = auth["id"].getString();
        r_.registerJoin(Join{quoteIdent(c->name), activeAlias_, col(activeAlias_, "id") + " = ?", {id}});
        r_.checkJoinedListRule(*c, activeAlias_);
        mmAlias_ = "__mm_" + activeAlias_;
        addMmJoin(Join{quoteIdent(c->name), mmAlias_, col(mmAlias_, "id") + " = ?", {id}});
        props_.erase(props_.begin(), props_.begin() + 2);
        return processProps();
    }

    ResolverResult processBodyEach(const schema::Field& bf) {
        if (!isListField(bf)) throw FilterError("field doesn't support multivalue operations");
        json::Value items(toSlice(r_.info_.body.find(bf.name)));
        std::string raw = items.dump();
        std::string jeAlias = "__dataEach_" + columnify(bf.name) + "_je" + r_.aliasSuffix_;
        r_.registerJoin(Join{"json_each(?)", jeAlias, "", {json::Value(raw)}});
        ResolverResult res{col(jeAlias, "value"), {}, NullFallback::Auto, nullptr, nullptr};
        if (isMultipleField(bf)) withMM_ = true;
        if (withMM_) {
            std::string a2 = "__mm" + jeAlias;
            addMmJoin(Join{"json_each(?)", a2, "", {json::Value(raw)}});
            mm_->valueIdentifier = col(a2, "value");
            res.multiMatch = mm_;
        }
        return res;
    }

    ResolverResult processBodyRelation(const schema::Field& rf) {
        auto rc = r_.loadCollection(rf.relationCollectionId());
        if (!rc) throw FilterError("failed to load the relation collection of \"" + rf.name + "\"");
        keep_.push_back(rc);
        std::vector<json::Value> ids;
        for (const auto& v : toSlice(r_.info_.body.find(rf.name))) {
            if (!v.isString() || v.asString().empty()) continue;
            bool dup = false;
            for (const auto& e : ids) dup = dup || e.asString() == v.asString();
            if (!dup) ids.push_back(v);
        }
        if (ids.empty()) return nullResult();
        activeColl_ = rc.get();
        activeAlias_ = columnify("__data_" + rc->name + "_" + rf.name) + r_.aliasSuffix_;
        auto inExpr = [&](const std::string& alias) {
            if (ids.size() == 1) return col(alias, "id") + " = ?";
            std::string s = col(alias, "id") + " IN (";
            for (size_t i = 0; i < ids.size(); ++i) s += i ? ", ?" : "?";
            return s + ")";
        };
        r_.registerJoin(Join{quoteIdent(rc->name), activeAlias_, inExpr(activeAlias_), ids});
        if (isMultipleField(rf)) withMM_ = true;
        mmAlias_ = columnify("__data_mm_" + rc->name + "_" + rf.name);
        addMmJoin(Join{quoteIdent(rc->name), mmAlias_, inExpr(mmAlias_), ids});
        props_.erase(props_.begin(), props_.begin() + 3);
        return processProps();
    }

    ResolverResult processProps();
    ResolverResult processBackRelation(const std::string& prop);
    ResolverResult processLastProp(const std::string& prop);

    RecordFieldResolver& r_;
    std::string name_;
    std::vector<std::string> props_;
    std::vector<schema::CollectionPtr> keep_;
    const schema::Collection* activeColl_ = nullptr;
    std::string activeAlias_, mmAlias_;
    bool allowHidden_ = false, nullifyMissing_ = false, withMM_ = false;
    std::shared_ptr<MultiMatch> mm_;
};

ResolverResult ResolverRun::processProps() {
    const size_t total = props_.size();
    for (size_t i = 0; i < total; ++i) {
        const std::string& prop = props_[i];
        if (i == total - 1) return processLastProp(prop);
        const schema::Field* field = findField(*activeColl_, prop);
        if (field && field->hidden && !allowHidden_) throw FilterError("non-filterable field \"" + prop + "\"");
        if (field && (field->type == FT::Json || field->type == FT::GeoPoint)) {
            std::string path;
            for (size_t j = i + 1; j < total; ++j) {
                const std::string& p = props_[j];
                bool numeric = !p.empty() && p.find_first_not_of("0123456789") == std::string::npos;
                std::string key = columnify(p);
                // An empty key ("data.", "data.:") would make SQLite fail the query at run time.
                if (key.empty()) throw FilterError("invalid JSON key in \"" + name_ + "\"");
                if (numeric) path += "[" + key + "]";
                else path += "." + key;
            }
            ResolverResult res{jsonExtract(col(activeAlias_, field->name), path), {}, NullFallback::Disabled, nullptr, nullptr};
            if (withMM_) {
                mm_->valueIdentifier = jsonExtract(col(mmAlias_, field->name), path);
                res.multiMatch = mm_;
            }
            return res;
        }
        if (static_cast<int>(i) >= kMaxNestedRels) throw FilterError("max nested relations reached for \"" + prop + "\"");
        if (!field) {
            auto back = processBackRelation(prop);
            if (!back.identifier.empty()) return back;  // NULL shortcut
            continue;
        }
        if (field->type != FT::Relation) throw FilterError("field \"" + prop + "\" is not a valid relation");
        auto relColl = r_.loadCollection(field->relationCollectionId());
        if (!relColl) throw FilterError("failed to load the collection of field \"" + prop + "\"");
        keep_.push_back(relColl);
        const bool multiple = isMultipleField(*field);
        if (!multiple && i == total - 2 && props_[i + 1] == "id") return processLastProp(field->name);

        std::string newAlias = r_.deriveAlias(activeAlias_, field->name);
        std::string src = col(activeAlias_, field->name);
        if (!multiple) {
            r_.registerJoin(Join{quoteIdent(relColl->name), newAlias, col(newAlias, "id") + " = " + src, {}});
        } else {
            std::string je = "__je_" + newAlias;
            r_.registerJoin(Join{jsonEachNorm(src), je, "", {}});
            r_.registerJoin(Join{quoteIdent(relColl->name), newAlias, col(newAlias, "id") + " = " + col(je, "value"), {}});
        }
        r_.checkJoinedListRule(*relColl, newAlias);
        activeColl_ = relColl.get();
        activeAlias_ = newAlias;
        if (multiple) withMM_ = true;

        std::string a2 = mmAlias_ + "_" + field->name;
        std::string src2 = col(mmAlias_, field->name);
        if (!multiple) {
            addMmJoin(Join{quoteIdent(relColl->name), a2, col(a2, "id") + " = " + src2, {}});
        } else {
            std::string je2 = a2 + "_je";
            addMmJoin(Join{jsonEachNorm(src2), je2, "", {}});
            addMmJoin(Join{quoteIdent(relColl->name), a2, col(a2, "id") + " = " + col(je2, "value"), {}});
        }
        mmAlias_ = a2;
    }
    throw FilterError("failed to resolve field \"" + name_ + "\"");
}

// Handles `<coll>_via_<field>`; returns a NULL result (non-empty identifier) when the path
// should resolve to NULL, or an empty result after registering the joins.
ResolverResult ResolverRun::processBackRelation(const std::string& prop) {
    static const auto via = rx::builtin(R"((\w+)_via_(\w+))");
    auto fail = [&](const std::string& msg) -> ResolverResult {
        if (nullifyMissing_) return nullResult();
        throw FilterError(msg);
    };
    std::string collName, fieldName;
    if (!re2::RE2::FullMatch(prop, *via, &collName, &fieldName)) return fail("failed to resolve field \"" + prop + "\"");
    auto backColl = r_.loadCollection(collName);
    if (!backColl) return fail("failed to load back relation collection of \"" + prop + "\"");
    keep_.push_back(backColl);
    const schema::Field* bf = findField(*backColl, fieldName);
    if (!bf) return fail("missing back relation field \"" + fieldName + "\"");
    if (bf->type != FT::Relation) return fail("invalid back relation field \"" + bf->name + "\"");
    if (bf->hidden && !allowHidden_) throw FilterError("non-filterable back relation field \"" + bf->name + "\"");
    if (bf->relationCollectionId() != activeColl_->id)
        return fail("invalid collection reference of a back relation field \"" + bf->name + "\"");

    const bool multi = isMultipleField(*bf) || !schema::hasSingleColumnUniqueIndex(backColl->indexes, bf->name);
    std::string newAlias = r_.deriveAlias(activeAlias_, prop);
    if (!multi) {
        r_.registerJoin(Join{quoteIdent(backColl->name), newAlias, col(newAlias, bf->name) + " = " + col(activeAlias_, "id"), {}});
    } else {
        std::string je = "__je_" + newAlias;
        r_.registerJoin(Join{quoteIdent(backColl->name), newAlias,
                             col(activeAlias_, "id") + " IN (SELECT " + col(je, "value") + " FROM " +
                                 jsonEachNorm(col(newAlias, bf->name)) + " " + quoteIdent(je) + ")",
                             {}});
    }
    r_.checkJoinedListRule(*backColl, newAlias);
    activeColl_ = backColl.get();
    activeAlias_ = newAlias;
    if (multi) withMM_ = true;

    std::string a2 = mmAlias_ + "_" + prop;
    if (!multi) {
        addMmJoin(Join{quoteIdent(backColl->name), a2, col(a2, bf->name) + " = " + col(mmAlias_, "id"), {}});
    } else {
        std::string je2 = a2 + "_je";
        addMmJoin(Join{quoteIdent(backColl->name), a2,
                       col(mmAlias_, "id") + " IN (SELECT " + col(je2, "value") + " FROM " +
                           jsonEachNorm(col(a2, bf->name)) + " " + quoteIdent(je2) + ")",
                       {}});
    }
    mmAlias_ = a2;
    return ResolverResult{};
}

ResolverResult ResolverRun::processLastProp(const std::string& prop) {
    auto [name, mod] = splitModifier(prop);
    const schema::Field* field = findField(*activeColl_, name);
    if (!field) {
        if (nullifyMissing_) return nullResult();
        throw FilterError("unknown field \"" + name + "\"");
    }
    if (field->hidden && !allowHidden_) throw FilterError("non-filterable field \"" + name + "\"");
    const std::string c = col(activeAlias_, field->name);
    const std::string c2 = col(mmAlias_, field->name);
    ResolverResult res;
    if (mod == "length" && isListField(*field)) {
        res.identifier = jsonArrayLength(c);
        if (withMM_) {
            mm_->valueIdentifier = jsonArrayLength(c2);
            res.multiMatch = mm_;
        }
        return res;
    }
    if (mod == "each" && isListField(*field)) {
        std::string je = "__je_" + r_.deriveAlias(activeAlias_, field->name);
        r_.registerJoin(Join{jsonEachNorm(c), je, "", {}});
        res.identifier = col(je, "value");
        if (isMultipleField(*field)) withMM_ = true;
        if (withMM_) {
            std::string je2 = mmAlias_ + "_" + field->name + "_je";
            addMmJoin(Join{jsonEachNorm(c2), je2, "", {}});
            mm_->valueIdentifier = col(je2, "value");
            res.multiMatch = mm_;
        }
        return res;
    }
    res.identifier = c;
    if (withMM_) {
        mm_->valueIdentifier = c2;
        res.multiMatch = mm_;
    }
    if (field->name == "email" && !allowHidden_ && activeColl_->isAuth()) {
        std::string vis = col(activeAlias_, "emailVisibility") + " = TRUE";
        res.afterBuild = [vis](SqlFrag e) {
            e.sql = "((" + e.sql + ") AND (" + vis + "))";
            return e;
        };
    }
    if (field->type == FT::Json) {
        res.nullFallback = NullFallback::Disabled;
        res.identifier = jsonExtract(c, "");
        if (withMM_) mm_->valueIdentifier = jsonExtract(c2, "");
    }
    if (mod == "lower") {
        res.identifier = "LOWER(" + res.identifier + ")";
        if (withMM_) mm_->valueIdentifier = "LOWER(" + mm_->valueIdentifier + ")";
    }
    return res;
}

ResolverResult RecordFieldResolver::resolve(const std::string& field) {
    ResolverRun run(*this, field);
    return run.run();
}

}  // namespace pb::records

