// `pbplug list` and `pbplug reload NAME...`: talk to a running server's plugin admin API as a
// superuser (see docs/plugin-abi.md, "Admin endpoints").
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pbplug.hpp"

namespace pbplug {

namespace {

std::string env_or(const char* name, const std::string& def) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : def;
}

std::string json_quote(const std::string& s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
    return sb.GetString();
}

std::string str_member(const rapidjson::Value& v, const char* key) {
    if (!v.IsObject()) return {};
    auto it = v.FindMember(key);
    if (it == v.MemberEnd()) return {};
    if (it->value.IsString()) return it->value.GetString();
    if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
    if (it->value.IsNumber()) return std::to_string(it->value.GetDouble());
    if (it->value.IsBool()) return it->value.GetBool() ? "true" : "false";
    return {};
}

// Prints the envelope's message of an error response, or the raw body.
void print_error(const HttpResponse& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    std::string msg = d.HasParseError() ? r.body : str_member(d, "message");
    std::cerr << "server answered " << r.status << ": " << msg << "\n";
    if (!d.HasParseError() && d.IsObject() && d.HasMember("data") && d["data"].IsObject() &&
        d["data"].MemberCount() > 0) {
        rapidjson::StringBuffer sb;
        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
        d["data"].Accept(w);
        std::cerr << "  data: " << sb.GetString() << "\n";
    }
}

struct Session {
    std::string url;
    std::string token;
};

// Resolves the URL and a superuser token: --token/$PB_TOKEN, or password auth.
Session login(const Args& args) {
    Session s;
    s.url = args.get("url").value_or(env_or("PB_URL", "http://127.0.0.1:8090"));
    s.token = args.get("token").value_or(env_or("PB_TOKEN", ""));
    if (!s.token.empty()) return s;
    std::string email = args.get("email").value_or(env_or("PB_EMAIL", ""));
    std::string password = args.get("password").value_or(env_or("PB_PASSWORD", ""));
    if (email.empty() || password.empty())
        throw std::runtime_error("superuser credentials needed: --email E --password P (or $PB_EMAIL/$PB_PASSWORD, "
                                 "or --token T)");
    std::string body = "{\"identity\":" + json_quote(email) + ",\"password\":" + json_quote(password) + "}";
    HttpResponse r = http_request(s.url, "POST", "/api/collections/_superusers/auth-with-password",
                                  {{"Content-Type", "application/json"}}, body);
    if (r.status != 200) {
        print_error(r);
        throw std::runtime_error("superuser authentication failed");
    }
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    s.token = d.HasParseError() ? "" : str_member(d, "token");
    if (s.token.empty()) throw std::runtime_error("auth response has no token");
    return s;
}

}  // namespace

int cmd_list(const Args& args) {
    Session s = login(args);
    HttpResponse r = http_request(s.url, "GET", "/api/plugins", {{"Authorization", s.token}}, "");
    if (r.status != 200) {
        print_error(r);
        return 1;
    }
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    const rapidjson::Value* items = nullptr;
    if (!d.HasParseError() && d.IsObject() && d.HasMember("items") && d["items"].IsArray()) items = &d["items"];
    else if (!d.HasParseError() && d.IsArray()) items = &d;
    if (!items) {
        std::cout << r.body << "\n";
        return 0;
    }
    if (args.flag("json")) {
        std::cout << r.body << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(20) << "NAME" << std::setw(10) << "VERSION" << std::setw(6) << "ABI"
              << std::setw(5) << "GEN" << std::setw(10) << "STATE" << "ERROR\n";
    for (const auto& it : items->GetArray()) {
        std::cout << std::left << std::setw(20) << str_member(it, "name") << std::setw(10) << str_member(it, "version")
                  << std::setw(6) << str_member(it, "abi") << std::setw(5) << str_member(it, "generation")
                  << std::setw(10) << str_member(it, "state") << str_member(it, "error") << "\n";
    }
    return 0;
}

int cmd_reload(const Args& args) {
    if (args.positional.empty()) {
        std::cerr << "usage: pbplug reload NAME... [--url URL] [--email E --password P | --token T]\n";
        return 2;
    }
    for (const auto& name : args.positional) {
        if (!valid_plugin_name(name)) {
            std::cerr << "pbplug reload: bad plugin name '" << name << "'\n";
            return 2;
        }
    }
    Session s = login(args);
    int rc = 0;
    for (const auto& name : args.positional) {
        HttpResponse r = http_request(s.url, "POST", "/api/plugins/" + name + "/reload",
                                      {{"Authorization", s.token}, {"Content-Type", "application/json"}}, "{}");
        if (r.status == 200) {
            rapidjson::Document d;
            d.Parse(r.body.c_str());
            std::cout << "reloaded " << name;
            if (!d.HasParseError() && d.IsObject()) {
                std::string v = str_member(d, "version"), g = str_member(d, "generation");
                if (!v.empty()) std::cout << " " << v;
                if (!g.empty()) std::cout << " (generation " << g << ")";
            }
            std::cout << "\n";
        } else {
            std::cerr << "reload " << name << " failed: ";
            print_error(r);
            rc = 1;
        }
    }
    return rc;
}

}  // namespace pbplug
