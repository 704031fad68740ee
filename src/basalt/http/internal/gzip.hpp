// gzip compression (zlib, windowBits 31) for response bodies (internal to http/).
#pragma once

#include <string>
#include <string_view>

namespace basalt::http::internal {

/// Compresses `in` into a gzip member in `out`; false on zlib failure.
bool GzipCompress(std::string_view in, std::string& out);

}  // namespace basalt::http::internal
