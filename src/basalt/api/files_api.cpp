// /api/files handlers: protected-file tokens and downloads with PocketBase's headers, plus
// conditional (ETag / If-Modified-Since -> 304) and single-range (206 / 416) requests.
#include <array>
#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "basalt/api/internal_handlers.hpp"
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

bool ETagMatches(std::string_view if_none_match, std::string_view etag) {
    for (auto item : Split(if_none_match, ',')) {
        item = Trim(item);
        if (item == "*") {
            return true;
        }
        if (StartsWithI(item, "W/")) {
            item.remove_prefix(2);
        }
        if (item == etag) {
            return true;
        }
    }
    return false;
}

struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

enum class RangeOutcome { kNone, kSatisfiable, kUnsatisfiable };

/// A single "bytes=a-b" / "bytes=a-" / "bytes=-n" range. Several ranges are answered with the
/// whole file (allowed by RFC 9110); malformed or out-of-file ranges are unsatisfiable.
RangeOutcome ParseRange(std::string_view header, std::uint64_t size, ByteRange& out) {
    header = Trim(header);
    if (header.empty()) {
        return RangeOutcome::kNone;
    }
    if (!StartsWithI(header, "bytes=")) {
        return RangeOutcome::kUnsatisfiable;
    }
    std::string_view spec = Trim(header.substr(6));
    if (spec.find(',') != std::string_view::npos) {
        return RangeOutcome::kNone;
    }
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return RangeOutcome::kUnsatisfiable;
    }
    std::string_view a = Trim(spec.substr(0, dash));
    std::string_view b = Trim(spec.substr(dash + 1));
    auto num = [](std::string_view d, std::uint64_t& v) {
        std::int64_t x = 0;
        if (d.empty() || d.find_first_not_of("0123456789") != std::string_view::npos || !ParseInt64(d, x) || x < 0) {
            return false;
        }
        v = static_cast<std::uint64_t>(x);
        return true;
    };
    if (a.empty()) {  // suffix: the last n bytes
        std::uint64_t n = 0;
        if (!num(b, n) || n == 0 || size == 0) {
            return RangeOutcome::kUnsatisfiable;
        }
        n = std::min(n, size);
        out = {size - n, n};
        return RangeOutcome::kSatisfiable;
    }
    std::uint64_t first = 0;
    if (!num(a, first) || first >= size) {
        return RangeOutcome::kUnsatisfiable;
    }
    std::uint64_t last = size - 1;
    if (!b.empty()) {
        if (!num(b, last) || last < first) {
            return RangeOutcome::kUnsatisfiable;
        }
        last = std::min(last, size - 1);
    }
    out = {first, last - first + 1};
    return RangeOutcome::kSatisfiable;
}

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
    res.headers.emplace_back("Accept-Ranges", "bytes");

    bool not_modified = false;
    if (auto inm = req.Header("If-None-Match"); !inm.empty()) {
        not_modified = ETagMatches(inm, etag);
    } else if (auto ims = ParseHttpDate(req.Header("If-Modified-Since")); ims) {
        not_modified = f.mtime_unix <= *ims;
    }
    if (not_modified) {
        res.status = 304;
        res.content_type.clear();
        co_return res;
    }
    ByteRange range;
    switch (ParseRange(req.Header("Range"), f.size, range)) {
        case RangeOutcome::kUnsatisfiable: {
            http::Response bad = StatusResponse(416);
            bad.compress = false;
            bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(f.size));
            co_return bad;
        }
        case RangeOutcome::kSatisfiable: {
            auto part = co_await s->files->Read(f.key, range.first, range.length);
            if (!part) {
                co_return ErrorResponse(part.error());
            }
            res.status = 206;
            res.headers.emplace_back("Content-Range", fmt::format("bytes {}-{}/{}", range.first,
                                                                  range.first + range.length - 1, f.size));
            res.body = std::move(*part);
            co_return res;
        }
        case RangeOutcome::kNone: break;
    }
    auto body = co_await s->files->Read(f.key, 0, f.size);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    res.body = std::move(*body);
    co_return res;
}

}  // namespace basalt::api::internal
