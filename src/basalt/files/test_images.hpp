// Test helper: encoded images of a given size made with libvips (tests of this folder only).
#pragma once

#include <vips/vips.h>

#include <string>

namespace basalt::files::testing {

/// A w x h RGB image whose top half is black and bottom half white, encoded by `suffix`
/// (".png", ".jpg", ".gif", ".webp"), with an EXIF orientation tag when `orientation` is not 0
/// (JPEG); empty on failure.
inline std::string MakeImage(int w, int h, const char* suffix, int orientation = 0) {
    if (VIPS_INIT("basalt_test") != 0) {
        return {};
    }
    VipsImage* black = nullptr;
    VipsImage* white = nullptr;
    VipsImage* joined = nullptr;
    std::string out;
    const int top = h / 2;
    if (vips_black(&black, w, top > 0 ? top : 1, "bands", 3, nullptr) == 0 &&
        vips_black(&white, w, h - top > 0 ? h - top : 1, "bands", 3, nullptr) == 0) {
        VipsImage* inverted = nullptr;
        if (vips_invert(white, &inverted, nullptr) == 0) {
            VipsImage* cast = nullptr;
            if (vips_join(black, inverted, &joined, VIPS_DIRECTION_VERTICAL, nullptr) == 0 &&
                vips_cast_uchar(joined, &cast, nullptr) == 0) {
                if (orientation != 0) {
                    vips_image_set_int(cast, VIPS_META_ORIENTATION, orientation);
                }
                void* buf = nullptr;
                size_t len = 0;
                if (vips_image_write_to_buffer(cast, suffix, &buf, &len, nullptr) == 0) {
                    out.assign(static_cast<const char*>(buf), len);
                    g_free(buf);
                }
                g_object_unref(cast);
            }
            g_object_unref(inverted);
        }
    }
    for (VipsImage* i : {black, white, joined}) {
        if (i != nullptr) {
            g_object_unref(i);
        }
    }
    return out;
}

/// The EXIF orientation an encoded image declares (1 when none).
inline int Orientation(const std::string& data) {
    VipsImage* img = vips_image_new_from_buffer(data.data(), data.size(), "", nullptr);
    if (img == nullptr) {
        return -1;
    }
    const int o = vips_image_get_orientation(img);
    g_object_unref(img);
    return o;
}

/// Width, height and the mean of the top-left pixel row of an encoded image; {-1,-1,-1} when it
/// cannot be decoded.
struct Decoded {
    int width = -1;
    int height = -1;
    double top_left = -1;     ///< first pixel's first band
    double bottom_left = -1;  ///< last row's first pixel, first band
};

inline Decoded Decode(const std::string& data) {
    Decoded d;
    VipsImage* img = vips_image_new_from_buffer(data.data(), data.size(), "", nullptr);
    if (img == nullptr) {
        return d;
    }
    d.width = vips_image_get_width(img);
    d.height = vips_image_get_height(img);
    double* px = nullptr;
    int n = 0;
    if (vips_getpoint(img, &px, &n, 0, 0, nullptr) == 0) {
        d.top_left = px[0];
        g_free(px);
    }
    if (vips_getpoint(img, &px, &n, 0, d.height - 1, nullptr) == 0) {
        d.bottom_left = px[0];
        g_free(px);
    }
    g_object_unref(img);
    return d;
}

}  // namespace basalt::files::testing
