// Thumbnails as PocketBase makes them (tools/filesystem CreateThumb), with libvips: the size
// syntax, which files can have thumbs, and the scaling/cropping modes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "basalt/base/result.hpp"

namespace basalt::files {

/// A parsed thumb size: `WxH` (cover + crop centre), `WxHt` (crop from the top), `WxHb` (from the
/// bottom), `WxHf` (fit inside, no crop, never enlarged), `0xH` / `Wx0` (scale to one side).
struct ThumbSize {
    enum class Mode { kCenter, kTop, kBottom, kFit };
    int width = 0;
    int height = 0;
    Mode mode = Mode::kCenter;
};

/// Parses `^(\d+)x(\d+)(t|b|f)?$` with at least one non-zero side (and, for the t/b/f modes,
/// both); sides above 10000 are refused. nullopt when invalid.
std::optional<ThumbSize> ParseThumbSize(std::string_view s);

/// Content types PocketBase makes thumbs for: png, jpg/jpeg, gif, webp.
bool IsThumbableType(std::string_view content_type);

/// Images with more pixels than this get no thumb (decompression-bomb guard); the original is
/// served instead.
inline constexpr std::uint64_t kMaxThumbSourcePixels = 40'000'000;

/// Makes the thumb of an encoded image, in the same format. kInvalidArgument when the image
/// cannot be decoded, is too large (kMaxThumbSourcePixels) or the size is invalid; kInternal
/// when encoding fails. Thread-safe; blocking (call it on the blocking pool).
Result<std::string> MakeThumb(std::string_view image, std::string_view content_type, const ThumbSize& size);

}  // namespace basalt::files
