// Stored file names (see names.hpp).
#include "basalt/files/names.hpp"

#include <cctype>

#include "basalt/base/random.hpp"

namespace basalt::files {

namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

bool IsExtChar(char c) {
    return IsWordChar(c) || c == '.' || c == '*' || c == '-' || c == '+' || c == '=' || c == '#';
}

}  // namespace

std::string Snakecase(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        // one word: a run of [A-Za-z0-9] (Go's \W is ASCII-only; '_' also splits)
        while (i < s.size() && (!IsWordChar(s[i]) || s[i] == '_')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < s.size() && IsWordChar(s[i]) && s[i] != '_') {
            ++i;
        }
        std::string_view word = s.substr(start, i - start);
        if (word.empty()) {
            continue;
        }
        if (!out.empty()) {
            out.push_back('_');
        }
        for (std::size_t j = 0; j < word.size(); ++j) {
            const char c = word[j];
            if (IsUpper(c) && j > 0 && !IsUpper(word[j - 1])) {
                out.push_back('_');
            }
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    return out;
}

std::string_view ExtractExtension(std::string_view name) {
    const auto primary = name.rfind('.');
    if (primary == std::string_view::npos) {
        return {};
    }
    const auto secondary = primary == 0 ? std::string_view::npos : name.substr(0, primary).rfind('.');
    return secondary != std::string_view::npos ? name.substr(secondary) : name.substr(primary);
}

std::string StoredFileName(std::string_view original, std::string_view fallback_ext) {
    const std::string_view raw_ext = ExtractExtension(original);
    std::string ext;
    for (char c : raw_ext) {
        if (IsExtChar(c)) {
            ext.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    if (ext.empty() || ext == ".") {
        ext.clear();
        for (char c : fallback_ext) {
            if (IsExtChar(c)) {
                ext.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            }
        }
    }
    if (ext.size() > 20) {
        ext = "." + ext.substr(ext.size() - 20);
    }
    std::string base = Snakecase(original.substr(0, original.size() - raw_ext.size()));
    if (base.size() < 3) {
        base += RandomString(10, kAlphabetLowerNum);
    } else if (base.size() > 100) {
        base.resize(100);
    }
    return base + "_" + RandomString(10, kAlphabetLowerNum) + ext;
}

bool IsSafeFileName(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.') {
        return false;
    }
    for (char c : name) {
        if (c == '/' || c == '\\' || c == '\0') {
            return false;
        }
    }
    return true;
}

}  // namespace basalt::files
