// Stored file names as PocketBase makes them (snake_cased original base + "_" + 10 random
// characters + cleaned extension) and the check that a name is safe to use as a storage key part.
#pragma once

#include <string>
#include <string_view>

namespace basalt::files {

/// PocketBase's inflector.Snakecase: splits at ASCII non-word characters and '_', inserts '_'
/// before an upper-case letter that follows a non-upper-case one, lower-cases the result
/// ("logo_vcfJJG5TAh" -> "logo_vcf_jjg5_tah").
std::string Snakecase(std::string_view s);

/// The extension with its leading dot, supporting one double extension ("a.tar.gz" -> ".tar.gz");
/// "" when there is no dot.
std::string_view ExtractExtension(std::string_view name);

/// The name a new upload is stored under: Snakecase(base) (a random part appended when shorter
/// than 3 chars, cut to 100) + "_" + 10 random [a-z0-9] + the extension lower-cased with
/// characters outside [\w.*-+=#] dropped (at most 20 kept; `fallback_ext` — e.g. ".png" from the
/// sniffed type — when the name has none).
std::string StoredFileName(std::string_view original, std::string_view fallback_ext = {});

/// True for a plain file name that may be joined to a storage directory: 1..255 bytes, no '/',
/// '\\' or NUL, not starting with '.'.
bool IsSafeFileName(std::string_view name);

}  // namespace basalt::files
