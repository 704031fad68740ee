// /api/files handlers: protected-file tokens and downloads with PocketBase's headers, conditional
// requests and byte ranges as Go's http.ServeContent answers them, bodies sent from disk.
#include <array>
#include <ctime>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "basalt/api/internal_handlers.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/service/files.hpp"

namespace basalt::api::internal {

namespace {

constexpr std::string_view kFileCsp = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox";
constexpr std::string_view kFileCacheControl = "max-age=2592000, stale-while-revalidate=86400";

/// Types browsers may show inline (PocketBase's list); everything else is an attachment.
bool ServedInline(std::string_view content_type) {
    static constexpr std::array<std::string_view, 25> kInline = {
        "image/png",  "image/jpg",      "image/jpeg",      "image/gif",     "image/webp",
        "image/x-icon", "image/bmp",    "video/webm",      "video/mp4",     "video/3gpp",
        "video/quicktime", "video/x-ms-wmv", "audio/basic", "audio/aiff",   "audio/mpeg",
        "audio/midi", "audio/mp3",      "audio/wave",      "audio/wav",     "audio/x-wav",
        "audio/x-mpeg", "audio/x-m4a",  "audio/aac",       "application/pdf", "application/x-pdf"};
    const std::string_view essence = Trim(content_type.substr(0, content_type.find(';')));
    for (auto t : kInline) {
        if (IEquals(t, essence)) {
            return true;
        }
    }
    return false;
}

std::string HttpDate(std::int64_t unix) {
    std::time_t t = static_cast<std::time_t>(unix);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 64> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return {buf.data(), n};
}

std::optional<std::int64_t> ParseHttpDate(std::string_view s) {
    std::tm tm{};
    const std::string text(Trim(s));
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string ETagOf(const service::ServedFile& f) {
    return fmt::format("\"{:x}-{:x}\"", f.size, f.mtime_unix);
}

/// Go's scanETag: a `"..."` or `W/"..."` entity tag at the start of `s` (trimmed); empty when
/// there is none. `rest` receives what follows it.
std::string_view ScanETag(std::string_view s, std::string_view& rest) {
    s = Trim(s);
    const std::size_t start = s.substr(0, 2) == "W/" ? 2 : 0;
    if (s.size() < start + 2 || s[start] != '"') {
        return {};
    }
    for (std::size_t i = start + 1; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') {
            rest = s.substr(i + 1);
            return s.substr(0, i + 1);
        }
        if (!(c == 0x21 || (c >= 0x23 && c <= 0x7E) || c >= 0x80)) {
            return {};
        }
    }
    return {};
}

std::string_view WithoutWeak(std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; }

enum class Cond { kNone, kTrue, kFalse };

/// If-Match / If-None-Match list evaluation (Go's checkIfMatch / checkIfNoneMatch): kTrue when a
/// listed tag (or `*`) matches `etag` — strongly for If-Match, weakly for If-None-Match.
Cond MatchETagList(std::string_view list, std::string_view etag, bool strong) {
    if (list.empty()) {
        return Cond::kNone;
    }
    for (;;) {
        list = Trim(list);
        if (list.empty()) {
            break;
        }
        if (list.front() == ',') {
            list.remove_prefix(1);
            continue;
        }
        if (list.front() == '*') {
            return Cond::kTrue;
        }
        std::string_view rest;
        const std::string_view tag = ScanETag(list, rest);
        if (tag.empty()) {
            break;
        }
        if (strong ? (tag == etag && tag.front() == '"') : WithoutWeak(tag) == WithoutWeak(etag)) {
            return Cond::kTrue;
        }
        list = rest;
    }
    return Cond::kFalse;
}

/// Date precondition: kTrue when the file was not modified after the header's date.
Cond NotModifiedSince(std::string_view header, std::int64_t mtime) {
    if (header.empty() || mtime == 0) {
        return Cond::kNone;
    }
    const auto t = ParseHttpDate(header);
    if (!t) {
        return Cond::kNone;
    }
    return mtime <= *t ? Cond::kTrue : Cond::kFalse;
}

struct ByteRange {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
};

enum class RangeResult { kOk, kInvalid, kNoOverlap };

/// Go's parseRange (net/http/fs.go), which PocketBase serves files with: "bytes=" then
/// comma-separated `a-b`, `a-` and `-n` specs; ranges starting past the end are dropped (all of
/// them dropped: kNoOverlap); anything malformed makes the whole header kInvalid.
RangeResult ParseRanges(std::string_view header, std::uint64_t size, std::vector<ByteRange>& out) {
    out.clear();
    if (header.empty()) {
        return RangeResult::kOk;
    }
    constexpr std::string_view kPrefix = "bytes=";
    if (header.substr(0, kPrefix.size()) != kPrefix) {
        return RangeResult::kInvalid;
    }
    const auto isize = static_cast<std::int64_t>(size);
    bool no_overlap = false;
    for (std::string_view spec : Split(header.substr(kPrefix.size()), ',')) {
        spec = Trim(spec);
        if (spec.empty()) {
            continue;
        }
        const auto dash = spec.find('-');
        if (dash == std::string_view::npos) {
            return RangeResult::kInvalid;
        }
        const std::string_view a = Trim(spec.substr(0, dash));
        const std::string_view b = Trim(spec.substr(dash + 1));
        ByteRange r;
        if (a.empty()) {
            // suffix: the last n bytes ("-0" gives an empty range at the end, as in Go)
            std::int64_t n = 0;
            if (b.empty() || b.front() == '-' || !ParseInt64(b, n) || n < 0) {
                return RangeResult::kInvalid;
            }
            n = std::min(n, isize);
            r.start = static_cast<std::uint64_t>(isize - n);
            r.length = size - r.start;
        } else {
            std::int64_t first = 0;
            if (!ParseInt64(a, first) || first < 0) {
                return RangeResult::kInvalid;
            }
            if (first >= isize) {
                no_overlap = true;
                continue;
            }
            r.start = static_cast<std::uint64_t>(first);
            if (b.empty()) {
                r.length = size - r.start;
            } else {
                std::int64_t last = 0;
                if (!ParseInt64(b, last) || first > last) {
                    return RangeResult::kInvalid;
                }
                last = std::min(last, isize - 1);
                r.length = static_cast<std::uint64_t>(last - first + 1);
            }
        }
        out.push_back(r);
    }
    if (no_overlap && out.empty()) {
        return RangeResult::kNoOverlap;
    }
    return RangeResult::kOk;
}

std::string ContentRange(const ByteRange& r, std::uint64_t size) {
    // Go prints start+length-1 as a signed number: "-0" on an empty file end reads "bytes N-(N-1)/N"
    return fmt::format("bytes {}-{}/{}", r.start, static_cast<std::int64_t>(r.start + r.length) - 1, size);
}

/// http.ServeContent's plain-text error (also drops the validators meant for a success).
http::Response ServeError(http::Response res, unsigned status, std::string_view text) {
    res.status = status;
    res.content_type = "text/plain; charset=utf-8";
    res.body = std::string(text) + "\n";
    res.parts.clear();
    std::erase_if(res.headers, [](const auto& h) {
        return IEquals(h.first, "Cache-Control") || IEquals(h.first, "ETag") || IEquals(h.first, "Last-Modified");
    });
    return res;
}

/// The opened stored file as an http body source (sendfile from its descriptor when it has one).
class StoredBody final : public http::BodyFile {
public:
    StoredBody(service::FileService* files, std::shared_ptr<const service::FileContent> content)
        : files_(files), content_(std::move(content)) {}

    int NativeHandle() const override { return content_->NativeHandle(); }

    net::awaitable<Result<std::size_t>> ReadAt(std::uint64_t offset, std::span<char> out) override {
        std::shared_ptr<const service::FileContent> content = content_;
        co_return co_await files_->ReadContent(std::move(content), offset, out);
    }

private:
    service::FileService* files_;
    std::shared_ptr<const service::FileContent> content_;
};

}  // namespace

net::awaitable<http::Response> FileToken(Services* s, http::Request& req) {
    auto token = co_await s->files->NewFileToken(MakeCtx(req));
    if (!token) {
        co_return ErrorResponse(token.error());
    }
    boost::json::object out;
    out["token"] = *token;
    co_return JsonOk(req, std::move(out));
}

// Mirrors http.ServeContent as PocketBase calls it: preconditions (If-Match,
// If-Unmodified-Since -> 412; If-None-Match, If-Modified-Since -> 304; If-Range), then no range
// (200), one range (206 + Content-Range) or several (206 multipart/byteranges); ranges adding up
// to more than the file are ignored (200, whole file).
net::awaitable<http::Response> DownloadFile(Services* s, http::Request& req) {
    auto served = co_await s->files->Resolve(MakeCtx(req),
                                             std::string(req.Param("collection")),
                                             std::string(req.Param("recordId")),
                                             std::string(req.Param("filename")),
                                             std::string(req.Query("thumb").value_or("")),
                                             std::string(req.Query("token").value_or("")));
    if (!served) {
        co_return ErrorResponse(served.error());
    }
    const service::ServedFile& f = *served;
    bool download = false;
    if (auto d = req.Query("download"); d && !ParseGoBool(*d, download)) {
        download = false;
    }
    const std::string etag = ETagOf(f);
    http::Response res;
    res.compress = false;
    res.remove_headers.emplace_back("X-Frame-Options");
    res.content_type = f.content_type;
    res.headers.emplace_back("Content-Disposition",
                             std::string(download || !ServedInline(f.content_type) ? "attachment" : "inline") +
                                 "; filename=" + f.name);
    res.headers.emplace_back("Content-Security-Policy", std::string(kFileCsp));
    res.headers.emplace_back("Cache-Control", std::string(kFileCacheControl));
    res.headers.emplace_back("ETag", etag);
    res.headers.emplace_back("Last-Modified", HttpDate(f.mtime_unix));

    const bool get_or_head = req.method_string == "GET" || req.method_string == "HEAD";
    Cond match = MatchETagList(req.Header("If-Match"), etag, true);
    if (match == Cond::kNone) {
        match = NotModifiedSince(req.Header("If-Unmodified-Since"), f.mtime_unix);
    }
    if (match == Cond::kFalse) {
        res.status = 412;  // no body
        co_return res;
    }
    bool not_modified = false;
    switch (MatchETagList(req.Header("If-None-Match"), etag, false)) {
        case Cond::kTrue: not_modified = true; break;
        case Cond::kNone: not_modified = get_or_head && NotModifiedSince(req.Header("If-Modified-Since"), f.mtime_unix) == Cond::kTrue; break;
        case Cond::kFalse: break;
    }
    if (not_modified) {
        res.status = 304;
        res.content_type.clear();
        std::erase_if(res.headers, [](const auto& h) { return IEquals(h.first, "Last-Modified"); });  // the ETag says it
        co_return res;
    }
    std::string_view range_header = req.Header("Range");
    if (const std::string_view if_range = req.Header("If-Range"); !range_header.empty() && !if_range.empty()) {
        std::string_view rest;
        const std::string_view tag = ScanETag(if_range, rest);
        bool same = false;
        if (!tag.empty()) {
            same = tag == etag;
        } else if (auto t = ParseHttpDate(if_range); t) {
            same = *t == f.mtime_unix;
        }
        if (!same) {
            range_header = {};  // changed since: the whole file
        }
    }

    std::vector<ByteRange> ranges;
    switch (ParseRanges(range_header, f.size, ranges)) {
        case RangeResult::kOk: break;
        case RangeResult::kNoOverlap:
            if (f.size == 0) {
                ranges.clear();  // Go: an empty file ignores ranges
                break;
            }
            res.headers.emplace_back("Content-Range", "bytes */" + std::to_string(f.size));
            co_return ServeError(std::move(res), 416, "invalid range: failed to overlap");
        case RangeResult::kInvalid: co_return ServeError(std::move(res), 416, "invalid range");
    }
    res.headers.emplace_back("Accept-Ranges", "bytes");  // as Go: only on what it serves
    std::uint64_t sum = 0;
    for (const auto& r : ranges) {
        sum += r.length;
    }
    if (sum > f.size) {
        ranges.clear();  // overlapping or repeated ranges: probably an attack, serve the file once
    }

    auto file = std::make_shared<StoredBody>(s->files, f.content);
    if (ranges.empty()) {
        res.parts.push_back(f.size == 0 ? http::BodyPart::Bytes({}) : http::BodyPart::File(file, 0, f.size));
        co_return res;
    }
    res.status = 206;
    if (ranges.size() == 1) {
        res.headers.emplace_back("Content-Range", ContentRange(ranges.front(), f.size));
        res.parts.push_back(http::BodyPart::File(file, ranges.front().start, ranges.front().length));
        co_return res;
    }
    // multipart/byteranges, byte for byte as Go's multipart.Writer lays it out
    const std::string boundary = RandomString(60, "0123456789abcdef");  // Go: 30 random bytes in hex
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        std::string head = i == 0 ? "--" : "\r\n--";
        head += boundary;
        head += "\r\nContent-Range: " + ContentRange(ranges[i], f.size) + "\r\nContent-Type: " + f.content_type +
                "\r\n\r\n";
        res.parts.push_back(http::BodyPart::Bytes(std::move(head)));
        res.parts.push_back(http::BodyPart::File(file, ranges[i].start, ranges[i].length));
    }
    res.parts.push_back(http::BodyPart::Bytes("\r\n--" + boundary + "--\r\n"));
    res.content_type = "multipart/byteranges; boundary=" + boundary;
    co_return res;
}

}  // namespace basalt::api::internal
