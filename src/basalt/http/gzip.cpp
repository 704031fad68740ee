// gzip compression with zlib (deflateInit2, windowBits 31 = gzip wrapper).
#include "basalt/http/internal/gzip.hpp"

#include <zlib.h>

namespace basalt::http::internal {

bool GzipCompress(std::string_view in, std::string& out) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return false;
    }
    out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
    // zlib's API is not const-correct; it does not write through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const auto produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        return false;
    }
    out.resize(produced);
    return true;
}

}  // namespace basalt::http::internal
