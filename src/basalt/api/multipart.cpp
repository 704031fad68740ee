// Incremental multipart/form-data parser (see multipart.hpp).
#include "basalt/api/multipart.hpp"

#include "basalt/base/strings.hpp"

namespace basalt::api {

namespace {

constexpr std::string_view kBadBody = "Failed to read the submitted data.";
constexpr std::size_t kMaxPreamble = 64 * 1024;
constexpr std::size_t kMaxPadding = 256;  // whitespace allowed after a delimiter

}  // namespace

std::string_view HeaderParam(std::string_view header, std::string_view name) {
    std::size_t pos = 0;
    while (pos < header.size()) {
        const std::size_t semi = header.find(';', pos);
        const std::string_view part =
            Trim(header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
        const std::size_t eq = part.find('=');
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

MultipartParser::MultipartParser(std::string_view boundary)
    : dash_boundary_("--" + std::string(boundary)), delimiter_("\r\n" + dash_boundary_) {}

void MultipartParser::Feed(std::string_view input) {
    if (pos_ > 0 && (pos_ == buf_.size() || pos_ >= buf_.size() / 2)) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    buf_.append(input);
    data_ = {};
}

Result<MultipartParser::Event> MultipartParser::NeedMore() {
    if (eof_) {
        return InvalidArgument(std::string(kBadBody));
    }
    return Event::kNeedMore;
}

Status MultipartParser::ParseHeaders(std::string_view headers) {
    part_ = Part{};
    for (std::string_view line : Split(headers, '\n')) {
        line = Trim(line);
        if (line.empty()) {
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return InvalidArgument(std::string(kBadBody));
        }
        const std::string_view name = Trim(line.substr(0, colon));
        const std::string_view value = Trim(line.substr(colon + 1));
        if (IEquals(name, "Content-Disposition")) {
            part_.name = std::string(HeaderParam(value, "name"));
            part_.filename = std::string(HeaderParam(value, "filename"));
        } else if (IEquals(name, "Content-Type")) {
            part_.content_type = std::string(value);
        }
    }
    return Ok();
}

Result<MultipartParser::Event> MultipartParser::Next() {
    data_ = {};
    const std::string_view in(buf_);
    switch (state_) {
        case State::kPreamble: {
            // The first delimiter may follow a preamble; it starts the body or a line.
            std::size_t from = pos_;
            for (;;) {
                const std::size_t at = in.find(dash_boundary_, from);
                if (at == std::string_view::npos) {
                    // Keep only what could be the start of the delimiter.
                    if (in.size() - pos_ > kMaxPreamble) {
                        return InvalidArgument(std::string(kBadBody));
                    }
                    return NeedMore();
                }
                if (at == 0 || in[at - 1] == '\n') {
                    pos_ = at + dash_boundary_.size();
                    state_ = State::kAfterDelimiter;
                    return Next();
                }
                from = at + 1;
            }
        }
        case State::kAfterDelimiter: {
            const std::string_view rest = in.substr(pos_);
            if (rest.size() < 2) {
                return NeedMore();
            }
            if (rest.substr(0, 2) == "--") {
                state_ = State::kDone;
                pos_ = buf_.size();
                return Event::kDone;
            }
            // transport padding (spaces, tabs), then CRLF
            const std::size_t nl = rest.find("\r\n");
            if (nl == std::string_view::npos) {
                if (rest.size() > kMaxPadding || rest.find_first_not_of(" \t\r") != std::string_view::npos) {
                    return InvalidArgument(std::string(kBadBody));
                }
                return NeedMore();
            }
            if (rest.substr(0, nl).find_first_not_of(" \t") != std::string_view::npos) {
                return InvalidArgument(std::string(kBadBody));
            }
            pos_ += nl + 2;
            state_ = State::kHeaders;
            return Next();
        }
        case State::kHeaders: {
            const std::string_view rest = in.substr(pos_);
            std::size_t end = std::string_view::npos;
            std::size_t skip = 0;
            if (rest.substr(0, 2) == "\r\n") {  // no header at all
                end = 0;
                skip = 2;
            } else if (const auto at = rest.find("\r\n\r\n"); at != std::string_view::npos) {
                end = at;
                skip = at + 4;
            }
            if (end == std::string_view::npos) {
                if (rest.size() > kMaxPartHeader + 4) {
                    return InvalidArgument(std::string(kBadBody));
                }
                return NeedMore();
            }
            if (end > kMaxPartHeader) {
                return InvalidArgument(std::string(kBadBody));
            }
            BASALT_RETURN_IF_ERROR(ParseHeaders(rest.substr(0, end)));
            pos_ += skip;
            state_ = State::kBody;
            return Event::kPartBegin;
        }
        case State::kBody: {
            const std::string_view rest = in.substr(pos_);
            // "\r\n--boundary" ends the part only when "--", whitespace or a line end follows
            // (as Go reads it); otherwise it is data.
            for (std::size_t from = 0;;) {
                const std::size_t at = rest.find(delimiter_, from);
                if (at == std::string_view::npos) {
                    break;
                }
                const std::string_view after = rest.substr(at + delimiter_.size());
                const bool undecided = after.empty() || after == "-";
                const bool ends = !undecided && (after.substr(0, 2) == "--" || after[0] == ' ' ||
                                                 after[0] == '\t' || after[0] == '\r' || after[0] == '\n');
                if (undecided || ends) {
                    if (at > 0) {
                        data_ = rest.substr(0, at);
                        pos_ += at;
                        return Event::kData;
                    }
                    if (undecided) {
                        return NeedMore();
                    }
                    pos_ += delimiter_.size();
                    state_ = State::kAfterDelimiter;
                    return Event::kPartEnd;
                }
                from = at + 1;
            }
            // A delimiter split across inputs can only be in the last delimiter_.size() - 1 bytes.
            const std::size_t safe = rest.size() >= delimiter_.size() ? rest.size() - (delimiter_.size() - 1) : 0;
            if (safe == 0) {
                return NeedMore();
            }
            data_ = rest.substr(0, safe);
            pos_ += safe;
            return Event::kData;
        }
        case State::kDone: return Event::kDone;
    }
    return InvalidArgument(std::string(kBadBody));
}

}  // namespace basalt::api
