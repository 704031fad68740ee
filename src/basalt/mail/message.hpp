// Mail messages and their RFC 5322 / MIME rendering; pure (no I/O), used by every Mailer.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::mail {

/// A mailbox: `email` is the addr-spec, `name` an optional display name (any UTF-8).
struct Address {
    std::string name;
    std::string email;
};

/// One email. `to` + `cc` + `bcc` are the envelope recipients; `bcc` never appears in headers.
struct Message {
    Address from;
    std::vector<Address> to;
    std::vector<Address> cc;
    std::vector<Address> bcc;
    std::string subject;
    std::string html;  ///< may be empty
    std::string text;  ///< may be empty; derived from `html` (HtmlToText) when empty
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers, optional
};

/// The RFC 5322 / MIME text of `m`, CRLF line endings throughout: Date, Message-ID
/// (`<random@domain-of-from>`), From/To/Cc (display names and subject as RFC 2047 encoded-words
/// when not plain ASCII, folded at 78 columns where possible, never over 998), the extra
/// headers, MIME-Version and a UTF-8 body — multipart/alternative (text/plain then text/html)
/// when `html` is set, else text/plain — quoted-printable, or base64 for mostly non-ASCII text,
/// with body lines <= 76. CR/LF (and other control characters) are removed from every header
/// value, so header injection is impossible. Extra headers named Date or Message-ID replace the
/// generated ones; extra From/To/Cc/Bcc/Subject/MIME-Version/Content-* headers and names that are
/// not RFC 5322 field names are dropped.
std::string ToMime(const Message& m);

/// PocketBase's plain-text fallback for an HTML body: tags stripped, basic entities decoded,
/// whitespace collapsed, block elements and <br> on new lines, `<li>` prefixed with "- ",
/// links kept as "text (url)"; head/style/script/etc. skipped. Lines end with "\n".
std::string HtmlToText(std::string_view html);

/// Whether `email` is a syntactically valid address, as PocketBase's `is.EmailFormat`
/// (govalidator.IsEmail): dot-atom or quoted local part, '@', a domain of at least two labels
/// whose last label starts and ends with a letter; non-ASCII (UTF-8) allowed; no spaces or
/// control characters outside quotes; at most 254 bytes.
bool IsValidEmail(std::string_view email);

}  // namespace basalt::mail
