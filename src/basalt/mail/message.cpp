// ToMime, HtmlToText and IsValidEmail: RFC 5322 headers, RFC 2047 words, RFC 2045 bodies.
#include "basalt/mail/message.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <optional>

#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::mail {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::size_t kFoldColumn = 78;        // RFC 5322 "SHOULD" line length
constexpr std::size_t kMaxWordLength = 900;    // longer unbreakable words become encoded-words
constexpr std::size_t kBodyLineLimit = 76;     // RFC 2045 limit for QP and base64 lines
constexpr std::size_t kEncodedWordBytes = 36;  // 36 bytes -> 48 base64 chars -> 60-char word

constexpr std::string_view kBase64Chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool IsAsciiAlnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext: the characters allowed unquoted in a display name word or local part.
bool IsAtext(unsigned char c) {
    return IsAsciiAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
                                  std::string_view::npos;
}

bool IsPlainAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c >= 0x20 && c < 0x7F) || c == '\t';
    });
}

/// Removes CR, LF and every other control character but TAB: header injection is impossible.
std::string CleanHeaderValue(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            continue;
        }
        out.push_back(ch);
    }
    return out;
}

std::string Base64(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const std::uint32_t n =
            (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16) |
            (static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8) |
            static_cast<unsigned char>(in[i + 2]);
        out.push_back(kBase64Chars[(n >> 18) & 63]);
        out.push_back(kBase64Chars[(n >> 12) & 63]);
        out.push_back(kBase64Chars[(n >> 6) & 63]);
        out.push_back(kBase64Chars[n & 63]);
    }
    const std::size_t rest = in.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
        if (rest == 2) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
        }
        out.push_back(kBase64Chars[(n >> 18) & 63]);
        out.push_back(kBase64Chars[(n >> 12) & 63]);
        out.push_back(rest == 2 ? kBase64Chars[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

/// RFC 2047 "B" encoded-words, each <= 75 chars, never splitting a UTF-8 sequence.
std::vector<std::string> EncodeWords(std::string_view utf8) {
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        std::size_t end = std::min(pos + kEncodedWordBytes, utf8.size());
        // Back up to a character boundary (a byte that is not 10xxxxxx).
        while (end < utf8.size() && end > pos + 1 &&
               (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) {
            --end;
        }
        words.push_back("=?UTF-8?B?" + Base64(utf8.substr(pos, end - pos)) + "?=");
        pos = end;
    }
    return words;
}

/// One piece of a header value that folding never splits, with the text that joins it to the
/// previous piece (" " or ", "); a fold replaces the joiner's trailing space by CRLF + space.
struct Piece {
    std::string joiner;
    std::string text;
};

/// "Name: pieces...\r\n", folded before a piece when the line would pass kFoldColumn (one
/// column is kept free for the ',' a fold may leave at the end of the line).
void AppendHeader(std::string& out, std::string_view name, const std::vector<Piece>& pieces) {
    std::string line(name);
    line += ":";
    std::size_t column = line.size();
    bool first = true;
    for (const auto& p : pieces) {
        std::string joiner = first ? std::string(" ") : p.joiner;
        first = false;
        if (!p.text.empty() && column + joiner.size() + p.text.size() + 1 > kFoldColumn &&
            column > name.size() + 1 && !joiner.empty() && joiner.back() == ' ') {
            joiner.pop_back();
            line += joiner;
            line += kCrlf;
            line += ' ';
            column = 1;
        } else {
            line += joiner;
            column += joiner.size();
        }
        line += p.text;
        column += p.text.size();
    }
    out += line;
    out += kCrlf;
}

/// An unstructured value (Subject, extra headers): words as they are when plain ASCII, else
/// encoded-words.
std::vector<Piece> UnstructuredPieces(std::string_view raw) {
    const std::string value = CleanHeaderValue(raw);
    std::vector<Piece> pieces;
    if (value.empty()) {
        return pieces;
    }
    const auto words = Split(value, ' ');
    const bool long_word = std::any_of(
        words.begin(), words.end(), [](std::string_view w) { return w.size() > kMaxWordLength; });
    if (IsPlainAscii(value) && !long_word) {
        for (const auto w : words) {
            pieces.push_back({" ", std::string(w)});
        }
        return pieces;
    }
    for (auto& w : EncodeWords(value)) {
        pieces.push_back({" ", std::move(w)});
    }
    return pieces;
}

/// A display name as a phrase: bare atoms, a quoted-string, or encoded-words.
std::vector<Piece> PhrasePieces(std::string_view raw) {
    const std::string name{Trim(CleanHeaderValue(raw))};
    std::vector<Piece> pieces;
    if (name.empty()) {
        return pieces;
    }
    if (IsPlainAscii(name) && name.size() <= kMaxWordLength) {
        bool atoms = true;
        bool prev_space = false;
        for (const char ch : name) {
            const bool space = ch == ' ';
            if ((space && prev_space) || (!space && !IsAtext(static_cast<unsigned char>(ch)))) {
                atoms = false;
                break;
            }
            prev_space = space;
        }
        // A name looking like an encoded-word must not be decoded as one.
        if (atoms && name.find("=?") == std::string::npos) {
            for (const auto w : Split(name, ' ')) {
                pieces.push_back({" ", std::string(w)});
            }
            return pieces;
        }
        std::string quoted = "\"";
        for (const char ch : name) {
            if (ch == '"' || ch == '\\') {
                quoted.push_back('\\');
            }
            quoted.push_back(ch);
        }
        quoted.push_back('"');
        pieces.push_back({" ", std::move(quoted)});
        return pieces;
    }
    for (auto& w : EncodeWords(name)) {
        pieces.push_back({" ", std::move(w)});
    }
    return pieces;
}

/// An address list (From/To/Cc): `name <email>` or `<email>`, comma-separated.
std::vector<Piece> AddressListPieces(const std::vector<Address>& list) {
    std::vector<Piece> pieces;
    for (const auto& a : list) {
        const std::size_t first = pieces.size();
        for (auto& p : PhrasePieces(a.name)) {
            pieces.push_back(std::move(p));
        }
        pieces.push_back({" ", "<" + CleanHeaderValue(a.email) + ">"});
        if (first > 0) {
            pieces[first].joiner = ", ";
        }
    }
    return pieces;
}

/// RFC 5322 date-time in UTC, locale-independent: "Sun, 22 Nov 2026 07:33:20 +0000".
std::string RfcDate() {
    static constexpr std::array<std::string_view, 7> kDays = {
        "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 40> buf{};
    std::snprintf(buf.data(),
                  buf.size(),
                  "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays.at(static_cast<std::size_t>(tm.tm_wday)).data(),
                  tm.tm_mday,
                  kMonths.at(static_cast<std::size_t>(tm.tm_mon)).data(),
                  tm.tm_year + 1900,
                  tm.tm_hour,
                  tm.tm_min,
                  tm.tm_sec);
    return buf.data();
}

std::string MessageId(std::string_view from_email) {
    const std::string email = CleanHeaderValue(from_email);
    const auto at = email.rfind('@');
    std::string domain = at == std::string::npos ? std::string() : email.substr(at + 1);
    domain.erase(
        std::remove_if(
            domain.begin(), domain.end(), [](char c) { return c == '<' || c == '>' || c == ' '; }),
        domain.end());
    if (domain.empty()) {
        domain = "localhost";
    }
    return "<" + RandomString(32, kAlphabetLowerNum) + "@" + domain + ">";
}

/// Field name per RFC 5322: printable ASCII except ':' and space.
bool IsFieldName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7F && c != ':';
    });
}

bool IsReservedHeader(std::string_view name) {
    for (const std::string_view r : {"from", "to", "cc", "bcc", "subject", "mime-version"}) {
        if (IEquals(name, r)) {
            return true;
        }
    }
    return StartsWithI(name, "content-");
}

/// Splits text into lines on CRLF, LF or lone CR.
std::vector<std::string_view> Lines(std::string_view s) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' || s[i] == '\n') {
            lines.push_back(s.substr(start, i - start));
            if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
                ++i;
            }
            start = i + 1;
        }
    }
    lines.push_back(s.substr(start));
    return lines;
}

std::string QuotedPrintable(std::string_view s) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    const auto lines = Lines(s);
    for (std::size_t li = 0; li < lines.size(); ++li) {
        const std::string_view line = lines[li];
        std::size_t column = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            const bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && column == 0)) ||
                                 ((c == ' ' || c == '\t') && !last);
            std::array<char, 3> token{};
            std::size_t len = 1;
            if (literal) {
                token[0] = static_cast<char>(c);
            } else {
                token = {'=', kHex[c >> 4], kHex[c & 15]};
                len = 3;
            }
            // Keep room for the soft break '=' so no line passes kBodyLineLimit.
            if (column + len > kBodyLineLimit - 1) {
                out += "=";
                out += kCrlf;
                column = 0;
                if (c == '.') {
                    token = {'=', '2', 'E'};
                    len = 3;
                }
            }
            out.append(token.data(), len);
            column += len;
        }
        if (li + 1 < lines.size()) {
            out += kCrlf;
        }
    }
    return out;
}

/// Text with every line break (CRLF, LF or lone CR) as CRLF: the canonical form of RFC 2045.
std::string CanonicalLineBreaks(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 32);
    const auto lines = Lines(s);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (i + 1 < lines.size()) {
            out += kCrlf;
        }
    }
    return out;
}

std::string Base64Lines(std::string_view s) {
    const std::string b64 = Base64(CanonicalLineBreaks(s));
    std::string out;
    out.reserve(b64.size() + b64.size() / kBodyLineLimit * 2 + 2);
    for (std::size_t i = 0; i < b64.size(); i += kBodyLineLimit) {
        out += b64.substr(i, kBodyLineLimit);
        out += kCrlf;
    }
    return out;
}

/// A body part's encoding and encoded content (ending with CRLF): quoted-printable unless
/// escapes would triple more than a third of the text, then base64.
std::pair<std::string_view, std::string> EncodeBody(std::string_view content) {
    std::size_t escapes = 0;
    for (const char ch : content) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80 || c == '=' || (c < 0x20 && c != '\r' && c != '\n' && c != '\t')) {
            ++escapes;
        }
    }
    if (escapes * 3 > content.size()) {
        return {"base64", Base64Lines(content)};
    }
    std::string qp = QuotedPrintable(content);
    qp += kCrlf;
    return {"quoted-printable", std::move(qp)};
}

void AppendPartHeaders(std::string& out, std::string_view mime_type, std::string_view cte) {
    out += "Content-Type: ";
    out += mime_type;
    out += "; charset=UTF-8";
    out += kCrlf;
    out += "Content-Transfer-Encoding: ";
    out += cte;
    out += kCrlf;
}

// --- HtmlToText ---

bool IsHtmlSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
    }
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

/// Decodes &amp; &lt; &gt; &quot; &apos; &nbsp; a few typographic names and numeric references;
/// anything else stays as written.
std::string DecodeEntities(std::string_view s) {
    struct Named {
        std::string_view name;
        std::uint32_t cp;
    };

    static constexpr std::array<Named, 21> kNamed = {{
        {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},
        {"apos", '\''},    {"nbsp", ' '},      {"copy", 0xA9},    {"reg", 0xAE},
        {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
        {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C}, {"rdquo", 0x201D},
        {"laquo", 0xAB},   {"raquo", 0xBB},    {"euro", 0x20AC},  {"bull", 0x2022},
        {"middot", 0xB7},
    }};
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out.push_back(s[i]);
            continue;
        }
        const auto semi = s.find(';', i + 1);
        if (semi == std::string_view::npos || semi - i > 12) {
            out.push_back('&');
            continue;
        }
        const std::string_view ent = s.substr(i + 1, semi - i - 1);
        std::optional<std::uint32_t> cp;
        if (ent.size() > 1 && ent[0] == '#') {
            const bool hex = ent[1] == 'x' || ent[1] == 'X';
            const std::string_view digits = ent.substr(hex ? 2 : 1);
            std::uint32_t v = 0;
            bool ok = !digits.empty() && digits.size() <= 7;
            for (const char d : digits) {
                int n = -1;
                if (d >= '0' && d <= '9') {
                    n = d - '0';
                } else if (hex && d >= 'a' && d <= 'f') {
                    n = d - 'a' + 10;
                } else if (hex && d >= 'A' && d <= 'F') {
                    n = d - 'A' + 10;
                }
                if (n < 0) {
                    ok = false;
                    break;
                }
                v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(n);
            }
            if (ok) {
                cp = v;
            }
        } else {
            for (const auto& n : kNamed) {
                if (n.name == ent) {
                    cp = n.cp;
                    break;
                }
            }
        }
        if (!cp) {
            out.push_back('&');
            continue;
        }
        AppendUtf8(out, *cp);
        i = semi;
    }
    return out;
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsSkippedTag(std::string_view name) {
    return IsOneOf(name,
                   {"head",
                    "style",
                    "script",
                    "iframe",
                    "applet",
                    "object",
                    "svg",
                    "img",
                    "button",
                    "form",
                    "textarea",
                    "input",
                    "select",
                    "option",
                    "template",
                    "noscript"});
}

bool IsInlineTag(std::string_view name) {
    return IsOneOf(name,
                   {"a",
                    "span",
                    "small",
                    "strike",
                    "strong",
                    "sub",
                    "sup",
                    "em",
                    "b",
                    "u",
                    "i",
                    "font",
                    "code"});
}

/// The value of attribute `attr` in a tag's attribute text (quoted, single-quoted or bare).
std::string AttrValue(std::string_view attrs, std::string_view attr) {
    std::size_t i = 0;
    while (i < attrs.size()) {
        while (i < attrs.size() && (IsHtmlSpace(attrs[i]) || attrs[i] == '/')) {
            ++i;
        }
        const std::size_t name_start = i;
        while (i < attrs.size() && !IsHtmlSpace(attrs[i]) && attrs[i] != '=' && attrs[i] != '>') {
            ++i;
        }
        const std::string name = ToLower(attrs.substr(name_start, i - name_start));
        while (i < attrs.size() && IsHtmlSpace(attrs[i])) {
            ++i;
        }
        std::string_view value;
        if (i < attrs.size() && attrs[i] == '=') {
            ++i;
            while (i < attrs.size() && IsHtmlSpace(attrs[i])) {
                ++i;
            }
            if (i < attrs.size() && (attrs[i] == '"' || attrs[i] == '\'')) {
                const char q = attrs[i++];
                const auto end = attrs.find(q, i);
                const std::size_t stop = end == std::string_view::npos ? attrs.size() : end;
                value = attrs.substr(i, stop - i);
                i = stop + 1;
            } else {
                const std::size_t start = i;
                while (i < attrs.size() && !IsHtmlSpace(attrs[i])) {
                    ++i;
                }
                value = attrs.substr(start, i - start);
            }
        }
        if (name == attr) {
            return std::string(Trim(DecodeEntities(value)));
        }
        if (name.empty() && i < attrs.size()) {
            ++i;  // stray character
        }
    }
    return {};
}

/// Position just after the '>' closing a tag that starts at `i` (quotes respected), or npos.
std::size_t TagEnd(std::string_view html, std::size_t i) {
    char quote = 0;
    for (; i < html.size(); ++i) {
        const char c = html[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

/// Collapses runs of blank lines, strips trailing spaces of lines, trims the whole.
std::string TidyText(std::string_view s) {
    std::string out;
    std::size_t blank_run = 0;
    for (const auto line : Split(s, '\n')) {
        std::string_view l = line;
        while (!l.empty() && l.back() == ' ') {
            l.remove_suffix(1);
        }
        if (l.empty()) {
            if (++blank_run > 1 || out.empty()) {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out += l;
        out += '\n';
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

// --- IsValidEmail ---

bool IsNonAscii(unsigned char c) {
    return c >= 0x80;
}

bool IsValidLocalPart(std::string_view local) {
    if (local.empty()) {
        return false;
    }
    if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
        const std::string_view inner = local.substr(1, local.size() - 2);
        for (std::size_t i = 0; i < inner.size(); ++i) {
            const auto c = static_cast<unsigned char>(inner[i]);
            if (c == '\\') {
                if (++i >= inner.size()) {
                    return false;
                }
                continue;
            }
            if (c == '"' || c == '\r' || c == '\n' || c == 0 || c == 0x7F) {
                return false;
            }
        }
        return true;
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return false;
    }
    return std::all_of(local.begin(), local.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c == '.' || IsAtext(c) || IsNonAscii(c);
    });
}

bool IsValidDomain(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') {
        domain.remove_suffix(1);
    }
    const auto labels = Split(domain, '.');
    if (labels.size() < 2) {
        return false;
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::string_view label = labels[i];
        if (label.empty()) {
            return false;
        }
        for (const char ch : label) {
            const auto c = static_cast<unsigned char>(ch);
            if (!IsAsciiAlnum(c) && !IsNonAscii(c) && c != '-' && c != '_' && c != '~') {
                return false;
            }
        }
        const auto first = static_cast<unsigned char>(label.front());
        const auto last = static_cast<unsigned char>(label.back());
        const bool tld = i + 1 == labels.size();
        auto ok_edge = [tld](unsigned char c) {
            const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsNonAscii(c);
            return tld ? letter : (letter || (c >= '0' && c <= '9'));
        };
        if (!ok_edge(first) || !ok_edge(last)) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
    std::string out;
    std::string link_text;
    std::string href;
    bool in_link = false;
    bool can_newline = false;  // text written since the last line break
    auto target = [&]() -> std::string& { return in_link ? link_text : out; };
    auto newline = [&]() {
        if (can_newline) {
            target() += '\n';
            can_newline = false;
        }
    };
    auto finish_link = [&]() {
        in_link = false;
        const std::string text{Trim(link_text)};
        std::string rendered;
        if (text.empty()) {
            rendered = href.empty() || href.front() == '#' ? std::string() : href;
        } else if (href.empty() || href == text || href.front() == '#') {
            rendered = text;
        } else {
            rendered = text + " (" + href + ")";
        }
        link_text.clear();
        if (!rendered.empty()) {
            out += rendered;
            can_newline = true;
        }
    };

    std::size_t i = 0;
    while (i < html.size()) {
        if (html[i] != '<') {
            const auto next = html.find('<', i);
            const std::size_t stop = next == std::string_view::npos ? html.size() : next;
            const std::string decoded = DecodeEntities(html.substr(i, stop - i));
            std::string text;
            for (const char c : decoded) {
                if (IsHtmlSpace(c)) {
                    if (text.empty() || text.back() != ' ') {
                        text.push_back(' ');
                    }
                } else {
                    text.push_back(c);
                }
            }
            const std::string& dest = target();
            if (!can_newline || (!dest.empty() && dest.back() == ' ')) {
                text.erase(0, text.find_first_not_of(' '));
            }
            if (!text.empty()) {
                target() += text;
                can_newline = true;
            }
            i = stop;
            continue;
        }
        if (html.substr(i, 4) == "<!--") {
            const auto end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        const bool closing = i + 1 < html.size() && html[i + 1] == '/';
        std::size_t name_start = i + (closing ? 2 : 1);
        std::size_t j = name_start;
        while (j < html.size() && IsAsciiAlnum(static_cast<unsigned char>(html[j]))) {
            ++j;
        }
        if (j == name_start) {
            if (name_start < html.size() && (html[name_start] == '!' || html[name_start] == '?')) {
                const auto end = html.find('>', i);  // doctype, processing instruction
                i = end == std::string_view::npos ? html.size() : end + 1;
                continue;
            }
            target() += '<';  // a literal '<'
            can_newline = true;
            ++i;
            continue;
        }
        const std::string name = ToLower(html.substr(name_start, j - name_start));
        const std::size_t end = TagEnd(html, j);
        if (end == std::string_view::npos) {
            break;  // unterminated tag: drop the rest
        }
        const std::string_view attrs = html.substr(j, end - 1 - j);
        const bool self_closing = !attrs.empty() && attrs.back() == '/';
        i = end;
        if (!closing && IsSkippedTag(name)) {
            if (!self_closing && name != "img" && name != "input") {
                // Skip to the matching close tag (case-insensitive).
                const std::string lower = ToLower(html.substr(i));
                const auto close = lower.find("</" + name);
                if (close == std::string::npos) {
                    i = html.size();
                } else {
                    const auto gt = html.find('>', i + close);
                    i = gt == std::string_view::npos ? html.size() : gt + 1;
                }
            }
            continue;
        }
        if (name == "br") {
            target() += '\n';
            can_newline = false;
        } else if (name == "a") {
            if (!closing) {
                if (in_link) {
                    finish_link();
                }
                in_link = true;
                link_text.clear();
                href = AttrValue(attrs, "href");
            } else if (in_link) {
                finish_link();
            }
        } else if (!IsInlineTag(name)) {
            newline();
            if (name == "li" && !closing) {
                target() += "- ";
            }
        }
    }
    if (in_link) {
        finish_link();
    }
    return TidyText(out);
}

std::string ToMime(const Message& m) {
    std::string date = RfcDate();
    std::string message_id = MessageId(m.from.email);
    std::vector<std::pair<std::string, std::string>> extra;
    for (const auto& [raw_name, value] : m.headers) {
        const std::string name = CleanHeaderValue(raw_name);
        if (!IsFieldName(name) || IsReservedHeader(name)) {
            continue;
        }
        if (IEquals(name, "date")) {
            date = CleanHeaderValue(value);
        } else if (IEquals(name, "message-id")) {
            message_id = CleanHeaderValue(value);
        } else {
            extra.emplace_back(name, value);
        }
    }

    std::string out;
    out.reserve(m.html.size() * 2 + m.text.size() * 2 + 1024);
    out += "Date: " + date;
    out += kCrlf;
    out += "Message-ID: " + message_id;
    out += kCrlf;
    AppendHeader(out, "From", AddressListPieces({m.from}));
    if (!m.to.empty()) {
        AppendHeader(out, "To", AddressListPieces(m.to));
    }
    if (!m.cc.empty()) {
        AppendHeader(out, "Cc", AddressListPieces(m.cc));
    }
    AppendHeader(out, "Subject", UnstructuredPieces(m.subject));
    for (const auto& [name, value] : extra) {
        AppendHeader(out, name, UnstructuredPieces(value));
    }
    out += "MIME-Version: 1.0";
    out += kCrlf;

    const std::string text = m.text.empty() && !m.html.empty() ? HtmlToText(m.html) : m.text;
    if (m.html.empty()) {
        auto [cte, body] = EncodeBody(text);
        AppendPartHeaders(out, "text/plain", cte);
        out += kCrlf;
        out += body;
        return out;
    }
    // "=_" can occur in neither quoted-printable nor base64 output.
    const std::string boundary = "=_basalt_" + RandomString(28);
    out += "Content-Type: multipart/alternative;";
    out += kCrlf;
    out += " boundary=\"" + boundary + "\"";
    out += kCrlf;
    out += kCrlf;
    for (const auto& [type, content] :
         {std::pair<std::string_view, std::string_view>{"text/plain", text},
          std::pair<std::string_view, std::string_view>{"text/html", m.html}}) {
        out += "--" + boundary;
        out += kCrlf;
        auto [cte, body] = EncodeBody(content);
        AppendPartHeaders(out, type, cte);
        out += kCrlf;
        out += body;
    }
    out += "--" + boundary + "--";
    out += kCrlf;
    return out;
}

bool IsValidEmail(std::string_view email) {
    if (email.size() < 3 || email.size() > 254) {
        return false;
    }
    const auto at = email.rfind('@');
    if (at == std::string_view::npos || at == 0) {
        return false;
    }
    for (const char ch : email) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) {
            return false;  // no CR/LF/NUL/TAB anywhere, even quoted
        }
    }
    const std::string_view local = email.substr(0, at);
    const std::string_view domain = email.substr(at + 1);
    if (local.front() != '"' && local.find('@') != std::string_view::npos) {
        return false;
    }
    return IsValidLocalPart(local) && IsValidDomain(domain);
}

}  // namespace basalt::mail
