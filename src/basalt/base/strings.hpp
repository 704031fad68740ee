// Small string utilities shared by every layer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace basalt {

/// PocketBase's "sentenize": trims, upper-cases the first letter and appends "." unless the text
/// already ends with '.', '?' or '!'. Empty stays empty.
std::string Sentenize(std::string_view s);

/// CRC-32 (IEEE), as Go's hash/crc32.ChecksumIEEE; used for default collection and field ids.
std::uint32_t Crc32(std::string_view s);

bool IEquals(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
bool StartsWithI(std::string_view s, std::string_view prefix);

/// Header names as PocketBase exposes them to rules: lower-cased, '-' replaced by '_'.
std::string NormalizeHeaderName(std::string_view name);

/// Parses a whole string as a decimal int64; false on any junk or overflow.
bool ParseInt64(std::string_view s, std::int64_t& out);

/// Go's strconv.ParseBool: 1,t,T,TRUE,true,True,0,f,F,FALSE,false,False.
bool ParseGoBool(std::string_view s, bool& out);

}  // namespace basalt
