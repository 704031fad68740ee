// libvips thumbnails (see thumbs.hpp). Scaling follows PocketBase's imaging calls: Fill (cover
// then crop at the anchor), Fit (inside the box, no enlarging), Resize with one side 0.
//
// libvips is loaded with dlopen on the first thumb, not linked: it and the ~60 libraries it pulls
// in (glib, librsvg, OpenEXR, HDF5, ICU, cairo, ...) cost ~10 MiB of resident memory at start-up
// that a server which never makes a thumb should not pay. Only its header is used at build time;
// every function is reached through a pointer of the header's own type.
#include "basalt/files/thumbs.hpp"

#include <dlfcn.h>
#include <vips/vips.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include "basalt/base/strings.hpp"

namespace basalt::files {

namespace {

constexpr int kMaxThumbSide = 10000;

/// libvips' soname: stable across the 8.x releases (Debian 12's libvips42).
constexpr const char* kVipsLibrary = "libvips.so.42";

/// The libvips (and GLib) functions the thumbs use, resolved from the dlopen'ed library; the
/// types come from the declarations in vips.h, so a signature cannot be mistyped here.
struct Vips {
    decltype(&vips_init) init = nullptr;
    decltype(&vips_cache_set_max) cache_set_max = nullptr;
    decltype(&vips_concurrency_set) concurrency_set = nullptr;
    decltype(&vips_error_buffer) error_buffer = nullptr;
    decltype(&vips_error_clear) error_clear = nullptr;
    decltype(&vips_image_new_from_buffer) image_new_from_buffer = nullptr;
    decltype(&vips_image_get_width) image_get_width = nullptr;
    decltype(&vips_image_get_height) image_get_height = nullptr;
    decltype(&vips_image_get_orientation_swap) image_get_orientation_swap = nullptr;
    decltype(&vips_thumbnail_buffer) thumbnail_buffer = nullptr;
    decltype(&vips_extract_area) extract_area = nullptr;
    decltype(&vips_image_write_to_buffer) image_write_to_buffer = nullptr;
    decltype(&g_object_ref) object_ref = nullptr;
    decltype(&g_object_unref) object_unref = nullptr;
    decltype(&g_free) free = nullptr;
};

template <typename F>
bool Bind(void* lib, const char* name, F& fn, std::string& missing) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): dlsym's documented use.
    fn = reinterpret_cast<F>(dlsym(lib, name));
    if (fn == nullptr) {
        missing += missing.empty() ? name : std::string(", ") + name;
    }
    return fn != nullptr;
}

/// Loads and initialises libvips once per process (the handle is never closed: GLib cannot be
/// unloaded). Its operation cache is disabled (every thumb is generated once and then cached on
/// disk) and each operation uses one thread (the blocking pool provides the parallelism).
/// Returns nullptr, with the reason in `*why`, when libvips is missing or fails to start.
const Vips* LoadVips(std::string* why) {
    static std::once_flag once;
    static Vips api;
    static bool ok = false;
    static std::string error;
    std::call_once(once, [] {
        void* lib = dlopen(kVipsLibrary, RTLD_NOW | RTLD_LOCAL);
        if (lib == nullptr) {
            const char* e = dlerror();
            error = std::string("libvips could not be loaded: ") + (e != nullptr ? e : kVipsLibrary);
            return;
        }
        std::string missing;
        bool all = Bind(lib, "vips_init", api.init, missing);
        all &= Bind(lib, "vips_cache_set_max", api.cache_set_max, missing);
        all &= Bind(lib, "vips_concurrency_set", api.concurrency_set, missing);
        all &= Bind(lib, "vips_error_buffer", api.error_buffer, missing);
        all &= Bind(lib, "vips_error_clear", api.error_clear, missing);
        all &= Bind(lib, "vips_image_new_from_buffer", api.image_new_from_buffer, missing);
        all &= Bind(lib, "vips_image_get_width", api.image_get_width, missing);
        all &= Bind(lib, "vips_image_get_height", api.image_get_height, missing);
        all &= Bind(lib, "vips_image_get_orientation_swap", api.image_get_orientation_swap, missing);
        all &= Bind(lib, "vips_thumbnail_buffer", api.thumbnail_buffer, missing);
        all &= Bind(lib, "vips_extract_area", api.extract_area, missing);
        all &= Bind(lib, "vips_image_write_to_buffer", api.image_write_to_buffer, missing);
        all &= Bind(lib, "g_object_ref", api.object_ref, missing);
        all &= Bind(lib, "g_object_unref", api.object_unref, missing);
        all &= Bind(lib, "g_free", api.free, missing);
        if (!all) {
            error = "libvips lacks " + missing;
            return;
        }
        if (api.init("basalt") != 0) {
            error = "libvips failed to initialise";
            return;
        }
        api.cache_set_max(0);
        api.concurrency_set(1);
        ok = true;
    });
    if (!ok) {
        *why = error;
        return nullptr;
    }
    return &api;
}

struct ImageRef {
    const Vips& vips;
    VipsImage* img = nullptr;
    explicit ImageRef(const Vips& v, VipsImage* i = nullptr) : vips(v), img(i) {}
    ~ImageRef() {
        if (img != nullptr) {
            vips.object_unref(img);
        }
    }
    ImageRef(const ImageRef&) = delete;
    ImageRef& operator=(const ImageRef&) = delete;
};

std::string VipsErrorText(const Vips& vips) {
    std::string e = vips.error_buffer();
    vips.error_clear();
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

namespace {

/// The scaled size (before any crop) and the crop box of a thumb of a `w0` x `h0` image (as
/// displayed, i.e. after EXIF orientation), following PocketBase's imaging calls.
struct ThumbPlan {
    int scaled_w = 0;
    int scaled_h = 0;
    bool crop = false;
    int left = 0;
    int top = 0;
    int crop_w = 0;
    int crop_h = 0;
};

int AtLeastOne(double v) { return std::max(1, static_cast<int>(v)); }

ThumbPlan PlanThumb(int w0, int h0, const ThumbSize& size) {
    ThumbPlan p;
    const double w = size.width;
    const double h = size.height;
    if (size.width == 0) {  // imaging.Resize(0, H): the other side rounded
        p.scaled_h = size.height;
        p.scaled_w = AtLeastOne(std::floor(h * w0 / h0 + 0.5));
    } else if (size.height == 0) {
        p.scaled_w = size.width;
        p.scaled_h = AtLeastOne(std::floor(w * h0 / w0 + 0.5));
    } else if (size.mode == ThumbSize::Mode::kFit) {  // imaging.Fit: inside the box, never enlarged
        p.scaled_w = w0;
        p.scaled_h = h0;
        if (w0 > size.width || h0 > size.height) {
            const double src_ratio = static_cast<double>(w0) / h0;
            if (src_ratio > w / h) {
                p.scaled_w = size.width;
                p.scaled_h = AtLeastOne(w / src_ratio);
            } else {
                p.scaled_h = size.height;
                p.scaled_w = AtLeastOne(h * src_ratio);
            }
        }
    } else {  // imaging.Fill: cover the box (the covering side exactly), then crop at the anchor
        if (static_cast<double>(w0) * h > static_cast<double>(h0) * w) {
            p.scaled_w = static_cast<int>(std::max(w, std::ceil(w0 * h / h0)));
            p.scaled_h = size.height;
        } else {
            p.scaled_w = size.width;
            p.scaled_h = static_cast<int>(std::max(h, std::ceil(h0 * w / w0)));
        }
        p.crop = true;
        p.crop_w = std::min(size.width, p.scaled_w);
        p.crop_h = std::min(size.height, p.scaled_h);
        p.left = (p.scaled_w - p.crop_w) / 2;
        p.top = (p.scaled_h - p.crop_h) / 2;
        if (size.mode == ThumbSize::Mode::kTop) {
            p.top = 0;
        } else if (size.mode == ThumbSize::Mode::kBottom) {
            p.top = p.scaled_h - p.crop_h;
        }
    }
    return p;
}

}  // namespace

Result<std::string> MakeThumb(std::string_view image, std::string_view content_type, const ThumbSize& size) {
    const char* suffix = SaverSuffix(content_type);
    if (suffix == nullptr) {
        return InvalidArgument("Unsupported image type.");
    }
    if (size.width < 0 || size.height < 0 || (size.width == 0 && size.height == 0)) {
        return InvalidArgument("Invalid thumb size.");
    }
    std::string why;
    const Vips* loaded = LoadVips(&why);
    if (loaded == nullptr) {
        return Internal(why);
    }
    const Vips& vips = *loaded;
    // Only the header is read here: the pixel count is checked before anything is decoded.
    ImageRef header(vips, vips.image_new_from_buffer(image.data(), image.size(), "", nullptr));
    if (header.img == nullptr) {
        return InvalidArgument("Cannot decode the image: " + VipsErrorText(vips));
    }
    int w0 = vips.image_get_width(header.img);
    int h0 = vips.image_get_height(header.img);
    if (w0 <= 0 || h0 <= 0 ||
        static_cast<std::uint64_t>(w0) * static_cast<std::uint64_t>(h0) > kMaxThumbSourcePixels) {
        return InvalidArgument("The image is too large for a thumb.");
    }
    // Thumbs come out upright (as PocketBase's imaging.AutoOrientation): sizes refer to the
    // image as displayed, so a 90°/270° EXIF orientation swaps the sides.
    if (vips.image_get_orientation_swap(header.img) != 0) {
        std::swap(w0, h0);
    }
    const ThumbPlan plan = PlanThumb(w0, h0, size);
    // vips_thumbnail decodes with shrink-on-load (JPEG DCT scaling, WebP) instead of decoding
    // every pixel first, auto-rotates, and resizes to exactly scaled_w x scaled_h.
    ImageRef scaled(vips);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): libvips only reads the buffer.
    if (vips.thumbnail_buffer(const_cast<char*>(image.data()),
                              image.size(),
                              &scaled.img,
                              plan.scaled_w,
                              "height",
                              plan.scaled_h,
                              "size",
                              VIPS_SIZE_FORCE,
                              nullptr) != 0) {
        return InvalidArgument("Cannot decode the image: " + VipsErrorText(vips));
    }
    ImageRef out(vips);
    if (plan.crop) {
        const int rw = vips.image_get_width(scaled.img);
        const int rh = vips.image_get_height(scaled.img);
        const int cw = std::min(plan.crop_w, rw);
        const int ch = std::min(plan.crop_h, rh);
        const int left = std::clamp(plan.left, 0, rw - cw);
        const int top = std::clamp(plan.top, 0, rh - ch);
        if (vips.extract_area(scaled.img, &out.img, left, top, cw, ch, nullptr) != 0) {
            return Internal("crop failed: " + VipsErrorText(vips));
        }
    } else {
        out.img = scaled.img;
        vips.object_ref(scaled.img);
    }
    void* buf = nullptr;
    std::size_t len = 0;
    if (vips.image_write_to_buffer(out.img, suffix, &buf, &len, nullptr) != 0) {
        return Internal("encoding the thumb failed: " + VipsErrorText(vips));
    }
    std::string data(static_cast<const char*>(buf), len);
    vips.free(buf);
    return data;
}

}  // namespace basalt::files
