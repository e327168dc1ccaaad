// validate_posts: validates and normalises "posts" records before they are written.
//  - trims the title and collapses inner runs of whitespace;
//  - rejects an empty title with 400 {"title":{"code":"validation_required",...}};
//  - rejects a title longer than maxTitleLength (config, default 200);
//  - fills an empty "slug" field from the title when the collection has one.
// Runs on RECORD_CREATE and RECORD_UPDATE, i.e. inside the write transaction, before the
// core's validation and the INSERT/UPDATE (which run when the handler continues).
#include <pb/plugin.hpp>

#include <cctype>
#include <string>

namespace {

std::string normalise(std::string_view in) {
    std::string out;
    bool space = false;
    for (char c : in) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string slugify(std::string_view title) {
    std::string s;
    for (char c : title) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) {
            s += static_cast<char>(std::tolower(u));
        } else if (!s.empty() && s.back() != '-') {
            s += '-';
        }
    }
    while (!s.empty() && s.back() == '-') s.pop_back();
    return s;
}

class ValidatePosts final : public pb::Plugin {
public:
    void init(pb::Registrar& reg) override {
        if (auto cfg = pb::config()) {
            if (auto v = pb::json::member(*cfg, "maxTitleLength")) {
                if (auto n = pb::json::as_number(*v); n && *n > 0) max_len_ = static_cast<size_t>(*n);
            }
        }
        auto check = [this](pb::RecordEvent& e) { return validate(e); };
        reg.on_record_create("posts", check);
        reg.on_record_update("posts", check);
        pb::log_info("validate_posts ready (maxTitleLength=" + std::to_string(max_len_) + ")");
    }

private:
    pb_status validate(pb::RecordEvent& e) const {
        pb::Record rec = e.record();
        std::string title = normalise(rec.text("title"));
        if (title.empty()) throw pb::Error::validation("title", "validation_required", "Cannot be blank.");
        if (title.size() > max_len_) {
            throw pb::Error::validation("title", "validation_max_text_constraint",
                                        "Must be no more than " + std::to_string(max_len_) + " character(s).");
        }
        rec.set("title", title);
        // Optional slug field: only when the collection has it (NOT_FOUND otherwise).
        pb_str slug{};
        if (pb::api().record_get_text(e.raw_call(), rec.raw(), "slug", 4, &slug) == PB_OK && slug.len == 0)
            rec.set("slug", slugify(title));
        // Explicit continue: run the core validation and the write now, and pass on its status.
        return e.next();
    }

    size_t max_len_ = 200;
};

}  // namespace

PB_PLUGIN(ValidatePosts, "validate_posts", "1.0.0", "Trims and validates post titles")
