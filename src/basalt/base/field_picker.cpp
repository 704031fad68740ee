// The `fields` picker and the HTML excerpt.
#include "basalt/base/field_picker.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/strings.hpp"

namespace basalt::json {

namespace {

/// Splits on commas outside parentheses (excerpt args contain commas).
std::vector<std::string_view> SplitFields(std::string_view s) {
    std::vector<std::string_view> out;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '(') {
            ++depth;
        } else if (s[i] == ')') {
            --depth;
        } else if (s[i] == ',' && depth <= 0) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(s.substr(start));
    return out;
}

std::size_t Utf8Len(unsigned char c) {
    if (c < 0x80) {
        return 1;
    }
    if ((c >> 5) == 0x6) {
        return 2;
    }
    if ((c >> 4) == 0xE) {
        return 3;
    }
    if ((c >> 3) == 0x1E) {
        return 4;
    }
    return 1;
}

}  // namespace

std::optional<FieldPicker::Modifier> FieldPicker::ParseModifier(std::string_view m) {
    // excerpt(200,true)
    if (!m.starts_with("excerpt(") || !m.ends_with(")")) {
        return std::nullopt;
    }
    std::string_view args = m.substr(8, m.size() - 9);
    auto parts = Split(args, ',');
    Modifier mod;
    std::int64_t n = 0;
    if (parts.empty() || !ParseInt64(Trim(parts[0]), n) || n < 0) {
        return std::nullopt;
    }
    mod.max = static_cast<std::size_t>(n);
    if (parts.size() > 1) {
        bool b = false;
        if (ParseGoBool(Trim(parts[1]), b)) {
            mod.ellipsis = b;
        }
    }
    return mod;
}

void FieldPicker::AddPath(std::string_view path) {
    path = Trim(path);
    if (path.empty()) {
        return;
    }
    std::optional<Modifier> mod;
    if (auto colon = path.find(':'); colon != std::string_view::npos) {
        mod = ParseModifier(path.substr(colon + 1));
        path = path.substr(0, colon);
    }
    FieldPicker* n = this;
    for (auto seg : Split(path, '.')) {
        auto it = n->children_.find(seg);
        if (it == n->children_.end()) {
            it = n->children_.emplace(std::string(seg), std::make_unique<FieldPicker>()).first;
        }
        n = it->second.get();
    }
    if (mod) {
        n->modifier_ = mod;
    }
}

FieldPicker FieldPicker::Parse(std::string_view fields) {
    FieldPicker root;
    fields = Trim(fields);
    root.source_ = fields;
    if (fields.empty()) {
        return root;
    }
    for (auto p : SplitFields(fields)) {
        root.AddPath(p);
    }
    return root;
}

const FieldPicker* FieldPicker::Child(std::string_view key) const {
    if (auto it = children_.find(key); it != children_.end()) {
        return it->second.get();
    }
    if (auto it = children_.find("*"); it != children_.end()) {
        return it->second.get();
    }
    return nullptr;
}

void FieldPicker::ApplyAsChild(boost::json::value& v) const {
    Pick(v);
    if (modifier_ && v.is_string()) {
        v = Excerpt(v.get_string(), modifier_->max, modifier_->ellipsis);
    }
}

void FieldPicker::Pick(boost::json::value& v) const {
    if (v.is_array()) {
        for (auto& e : v.get_array()) {
            Pick(e);
        }
        return;
    }
    if (!v.is_object() || children_.empty()) {
        return;
    }
    auto& o = v.get_object();
    std::vector<std::pair<std::string, boost::json::value>> kept;
    for (auto& kv : o) {
        const FieldPicker* child = Child(kv.key());
        if (child == nullptr) {
            continue;
        }
        boost::json::value val = std::move(kv.value());
        child->ApplyAsChild(val);
        kept.emplace_back(std::string(kv.key()), std::move(val));
    }
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    boost::json::object out;
    out.reserve(kept.size());
    for (auto& [k, val] : kept) {
        out.emplace(k, std::move(val));
    }
    o = std::move(out);
}

std::string Excerpt(std::string_view html, std::size_t max, bool ellipsis) {
    static constexpr std::string_view kSkip[] = {"script", "style", "img", "video", "audio", "iframe",
                                                  "object", "svg", "noscript", "head", "template"};
    std::string text;
    std::size_t i = 0;
    std::string skip_until;  // closing tag name of a skipped subtree
    bool pending_space = false;
    while (i < html.size()) {
        char c = html[i];
        if (c == '<') {
            std::size_t end = html.find('>', i);
            if (end == std::string_view::npos) {
                break;
            }
            std::string_view tag = html.substr(i + 1, end - i - 1);
            bool closing = !tag.empty() && tag[0] == '/';
            if (closing) {
                tag.remove_prefix(1);
            }
            std::size_t name_end = tag.find_first_of(" \t\n/>");
            std::string name = ToLower(tag.substr(0, name_end));
            if (!skip_until.empty()) {
                if (closing && name == skip_until) {
                    skip_until.clear();
                }
            } else if (!closing) {
                for (auto s : kSkip) {
                    if (name == s && !tag.ends_with("/") && name != "img") {
                        skip_until = name;
                    }
                }
            }
            pending_space = true;  // block and inline elements alike separate words
            i = end + 1;
            continue;
        }
        if (!skip_until.empty()) {
            ++i;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            pending_space = true;
            ++i;
            continue;
        }
        if (pending_space && !text.empty()) {
            text.push_back(' ');
        }
        pending_space = false;
        text.push_back(c);
        ++i;
    }
    // truncate by code points
    std::size_t count = 0;
    std::size_t pos = 0;
    while (pos < text.size() && count < max) {
        pos += Utf8Len(static_cast<unsigned char>(text[pos]));
        ++count;
    }
    if (pos >= text.size()) {
        return std::string(Trim(text));
    }
    std::string out(Trim(std::string_view(text).substr(0, pos)));
    if (ellipsis) {
        out += "...";
    }
    return out;
}

}  // namespace basalt::json
