// Body decoding.
#include "basalt/api/body.hpp"

#include <charconv>

#include <boost/url/parse_query.hpp>

#include "basalt/base/json.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::api {

namespace {

constexpr std::string_view kJsonPayload = "@jsonPayload";
constexpr std::size_t kMaxJsonDepth = 64;

void AddFormValue(boost::json::object& out, std::string_view key, boost::json::value v) {
    auto it = out.find(key);
    if (it == out.end()) {
        out[key] = std::move(v);
        return;
    }
    if (it->value().is_array()) {
        it->value().get_array().push_back(std::move(v));
        return;
    }
    boost::json::array arr;
    arr.push_back(std::move(it->value()));
    arr.push_back(std::move(v));
    it->value() = std::move(arr);
}

/// Applies the collected @jsonPayload documents on top of the form data.
Status MergeJsonPayloads(boost::json::object& data, const std::vector<std::string>& payloads) {
    for (const auto& p : payloads) {
        auto v = json::Parse(p, kMaxJsonDepth);
        if (!v || !v->is_object()) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        for (auto& kv : v->get_object()) {
            data[kv.key()] = std::move(kv.value());
        }
    }
    return Ok();
}

std::string_view HeaderParam(std::string_view header, std::string_view name) {
    // finds name="value" or name=value in a header like Content-Disposition / Content-Type
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t semi = header.find(';', pos);
        std::string_view part = Trim(header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
        std::size_t eq = part.find('=');
        if (eq != std::string_view::npos && IEquals(Trim(part.substr(0, eq)), name)) {
            std::string_view v = Trim(part.substr(eq + 1));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
                v = v.substr(1, v.size() - 2);
            }
            return v;
        }
        if (semi == std::string_view::npos) {
            break;
        }
        pos = semi + 1;
    }
    return {};
}

}  // namespace

boost::json::value InferFormValue(std::string_view s) {
    if (s.empty()) {
        return boost::json::value("");
    }
    if (s == "true") {
        return true;
    }
    if (s == "false") {
        return false;
    }
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') {
        double d = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (ec == std::errc() && p == s.data() + s.size()) {
            std::string shortest;
            json::WriteDouble(shortest, d);
            if (shortest == s) {
                return d;
            }
        }
    }
    return boost::json::value(s);
}

Result<Body> ParseMultipart(std::string_view body, std::string_view boundary) {
    if (boundary.empty() || boundary.size() > 200) {
        return InvalidArgument("Failed to read the submitted data.");
    }
    Body out;
    std::vector<std::string> payloads;
    const std::string delim = "--" + std::string(boundary);
    std::size_t pos = body.find(delim);
    if (pos == std::string_view::npos) {
        return InvalidArgument("Failed to read the submitted data.");
    }
    pos += delim.size();
    while (true) {
        if (body.substr(pos, 2) == "--") {
            break;  // closing delimiter
        }
        if (body.substr(pos, 2) != "\r\n") {
            return InvalidArgument("Failed to read the submitted data.");
        }
        pos += 2;
        std::size_t hdr_end = body.find("\r\n\r\n", pos);
        if (hdr_end == std::string_view::npos) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        std::string_view headers = body.substr(pos, hdr_end - pos);
        std::size_t data_start = hdr_end + 4;
        std::size_t next = body.find("\r\n" + delim, data_start);
        if (next == std::string_view::npos) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        std::string_view data = body.substr(data_start, next - data_start);
        std::string_view disposition;
        std::string_view ctype;
        for (auto line : Split(headers, '\n')) {
            line = Trim(line);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) {
                continue;
            }
            std::string_view name = Trim(line.substr(0, colon));
            std::string_view value = Trim(line.substr(colon + 1));
            if (IEquals(name, "Content-Disposition")) {
                disposition = value;
            } else if (IEquals(name, "Content-Type")) {
                ctype = value;
            }
        }
        std::string_view field = HeaderParam(disposition, "name");
        if (field.empty()) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        std::string_view filename = HeaderParam(disposition, "filename");
        // Go's multipart reader: a part is a file only with a non-empty filename (an empty file
        // input arrives as a plain value), and only the filename's last path element is kept.
        if (auto slash = filename.rfind('/'); slash != std::string_view::npos && slash + 1 < filename.size()) {
            filename.remove_prefix(slash + 1);
        }
        if (!filename.empty()) {
            out.files.push_back({std::string(field), std::string(filename), std::string(ctype), std::string(data)});
        } else if (field == kJsonPayload) {
            payloads.emplace_back(data);
        } else {
            AddFormValue(out.data, field, InferFormValue(data));
        }
        pos = next + 2 + delim.size();
    }
    BASALT_RETURN_IF_ERROR(MergeJsonPayloads(out.data, payloads));
    return out;
}

Result<Body> ParseBody(const http::Request& req) {
    Body out;
    if (req.body.empty()) {
        return out;
    }
    std::string_view ctype = req.Header("Content-Type");
    if (StartsWithI(ctype, "application/json")) {
        auto v = json::Parse(req.body, kMaxJsonDepth);
        if (!v) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        if (v->is_null()) {
            return out;
        }
        if (!v->is_object()) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        out.data = std::move(v->get_object());
        return out;
    }
    if (StartsWithI(ctype, "multipart/form-data")) {
        return ParseMultipart(req.body, HeaderParam(ctype, "boundary"));
    }
    if (StartsWithI(ctype, "application/x-www-form-urlencoded")) {
        auto params = boost::urls::parse_query(req.body);
        if (!params) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        std::vector<std::string> payloads;
        boost::urls::encoding_opts opts;
        opts.space_as_plus = true;
        for (auto p : *params) {
            std::string key = p.key.decode(opts);
            std::string value = p.has_value ? p.value.decode(opts) : std::string();
            if (key == kJsonPayload) {
                payloads.push_back(std::move(value));
            } else {
                AddFormValue(out.data, key, InferFormValue(value));
            }
        }
        BASALT_RETURN_IF_ERROR(MergeJsonPayloads(out.data, payloads));
        return out;
    }
    return InvalidArgument("Unsupported Content-Type.");
}

}  // namespace basalt::api
