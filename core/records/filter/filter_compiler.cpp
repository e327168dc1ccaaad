// Filter AST -> SQL (PocketBase tools/search/filter.go). buildResolversExpr, resolveEqualExpr.
#include "records/filter/filter_compiler.hpp"

#include <cstdlib>
#include <ctime>

#include "records/filter/filter_parser.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::records {
namespace filter {

namespace {

// Substitutes {0},{1},... with the fragments' SQL, appending their params at each occurrence.
SqlFrag tmpl(std::string_view t, std::initializer_list<const SqlFrag*> args) {
    std::vector<const SqlFrag*> a(args);
    SqlFrag out;
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '{' && i + 2 < t.size() && t[i + 2] == '}' && t[i + 1] >= '0' && t[i + 1] <= '9') {
            const SqlFrag* f = a.at(static_cast<size_t>(t[i + 1] - '0'));
            out.sql += f->sql;
            out.params.insert(out.params.end(), f->params.begin(), f->params.end());
            i += 2;
        } else {
            out.sql.push_back(t[i]);
        }
    }
    return out;
}

SqlFrag frag(const ResolverResult& r) { return SqlFrag{r.identifier, r.params}; }

bool hasEmptyParam(const ResolverResult& r) {
    for (const auto& p : r.params)
        if (p.isNull() || (p.isString() && p.asString().empty())) return true;
    return false;
}
bool isEmptyIdentifier(const ResolverResult& r) {
    std::string l = str::lower(r.identifier);
    return l.empty() || l == "null" || l == "''" || l == "\"\"" || l == "``";
}
bool isEmptyOperand(const ResolverResult& r) {
    return isEmptyIdentifier(r) ||
           (r.nullFallback == NullFallback::Auto && r.params.size() == 1 && hasEmptyParam(r));
}
bool isKnownNonEmpty(const ResolverResult& r) {
    if (r.nullFallback == NullFallback::Enforced) return false;
    std::string l = str::lower(r.identifier);
    if (l == "1" || l == "0" || l == "true" || l == "false") return true;
    return !r.params.empty() && !hasEmptyParam(r) && !isEmptyIdentifier(r);
}

SqlFrag equalExpr(bool equal, const ResolverResult& l, const ResolverResult& r) {
    const bool lEmpty = isEmptyOperand(l), rEmpty = isEmptyOperand(r);
    const std::string eq = equal ? "=" : "IS NOT";
    SqlFrag L = frag(l), R = frag(r);
    if (l.nullFallback == NullFallback::Disabled || r.nullFallback == NullFallback::Disabled)
        return tmpl("{0} " + std::string(equal ? "IS" : "IS NOT") + " {1}", {&L, &R});
    if (lEmpty && rEmpty) return SqlFrag{"'' " + eq + " ''", {}};
    if (isKnownNonEmpty(l) || isKnownNonEmpty(r)) {
        SqlFrag empty{"''", {}};
        return tmpl("{0} " + eq + " {1}", {lEmpty ? &empty : &L, rEmpty ? &empty : &R});
    }
    const std::string concat = equal ? " OR " : " AND ";
    const std::string nullExpr = equal ? " IS NULL" : " IS NOT NULL";
    if (lEmpty) return tmpl("('' " + eq + " {0}" + concat + "{0}" + nullExpr + ")", {&R});
    if (rEmpty) return tmpl("({0} " + eq + " ''" + concat + "{0}" + nullExpr + ")", {&L});
    return tmpl("COALESCE({0}, '') " + eq + " COALESCE({1}, '')", {&L, &R});
}

}  // namespace

std::string wrapLikeParam(const std::string& v) {
    // containsUnescapedChar(v, '%')
    char prev = 0;
    for (char c : v) {
        if (c == '%' && prev != '\\') return v;
        prev = (c == '\\' && prev == '\\') ? 0 : c;
    }
    // escapeUnescapedChars(v, '\\', '%', '_'), scanning from the end like PocketBase
    std::string rev;
    bool match = false;
    for (size_t k = v.size(); k-- > 0;) {
        char c = v[k];
        if (match) {
            if (c != '\\') rev.push_back('\\');
            match = false;
        } else if (c == '\\' || c == '%' || c == '_') {
            match = true;
        }
        rev.push_back(c);
        if (k == 0 && match) rev.push_back('\\');
    }
    return "%" + std::string(rev.rbegin(), rev.rend()) + "%";
}

class Builder {
public:
    explicit Builder(RecordFieldResolver& r) : r_(r) {}

    SqlFrag buildGroups(const std::vector<ExprGroup>& items) {
        std::vector<std::string> parts;
        SqlFrag out;
        for (const auto& it : items) {
            SqlFrag f = it.isGroup ? buildGroups(it.items) : buildExpr(it.expr);
            if (f.sql.empty()) continue;
            if (!parts.empty()) parts.push_back(it.orJoin ? "OR" : "AND");
            parts.push_back(f.sql);
            out.params.insert(out.params.end(), f.params.begin(), f.params.end());
        }
        if (parts.size() == 1) {
            std::string up = str::upper(parts[0]);
            if (up.find(" AND ") == std::string::npos && up.find(" OR ") == std::string::npos) {
                out.sql = parts[0];
                return out;
            }
        }
        out.sql = "(" + str::join(parts, " ") + ")";
        return out;
    }

    SqlFrag buildExpr(const Expr& e) {
        if (++exprCount_ > kMaxFilterExprs) throw FilterError("too many filter expressions");
        ResolverResult l = resolveOperand(e.left);
        if (l.identifier.empty()) throw FilterError("invalid left operand \"" + e.left.literal + "\"");
        ResolverResult r = resolveOperand(e.right);
        if (r.identifier.empty()) throw FilterError("invalid right operand \"" + e.right.literal + "\"");
        return buildResolversExpr(l, e.op, r);
    }

    SqlFrag buildResolversExpr(const ResolverResult& l, const std::string& op, const ResolverResult& r) {
        const bool any = !op.empty() && op[0] == '?';
        const std::string base = any ? op.substr(1) : op;
        SqlFrag L = frag(l), R = frag(r), expr;
        if (base == "=" || base == "!=") {
            expr = equalExpr(base == "=", l, r);
        } else if (base == "~" || base == "!~") {
            const std::string like = base == "~" ? " LIKE " : " NOT LIKE ";
            if (r.params.empty()) {
                expr = tmpl("{0}" + like + "('%' || {1} || '%') ESCAPE '\\'", {&L, &R});
            } else {
                for (auto& p : R.params) p = json::Value(wrapLikeParam(paramToString(p)));
                expr = tmpl("{0}" + like + "{1} ESCAPE '\\'", {&L, &R});
            }
        } else if (base == "<" || base == "<=" || base == ">" || base == ">=") {
            expr = tmpl("{0} " + base + " {1}", {&L, &R});
        } else {
            throw FilterError("unknown expression operator \"" + op + "\"");
        }

        if (!any) {
            if (l.multiMatch && r.multiMatch) {
                SqlFrag mm = manyVsMany(l, base, r);
                expr = tmpl("(({0}) AND ({1}))", {&expr, &mm});
            } else if (l.multiMatch) {
                SqlFrag mm = manyVsOne(l, base, r, false);
                expr = tmpl("(({0}) AND ({1}))", {&expr, &mm});
            } else if (r.multiMatch) {
                SqlFrag mm = manyVsOne(r, base, l, true);
                expr = tmpl("(({0}) AND ({1}))", {&expr, &mm});
            }
        }
        if (l.afterBuild) expr = l.afterBuild(expr);
        if (r.afterBuild) expr = r.afterBuild(expr);
        return expr;
    }

private:
    static std::string paramToString(const json::Value& v) {
        if (v.isString()) return v.asString();
        if (v.isNull()) return "";
        if (v.isBool()) return v.asBool() ? "true" : "false";
        if (v.isNumber()) return json::formatNumber(v.asNumber());
        if (v.isRaw()) return v.asRaw().text;
        return v.dump();
    }

    static ResolverResult mmSide(const std::string& alias, NullFallback nf) {
        ResolverResult rr;
        rr.identifier = col(alias, "multiMatchValue");
        rr.nullFallback = nf;
        rr.afterBuild = [](SqlFrag e) {
            e.sql = "NOT (" + e.sql + ")";
            return e;
        };
        return rr;
    }

    SqlFrag manyVsOne(const ResolverResult& multi, const std::string& op, const ResolverResult& other, bool inverse) {
        std::string alias = "__sm" + r_.uniqueSuffix();
        ResolverResult r1 = mmSide(alias, multi.nullFallback);
        ResolverResult r2{other.identifier, other.params, NullFallback::Auto, nullptr, nullptr};
        SqlFrag where = inverse ? buildResolversExpr(r2, op, r1) : buildResolversExpr(r1, op, r2);
        SqlFrag sub = multi.multiMatch->build();
        SqlFrag a{quoteIdent(alias), {}};
        return tmpl("NOT EXISTS (SELECT 1 FROM ({0}) {1} WHERE {2})", {&sub, &a, &where});
    }

    SqlFrag manyVsMany(const ResolverResult& l, const std::string& op, const ResolverResult& r) {
        std::string n = r_.uniqueSuffix();
        std::string la = "__ml" + n, ra = "__mr" + n;
        ResolverResult l1{col(la, "multiMatchValue"), {}, l.nullFallback, nullptr, nullptr};
        ResolverResult r1 = mmSide(ra, r.nullFallback);
        SqlFrag where = buildResolversExpr(l1, op, r1);
        SqlFrag ls = l.multiMatch->build(), rs = r.multiMatch->build();
        SqlFrag lq{quoteIdent(la), {}}, rq{quoteIdent(ra), {}};
        return tmpl("NOT EXISTS (SELECT 1 FROM ({0}) {1} LEFT JOIN ({2}) {3} WHERE {4})", {&ls, &lq, &rs, &rq, &where});
    }

    ResolverResult resolveOperand(const Operand& o, bool inFunction = false);
    ResolverResult resolveFunction(const Operand& o);
    ResolverResult resolveChanged(const std::string& ident);

    RecordFieldResolver& r_;
    int exprCount_ = 0;
};

namespace {

void civil(int64_t days, int& y, unsigned& m, unsigned& d) {  // days since epoch -> y/m/d
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = static_cast<unsigned>(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = static_cast<int64_t>(yoe) + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yy + (m <= 2));
}
int64_t daysFromCivil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = static_cast<unsigned>(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kDay = 86400000;

// Date macros (PocketBase tools/search/identifier_macros.go). Integer macros are json::Raw so they bind as INTEGER, not REAL.
bool macroValue(const std::string& name, json::Value& out) {
    int64_t now = timeutil::nowMillis();
    int64_t days = now >= 0 ? now / kDay : (now - kDay + 1) / kDay;
    int y;
    unsigned m, d;
    civil(days, y, m, d);
    auto date = [](int64_t ms) { return json::Value(timeutil::formatMillis(ms)); };
    auto integer = [](int64_t v) { return json::Value(json::Raw{std::to_string(v)}); };
    int64_t msOfDay = now - days * kDay;
    if (name == "@now") out = date(now);
    else if (name == "@yesterday") out = date(now - kDay);
    else if (name == "@tomorrow") out = date(now + kDay);
    else if (name == "@todayStart") out = date(days * kDay);
    else if (name == "@todayEnd") out = date(days * kDay + kDay - 1);
    else if (name == "@monthStart") out = date(daysFromCivil(y, m, 1) * kDay);
    else if (name == "@monthEnd") out = date((m == 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1)) * kDay - 1);
    else if (name == "@yearStart") out = date(daysFromCivil(y, 1, 1) * kDay);
    else if (name == "@yearEnd") out = date(daysFromCivil(y + 1, 1, 1) * kDay - 1);
    else if (name == "@second") out = integer((msOfDay / 1000) % 60);
    else if (name == "@minute") out = integer((msOfDay / 60000) % 60);
    else if (name == "@hour") out = integer(msOfDay / 3600000);
    else if (name == "@day") out = integer(d);
    else if (name == "@month") out = integer(m);
    else if (name == "@weekday") out = integer(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
    else if (name == "@year") out = integer(y);
    else return false;
    return true;
}

}  // namespace

ResolverResult Builder::resolveOperand(const Operand& o, bool inFunction) {
    switch (o.kind) {
        case Operand::Kind::Text: return ResolverResult{"?", {json::Value(o.literal)}, NullFallback::Auto, nullptr, nullptr};
        case Operand::Kind::Number:
            return ResolverResult{"?", {json::Value(std::strtod(o.literal.c_str(), nullptr))}, NullFallback::Auto, nullptr, nullptr};
        case Operand::Kind::Function: return resolveFunction(o);
        case Operand::Kind::Identifier: break;
    }
    json::Value mv;
    if (macroValue(o.literal, mv)) return ResolverResult{"?", {mv}, NullFallback::Auto, nullptr, nullptr};
    if (str::startsWith(o.literal, "@request.body.") && str::endsWith(o.literal, ":changed"))
        return resolveChanged(o.literal);
    try {
        ResolverResult res = r_.resolve(o.literal);
        if (!res.identifier.empty()) return res;
    } catch (const FilterError&) {
        std::string l = str::lower(o.literal);
        if (l == "null") return ResolverResult{"NULL", {}, NullFallback::Auto, nullptr, nullptr};
        if (l == "true") return ResolverResult{"1", {}, NullFallback::Auto, nullptr, nullptr};
        if (l == "false") return ResolverResult{"0", {}, NullFallback::Auto, nullptr, nullptr};
        throw;
    }
    (void)inFunction;
    throw FilterError("failed to resolve \"" + o.literal + "\"");
}

// @request.body.f:changed  ==  (@request.body.f:isset = true && @request.body.f != f)
ResolverResult Builder::resolveChanged(const std::string& ident) {
    auto props = str::split(ident, '.');
    if (props.size() != 3) throw FilterError("invalid :changed field \"" + ident + "\"");
    std::string name = props[2].substr(0, props[2].size() - std::string(":changed").size());
    if (!findField(r_.baseCollection(), name)) throw FilterError("unknown :changed field \"" + name + "\"");
    std::string expr = "@request.body." + name + ":isset = true && @request.body." + name + " != " + name;
    std::vector<ExprGroup> groups = parse(expr);
    SqlFrag f = buildGroups(groups);
    return ResolverResult{f.sql, f.params, NullFallback::Disabled, nullptr, nullptr};
}

ResolverResult Builder::resolveFunction(const Operand& o) {
    if (o.literal == "geoDistance") {
        if (o.args.size() != 4) throw FilterError("geoDistance expects 4 arguments");
        std::vector<SqlFrag> a;
        for (const auto& arg : o.args) {
            if (arg.kind != Operand::Kind::Identifier && arg.kind != Operand::Kind::Number)
                throw FilterError("geoDistance arguments must be identifiers or numbers");
            a.push_back(frag(resolveOperand(arg, true)));
        }
        // lonA=0 latA=1 lonB=2 latB=3
        SqlFrag f = tmpl("(6371 * acos(cos(radians({1})) * cos(radians({3})) * cos(radians({2}) - radians({0})) + "
                         "sin(radians({1})) * sin(radians({3}))))",
                         {&a[0], &a[1], &a[2], &a[3]});
        return ResolverResult{f.sql, f.params, NullFallback::Disabled, nullptr, nullptr};
    }
    if (o.literal == "strftime") {
        if (o.args.empty() || o.args.size() > 10) throw FilterError("strftime expects 1 to 10 arguments");
        if (o.args[0].kind != Operand::Kind::Text) throw FilterError("strftime format must be a text");
        for (size_t i = 2; i < o.args.size(); ++i)
            if (o.args[i].kind != Operand::Kind::Text) throw FilterError("strftime modifiers must be texts");
        SqlFrag fmt{"?", {json::Value(o.args[0].literal)}};
        std::vector<SqlFrag> mods;
        for (size_t i = 2; i < o.args.size(); ++i) mods.push_back(SqlFrag{"?", {json::Value(o.args[i].literal)}});
        auto assemble = [&](const SqlFrag* time) {
            SqlFrag out{"strftime(" + fmt.sql, fmt.params};
            auto add = [&](const SqlFrag& f) {
                out.sql += ", " + f.sql;
                out.params.insert(out.params.end(), f.params.begin(), f.params.end());
            };
            if (time) add(*time);
            for (const auto& m : mods) add(m);
            out.sql += ")";
            return out;
        };
        ResolverResult res;
        res.nullFallback = NullFallback::Enforced;
        if (o.args.size() == 1) {
            SqlFrag f = assemble(nullptr);
            res.identifier = f.sql;
            res.params = f.params;
            return res;
        }
        ResolverResult t = resolveOperand(o.args[1], true);
        SqlFrag tf = frag(t);
        SqlFrag f = assemble(&tf);
        res.identifier = f.sql;
        res.params = f.params;
        if (t.multiMatch) {
            auto mm = std::make_shared<MultiMatch>(*t.multiMatch);
            SqlFrag v{mm->valueIdentifier, mm->valueParams};
            SqlFrag w = assemble(&v);
            mm->valueIdentifier = w.sql;
            mm->valueParams = w.params;
            res.multiMatch = mm;
        }
        return res;
    }
    throw FilterError("unknown function \"" + o.literal + "\"");
}

SqlFrag buildFilter(std::string_view expr, RecordFieldResolver& resolver) {
    std::vector<ExprGroup> groups = parse(expr);
    Builder b(resolver);
    SqlFrag f = b.buildGroups(groups);
    if (f.sql.empty()) throw FilterError("empty filter expression");
    return f;
}

}  // namespace filter

// ---------------------------------------------------------------------------------------------

std::string CompiledFilter::joinSql() const { return str::join(joins, " "); }

void checkSuperuserOnlyRuleFields(std::string_view text, const RequestInfo& info) {
    if (info.isSuperuser()) return;
    for (const char* f : {"@collection.", "@request."}) {
        if (text.find(f) != std::string_view::npos)
            throw forbidden(std::string("Only superusers can filter by ") + f);
    }
}

CompiledFilter finishCompiled(SqlFrag where, const RecordFieldResolver& r) {
    CompiledFilter out;
    out.where = std::move(where.sql);
    out.params = std::move(where.params);
    for (const auto& c : r.listRuleClauses()) {
        out.where = "(" + out.where + ") AND " + c.sql;
        out.params.insert(out.params.end(), c.params.begin(), c.params.end());
    }
    for (const auto& j : r.joins()) {
        out.joins.push_back(j.sql());
        out.joinParams.insert(out.joinParams.end(), j.params.begin(), j.params.end());
    }
    out.distinct = !out.joins.empty();
    return out;
}

CompiledFilter compileFilter(std::string_view expr, const schema::Collection& collection,
                             const CollectionFinder& finder, const RequestInfo& info, bool allowHidden) {
    if (!allowHidden) checkSuperuserOnlyRuleFields(expr, info);
    if (expr.size() > kMaxFilterLength) throw badRequest();
    try {
        RecordFieldResolver r(collection, finder, info, allowHidden);
        SqlFrag f = filter::buildFilter(expr, r);
        return finishCompiled(std::move(f), r);
    } catch (const filter::FilterError&) {
        throw badRequest();
    }
}

}  // namespace pb::records
