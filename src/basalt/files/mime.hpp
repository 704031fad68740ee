// Content type detection from a file's bytes (libmagic), never from the client's declared type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace basalt::files {

/// The MIME type of `data` as libmagic sees it ("image/png", "text/plain", ...);
/// "application/octet-stream" when unknown. Only the first 64 KiB are examined. Thread-safe
/// (one libmagic handle per thread).
std::string SniffMime(std::string_view data);

/// The type served for a stored file: the sniffed type, except that `.svg`, `.css` and `.js`
/// names get `image/svg+xml`, `text/css` and `text/javascript` as PocketBase serves them, and
/// text types carry "; charset=utf-8".
std::string ServedContentType(std::string_view sniffed, std::string_view filename);

/// A usual extension (with dot) for a sniffed type, "" when none is known.
std::string_view ExtensionForMime(std::string_view mime);

/// Whether `mime` (parameters ignored, case-insensitive) is one of `allowed`.
bool MimeAllowed(std::string_view mime, const std::vector<std::string>& allowed);

}  // namespace basalt::files
