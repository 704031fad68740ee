// libvips thumbnails (see thumbs.hpp). Scaling follows PocketBase's imaging calls: Fill (cover
// then crop at the anchor), Fit (inside the box, no enlarging), Resize with one side 0.
#include "basalt/files/thumbs.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include "basalt/base/strings.hpp"

namespace basalt::files {

namespace {

constexpr int kMaxThumbSide = 10000;

/// libvips is initialised once per process; its operation cache is disabled (every thumb is
/// generated once and then cached on disk) and each operation uses one thread (the blocking
/// pool provides the parallelism).
bool EnsureVips() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] {
        ok = VIPS_INIT("basalt") == 0;
        if (ok) {
            vips_cache_set_max(0);
            vips_concurrency_set(1);
        }
    });
    return ok;
}

struct ImageRef {
    VipsImage* img = nullptr;
    ImageRef() = default;
    explicit ImageRef(VipsImage* i) : img(i) {}
    ~ImageRef() {
        if (img != nullptr) {
            g_object_unref(img);
        }
    }
    ImageRef(const ImageRef&) = delete;
    ImageRef& operator=(const ImageRef&) = delete;
};

std::string VipsErrorText() {
    std::string e = vips_error_buffer();
    vips_error_clear();
    return e;
}

const char* SaverSuffix(std::string_view content_type) {
    const std::string_view ct = Trim(content_type.substr(0, content_type.find(';')));
    if (IEquals(ct, "image/png")) {
        return ".png";
    }
    if (IEquals(ct, "image/jpeg") || IEquals(ct, "image/jpg")) {
        return ".jpg";
    }
    if (IEquals(ct, "image/gif")) {
        return ".gif";
    }
    if (IEquals(ct, "image/webp")) {
        return ".webp";
    }
    return nullptr;
}

}  // namespace

std::optional<ThumbSize> ParseThumbSize(std::string_view s) {
    const auto x = s.find('x');
    if (x == std::string_view::npos || x == 0) {
        return std::nullopt;
    }
    ThumbSize t;
    std::string_view rest = s.substr(x + 1);
    if (!rest.empty() && (rest.back() == 't' || rest.back() == 'b' || rest.back() == 'f')) {
        t.mode = rest.back() == 't' ? ThumbSize::Mode::kTop
                 : rest.back() == 'b' ? ThumbSize::Mode::kBottom
                                      : ThumbSize::Mode::kFit;
        rest.remove_suffix(1);
    }
    auto parse = [](std::string_view d, int& out) {
        if (d.empty() || d.size() > 5 || d.find_first_not_of("0123456789") != std::string_view::npos) {
            return false;
        }
        auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), out);
        return ec == std::errc() && p == d.data() + d.size();
    };
    if (!parse(s.substr(0, x), t.width) || !parse(rest, t.height)) {
        return std::nullopt;
    }
    if (t.width > kMaxThumbSide || t.height > kMaxThumbSide || (t.width == 0 && t.height == 0)) {
        return std::nullopt;
    }
    if (t.mode != ThumbSize::Mode::kCenter && (t.width == 0 || t.height == 0)) {
        return std::nullopt;
    }
    return t;
}

bool IsThumbableType(std::string_view content_type) { return SaverSuffix(content_type) != nullptr; }

Result<std::string> MakeThumb(std::string_view image, std::string_view content_type, const ThumbSize& size) {
    const char* suffix = SaverSuffix(content_type);
    if (suffix == nullptr) {
        return InvalidArgument("Unsupported image type.");
    }
    if (size.width < 0 || size.height < 0 || (size.width == 0 && size.height == 0)) {
        return InvalidArgument("Invalid thumb size.");
    }
    if (!EnsureVips()) {
        return Internal("libvips failed to initialise");
    }
    // The header is read lazily: the pixel count is known before anything is decoded.
    ImageRef in(vips_image_new_from_buffer(image.data(), image.size(), "", "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
    if (in.img == nullptr) {
        return InvalidArgument("Cannot decode the image: " + VipsErrorText());
    }
    const int w0 = vips_image_get_width(in.img);
    const int h0 = vips_image_get_height(in.img);
    if (w0 <= 0 || h0 <= 0 ||
        static_cast<std::uint64_t>(w0) * static_cast<std::uint64_t>(h0) > kMaxThumbSourcePixels) {
        return InvalidArgument("The image is too large for a thumb.");
    }
    const double w = size.width;
    const double h = size.height;
    double hscale = 1.0;
    double vscale = 1.0;
    bool crop = false;
    if (size.width == 0) {
        hscale = vscale = h / h0;
    } else if (size.height == 0) {
        hscale = vscale = w / w0;
    } else if (size.mode == ThumbSize::Mode::kFit) {
        if (w0 > w || h0 > h) {
            hscale = vscale = std::min(w / w0, h / h0);
        }
    } else {
        // cover the box, then crop: the covering side gets exactly the box's size
        crop = true;
        if (static_cast<double>(w0) * h > static_cast<double>(h0) * w) {
            const double rw = std::max(w, std::ceil(w0 * h / h0));
            hscale = rw / w0;
            vscale = h / h0;
        } else {
            const double rh = std::max(h, std::ceil(h0 * w / w0));
            hscale = w / w0;
            vscale = rh / h0;
        }
    }
    ImageRef resized;
    if (hscale == 1.0 && vscale == 1.0) {
        resized.img = in.img;
        g_object_ref(in.img);
    } else if (vips_resize(in.img, &resized.img, hscale, "vscale", vscale, nullptr) != 0) {
        return Internal("resize failed: " + VipsErrorText());
    }
    ImageRef out;
    if (crop) {
        const int rw = vips_image_get_width(resized.img);
        const int rh = vips_image_get_height(resized.img);
        const int ew = std::min(size.width, rw);
        const int eh = std::min(size.height, rh);
        const int left = (rw - ew) / 2;
        int top = (rh - eh) / 2;
        if (size.mode == ThumbSize::Mode::kTop) {
            top = 0;
        } else if (size.mode == ThumbSize::Mode::kBottom) {
            top = rh - eh;
        }
        if (vips_extract_area(resized.img, &out.img, left, top, ew, eh, nullptr) != 0) {
            return Internal("crop failed: " + VipsErrorText());
        }
    } else {
        out.img = resized.img;
        g_object_ref(resized.img);
    }
    void* buf = nullptr;
    std::size_t len = 0;
    if (vips_image_write_to_buffer(out.img, suffix, &buf, &len, nullptr) != 0) {
        return Internal("encoding the thumb failed: " + VipsErrorText());
    }
    std::string data(static_cast<const char*>(buf), len);
    g_free(buf);
    return data;
}

}  // namespace basalt::files
