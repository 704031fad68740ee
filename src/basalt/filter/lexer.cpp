// Filter lexer: a hand-written scanner equivalent to PocketBase's fexpr.Scanner.
#include "basalt/filter/lexer.hpp"

#include <string>

namespace basalt::filter {

namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentStart(char c) { return IsLetter(c) || c == '_' || c == '@' || c == '#'; }

bool IsIdentChar(char c) { return IsLetter(c) || IsDigit(c) || c == '_' || c == '.' || c == ':'; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool IsSignChar(char c) { return c == '=' || c == '!' || c == '~' || c == '<' || c == '>' || c == '?'; }

bool IsValidSign(std::string_view s) {
    static constexpr std::string_view kSigns[] = {"=",  "!=",  "~",  "!~",  "<",  "<=",  ">",  ">=",
                                                  "?=", "?!=", "?~", "?!~", "?<", "?<=", "?>", "?>="};
    for (auto k : kSigns) {
        if (k == s) {
            return true;
        }
    }
    return false;
}

Error LexError(std::string_view what, std::size_t pos) {
    return InvalidArgument("invalid filter: " + std::string(what) + " at position " +
                           std::to_string(pos));
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view in) {
    std::vector<Token> out;
    std::size_t i = 0;
    const std::size_t n = in.size();
    while (i < n) {
        const char c = in[i];
        const std::size_t start = i;
        if (IsSpace(c)) {
            ++i;
            continue;
        }
        if (c == '/' && i + 1 < n && in[i + 1] == '/') {
            while (i < n && in[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '(' || c == ')' || c == ',') {
            out.push_back({c == '(' ? TokenKind::kLParen
                                    : (c == ')' ? TokenKind::kRParen : TokenKind::kComma),
                           std::string(1, c), start});
            ++i;
            continue;
        }
        if (c == '&' || c == '|') {
            if (i + 1 < n && in[i + 1] == c) {
                out.push_back({c == '&' ? TokenKind::kAnd : TokenKind::kOr, std::string(2, c), start});
                i += 2;
                continue;
            }
            return LexError("unexpected character '" + std::string(1, c) + "'", start);
        }
        if (c == '\'' || c == '"') {
            // fexpr: a backslash escapes the quote character; everything else is kept verbatim.
            std::string text;
            ++i;
            bool closed = false;
            while (i < n) {
                if (in[i] == '\\' && i + 1 < n && in[i + 1] == c) {
                    text += c;
                    i += 2;
                    continue;
                }
                if (in[i] == c) {
                    closed = true;
                    ++i;
                    break;
                }
                text += in[i++];
            }
            if (!closed) {
                return LexError("unterminated quoted text", start);
            }
            out.push_back({TokenKind::kText, std::move(text), start});
            continue;
        }
        if (IsDigit(c) || (c == '-' && i + 1 < n && (IsDigit(in[i + 1]) || in[i + 1] == '.'))) {
            std::string text;
            if (c == '-') {
                text += c;
                ++i;
            }
            bool dot = false;
            bool digits = false;
            while (i < n && (IsDigit(in[i]) || in[i] == '.')) {
                if (in[i] == '.') {
                    if (dot) {
                        return LexError("invalid number", start);
                    }
                    dot = true;
                } else {
                    digits = true;
                }
                text += in[i++];
            }
            if (!digits || text.back() == '.' || (i < n && (IsIdentStart(in[i])))) {
                return LexError("invalid number", start);
            }
            out.push_back({TokenKind::kNumber, std::move(text), start});
            continue;
        }
        if (IsIdentStart(c)) {
            ++i;
            while (i < n && IsIdentChar(in[i])) {
                ++i;
            }
            out.push_back({TokenKind::kIdentifier, std::string(in.substr(start, i - start)), start});
            continue;
        }
        if (IsSignChar(c)) {
            while (i < n && IsSignChar(in[i])) {
                ++i;
            }
            std::string sign(in.substr(start, i - start));
            if (!IsValidSign(sign)) {
                return LexError("invalid operator '" + sign + "'", start);
            }
            out.push_back({TokenKind::kSign, std::move(sign), start});
            continue;
        }
        return LexError("unexpected character", start);
    }
    out.push_back({TokenKind::kEnd, "", n});
    return out;
}

}  // namespace basalt::filter
