// Body decoding.
#include "basalt/api/body.hpp"

#include <charconv>

#include <boost/url/parse_query.hpp>

#include "basalt/api/multipart.hpp"
#include "basalt/base/json.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::api {

namespace {

constexpr std::string_view kJsonPayload = "@jsonPayload";
/// Go's mime/multipart refuses forms of more than 1000 parts (GODEBUG multipartmaxparts).
constexpr std::size_t kMaxFormParts = 1000;
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

/// Go's multipart reader keeps only a filename's last path element.
std::string_view BaseName(std::string_view filename) {
    if (auto slash = filename.rfind('/'); slash != std::string_view::npos && slash + 1 < filename.size()) {
        filename.remove_prefix(slash + 1);
    }
    return filename;
}

/// Collects the text parts of a form: plain values (type-inferred, repeated keys -> arrays) and
/// @jsonPayload documents merged on top at the end.
class FormFields {
public:
    void Add(std::string_view name, std::string_view value) {
        if (name == kJsonPayload) {
            payloads_.emplace_back(value);
        } else {
            AddFormValue(data_, name, InferFormValue(value));
        }
    }

    Result<boost::json::object> Finish() {
        BASALT_RETURN_IF_ERROR(MergeJsonPayloads(data_, payloads_));
        return std::move(data_);
    }

private:
    boost::json::object data_;
    std::vector<std::string> payloads_;
};

Status CheckBoundary(std::string_view boundary) {
    if (boundary.empty() || boundary.size() > 200) {
        return InvalidArgument("Failed to read the submitted data.");
    }
    return Ok();
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
    BASALT_RETURN_IF_ERROR(CheckBoundary(boundary));
    MultipartParser parser(boundary);
    parser.Feed(body);
    parser.FinishInput();
    Body out;
    FormFields fields;
    std::string value;
    std::size_t parts = 0;
    for (;;) {
        BASALT_TRY(auto ev, parser.Next());
        if (ev == MultipartParser::Event::kDone) {
            break;
        }
        switch (ev) {
            case MultipartParser::Event::kPartBegin:
                if (++parts > kMaxFormParts) {
                    return InvalidArgument("Failed to read the submitted data.");
                }
                value.clear();
                break;
            case MultipartParser::Event::kData: value.append(parser.data()); break;
            case MultipartParser::Event::kPartEnd: {
                const auto& part = parser.part();
                // Go's form reader: parts without a name are skipped; a part is a file only
                // with a non-empty filename (an empty file input arrives as a plain value).
                const std::string_view filename = BaseName(part.filename);
                if (part.name.empty()) {
                    break;
                }
                if (!filename.empty()) {
                    out.files.push_back({part.name, std::string(filename), part.content_type, std::move(value)});
                    value.clear();
                } else {
                    fields.Add(part.name, value);
                }
                break;
            }
            case MultipartParser::Event::kNeedMore:  // cannot happen after FinishInput
            case MultipartParser::Event::kDone: return InvalidArgument("Failed to read the submitted data.");
        }
    }
    BASALT_TRY(out.data, fields.Finish());
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

namespace {

Error BodyTooLarge() { return Error(ErrorCode::kPayloadTooLarge, "Request entity too large."); }

/// Reads the rest of a streamed body into `out` (the route's body limit bounds it).
net::awaitable<Status> ReadWhole(http::BodyReader& reader, std::string& out) {
    for (;;) {
        const http::BodyReader::Chunk chunk = co_await reader.Next();
        if (chunk.state == http::BodyReader::State::kEnd) {
            co_return Ok();
        }
        if (chunk.state != http::BodyReader::State::kData) {
            co_return InvalidArgument("Failed to read the submitted data.");  // answered by http
        }
        out.append(chunk.data);
    }
}

/// Stages in-memory file parts (a body that was not streamed).
net::awaitable<Result<std::vector<service::Upload>>> StageInMemory(std::vector<UploadedFile> files,
                                                                   service::FileService& service) {
    std::vector<service::Upload> out;
    for (auto& f : files) {
        std::unique_ptr<service::UploadWriter> w = service.BeginUpload(std::move(f.field), std::move(f.filename));
        const std::string_view data(f.data);
        BASALT_CO_RETURN_IF_ERROR(co_await w->Write(data));
        BASALT_CO_TRY(service::Upload up, co_await w->Finish());
        out.push_back(std::move(up));
    }
    co_return out;
}

/// Parses a streamed multipart body as it arrives (see ReadUploadBody).
net::awaitable<Result<UploadBody>> ReadMultipartStream(http::BodyReader& reader,
                                                       std::string_view boundary,
                                                       service::FileService& files) {
    BASALT_CO_RETURN_IF_ERROR(CheckBoundary(boundary));
    MultipartParser parser(boundary);
    UploadBody out;
    FormFields fields;
    std::string value;
    std::size_t text_bytes = 0;
    std::size_t parts = 0;
    std::unique_ptr<service::UploadWriter> file;  // the file part being received
    bool skip = false;                             // a part without a name
    for (;;) {
        BASALT_CO_TRY(auto ev, parser.Next());
        switch (ev) {
            case MultipartParser::Event::kNeedMore: {
                const http::BodyReader::Chunk chunk = co_await reader.Next();
                if (chunk.state == http::BodyReader::State::kData) {
                    parser.Feed(chunk.data);
                } else if (chunk.state == http::BodyReader::State::kEnd) {
                    parser.FinishInput();
                } else {
                    co_return InvalidArgument("Failed to read the submitted data.");  // answered by http
                }
                break;
            }
            case MultipartParser::Event::kPartBegin: {
                if (++parts > kMaxFormParts) {
                    co_return InvalidArgument("Failed to read the submitted data.");
                }
                const auto& part = parser.part();
                const std::string_view filename = BaseName(part.filename);
                skip = part.name.empty();
                value.clear();
                if (!skip && !filename.empty()) {
                    file = files.BeginUpload(part.name, std::string(filename));
                }
                break;
            }
            case MultipartParser::Event::kData: {
                const std::string_view data = parser.data();
                if (skip) {
                    break;
                }
                if (file) {
                    BASALT_CO_RETURN_IF_ERROR(co_await file->Write(data));
                    break;
                }
                text_bytes += data.size();
                if (text_bytes > kMaxFormTextBytes) {
                    co_return BodyTooLarge();
                }
                value.append(data);
                break;
            }
            case MultipartParser::Event::kPartEnd: {
                if (file) {
                    BASALT_CO_TRY(service::Upload up, co_await file->Finish());
                    out.uploads.push_back(std::move(up));
                    file.reset();
                } else if (!skip) {
                    fields.Add(parser.part().name, value);
                }
                break;
            }
            case MultipartParser::Event::kDone: {
                // Read the epilogue (if any) so the connection can serve the next request.
                std::string rest;
                BASALT_CO_RETURN_IF_ERROR(co_await ReadWhole(reader, rest));
                BASALT_CO_TRY(out.data, fields.Finish());
                co_return out;
            }
        }
    }
}

}  // namespace

net::awaitable<Result<UploadBody>> ReadUploadBody(http::Request& req, service::FileService& files) {
    const std::string_view ctype = req.Header("Content-Type");
    if (req.body_reader != nullptr && StartsWithI(ctype, "multipart/form-data")) {
        co_return co_await ReadMultipartStream(*req.body_reader, HeaderParam(ctype, "boundary"), files);
    }
    if (req.body_reader != nullptr) {
        BASALT_CO_RETURN_IF_ERROR(co_await ReadWhole(*req.body_reader, req.body));
    }
    BASALT_CO_TRY(Body body, ParseBody(req));
    UploadBody out;
    out.data = std::move(body.data);
    BASALT_CO_TRY(out.uploads, co_await StageInMemory(std::move(body.files), files));
    co_return out;
}

}  // namespace basalt::api
