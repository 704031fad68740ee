// libmagic-backed content sniffing (see mime.hpp).
#include "basalt/files/mime.hpp"

#include <magic.h>

#include <memory>

#include "basalt/base/strings.hpp"

namespace basalt::files {

namespace {

constexpr std::size_t kSniffBytes = 64 * 1024;
constexpr std::string_view kOctetStream = "application/octet-stream";

struct MagicCloser {
    void operator()(magic_set* m) const { magic_close(m); }
};

/// This thread's libmagic handle (magic_t is not thread-safe), loaded once; null if the
/// database cannot be loaded.
magic_t ThreadMagic() {
    thread_local std::unique_ptr<magic_set, MagicCloser> handle = [] {
        std::unique_ptr<magic_set, MagicCloser> m(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR));
        if (m && magic_load(m.get(), nullptr) != 0) {
            m.reset();
        }
        return m;
    }();
    return handle.get();
}

std::string_view Essence(std::string_view mime) { return Trim(mime.substr(0, mime.find(';'))); }

}  // namespace

std::string SniffMime(std::string_view data) {
    if (data.empty()) {
        return std::string(kOctetStream);
    }
    magic_t m = ThreadMagic();
    if (m == nullptr) {
        return std::string(kOctetStream);
    }
    const char* r = magic_buffer(m, data.data(), std::min(data.size(), kSniffBytes));
    if (r == nullptr || *r == '\0') {
        return std::string(kOctetStream);
    }
    return std::string(r);
}

std::string ServedContentType(std::string_view sniffed, std::string_view filename) {
    const std::string lower = ToLower(filename);
    auto ends = [&](std::string_view suffix) {
        return lower.size() >= suffix.size() && lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends(".svg")) {
        return "image/svg+xml";
    }
    if (ends(".css")) {
        return "text/css; charset=utf-8";
    }
    if (ends(".js")) {
        return "text/javascript; charset=utf-8";
    }
    std::string out(Essence(sniffed));
    if (out.empty()) {
        return std::string(kOctetStream);
    }
    if (StartsWithI(out, "text/")) {
        out += "; charset=utf-8";
    }
    return out;
}

std::string_view ExtensionForMime(std::string_view mime) {
    struct Pair {
        std::string_view mime;
        std::string_view ext;
    };
    static constexpr Pair kKnown[] = {
        {"image/png", ".png"},        {"image/jpeg", ".jpg"},       {"image/gif", ".gif"},
        {"image/webp", ".webp"},      {"image/svg+xml", ".svg"},    {"image/bmp", ".bmp"},
        {"image/x-icon", ".ico"},     {"image/avif", ".avif"},      {"application/pdf", ".pdf"},
        {"application/zip", ".zip"},  {"application/gzip", ".gz"},  {"application/json", ".json"},
        {"text/plain", ".txt"},       {"text/html", ".html"},       {"text/csv", ".csv"},
        {"video/mp4", ".mp4"},        {"video/webm", ".webm"},      {"audio/mpeg", ".mp3"},
    };
    const std::string_view essence = Essence(mime);
    for (const auto& p : kKnown) {
        if (IEquals(p.mime, essence)) {
            return p.ext;
        }
    }
    return {};
}

bool MimeAllowed(std::string_view mime, const std::vector<std::string>& allowed) {
    const std::string_view essence = Essence(mime);
    for (const auto& a : allowed) {
        if (IEquals(Essence(a), essence)) {
            return true;
        }
    }
    return false;
}

}  // namespace basalt::files
