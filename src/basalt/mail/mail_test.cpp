// Unit tests for message.hpp (MIME, HTML→text, address validation) and mailer.hpp, the SMTP
// client against the real sink of tests/support/smtp_sink.py.
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "basalt/base/strings.hpp"
#include "basalt/mail/mailer.hpp"
#include "basalt/mail/message.hpp"
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace basalt::mail {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// --- A minimal MIME reader, independent of the writer under test ---

struct Part {
    std::vector<std::pair<std::string, std::string>> headers;  // unfolded
    std::string body;
    std::string raw_headers;

    std::optional<std::string> Header(std::string_view name) const {
        for (const auto& [n, v] : headers) {
            if (IEquals(n, name)) {
                return v;
            }
        }
        return std::nullopt;
    }

    int Count(std::string_view name) const {
        int n = 0;
        for (const auto& h : headers) {
            n += IEquals(h.first, name) ? 1 : 0;
        }
        return n;
    }
};

Part ParsePart(std::string_view text) {
    Part p;
    auto split = text.find("\r\n\r\n");
    std::string_view head = text.substr(0, split);
    if (split != std::string_view::npos) {
        p.body = std::string(text.substr(split + 4));
    }
    p.raw_headers = std::string(head);
    std::string unfolded;
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (head.substr(i, 3) == "\r\n " || head.substr(i, 3) == "\r\n\t") {
            i += 1;  // drop CRLF, keep the space
            continue;
        }
        unfolded.push_back(head[i]);
    }
    std::size_t pos = 0;
    while (pos <= unfolded.size()) {
        auto eol = unfolded.find("\r\n", pos);
        if (eol == std::string::npos) {
            eol = unfolded.size();
        }
        const std::string line = unfolded.substr(pos, eol - pos);
        if (const auto colon = line.find(':'); colon != std::string::npos) {
            p.headers.emplace_back(line.substr(0, colon),
                                   std::string(Trim(std::string_view(line).substr(colon + 1))));
        }
        pos = eol + 2;
    }
    return p;
}

std::string Base64Decode(std::string_view in) {
    static constexpr std::string_view kChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : in) {
        const auto v = kChars.find(c);
        if (v == std::string_view::npos) {
            continue;  // CRLF, padding
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string QpDecode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out.push_back(in[i]);
        } else if (in.substr(i + 1, 2) == "\r\n") {
            i += 2;  // soft break
        } else {
            out.push_back(
                static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        }
    }
    return out;
}

/// Decodes RFC 2047 B/Q encoded-words; whitespace between adjacent words is dropped.
std::string DecodeWords(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    bool prev_word = false;
    std::string pending_space;
    while (i < s.size()) {
        if (s.substr(i, 2) == "=?") {
            const auto q1 = s.find('?', i + 2);
            const auto q2 = q1 == std::string_view::npos ? q1 : s.find('?', q1 + 1);
            const auto end = q2 == std::string_view::npos ? q2 : s.find("?=", q2 + 1);
            if (end != std::string_view::npos) {
                const char enc = s[q1 + 1];
                const auto payload = s.substr(q2 + 1, end - q2 - 1);
                if (!prev_word) {
                    out += pending_space;
                }
                pending_space.clear();
                if (enc == 'B' || enc == 'b') {
                    out += Base64Decode(payload);
                } else {
                    std::string q(payload);
                    for (auto& c : q) {
                        c = c == '_' ? ' ' : c;
                    }
                    out += QpDecode(q);
                }
                prev_word = true;
                i = end + 2;
                continue;
            }
        }
        if (s[i] == ' ' || s[i] == '\t') {
            pending_space.push_back(s[i]);
            ++i;
            continue;
        }
        out += pending_space;
        pending_space.clear();
        out.push_back(s[i]);
        prev_word = false;
        ++i;
    }
    return out + pending_space;
}

std::string DecodeBody(const Part& p) {
    const auto cte = ToLower(p.Header("Content-Transfer-Encoding").value_or(""));
    if (cte == "base64") {
        return Base64Decode(p.body);
    }
    if (cte == "quoted-printable") {
        return QpDecode(p.body);
    }
    return p.body;
}

std::string BoundaryOf(const Part& p) {
    const auto ct = p.Header("Content-Type").value_or("");
    const auto b = ct.find("boundary=\"");
    if (b == std::string::npos) {
        return {};
    }
    const auto start = b + 10;
    return ct.substr(start, ct.find('"', start) - start);
}

std::vector<Part> SplitMultipart(const Part& p) {
    const std::string boundary = BoundaryOf(p);
    std::vector<Part> parts;
    const std::string delim = "--" + boundary;
    std::size_t pos = p.body.find(delim);
    while (pos != std::string::npos) {
        const auto start = pos + delim.size();
        if (p.body.substr(start, 2) == "--") {
            break;
        }
        const auto next = p.body.find("\r\n" + delim, start);
        if (next == std::string::npos) {
            break;
        }
        parts.push_back(ParsePart(std::string_view(p.body).substr(start + 2, next - start - 2)));
        pos = next + 2;
    }
    return parts;
}

std::string Crlf(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
            out += '\r';
        }
        out += s[i];
    }
    return out;
}

/// Every line break is CRLF; no line (CRLF excluded) is longer than `max`.
void ExpectWellFormed(std::string_view mime, std::size_t max = 998) {
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < mime.size(); ++i) {
        if (mime[i] == '\r') {
            ASSERT_TRUE(i + 1 < mime.size() && mime[i + 1] == '\n') << "bare CR at " << i;
        }
        if (mime[i] == '\n') {
            ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << "bare LF at " << i;
            EXPECT_LE(i - 1 - line_start, max) << mime.substr(line_start, i - line_start);
            line_start = i + 1;
        }
    }
}

void ExpectBodyLinesAtMost76(std::string_view body) {
    for (const auto line : Split(body, '\n')) {
        std::string_view l = line;
        if (!l.empty() && l.back() == '\r') {
            l.remove_suffix(1);
        }
        EXPECT_LE(l.size(), 76u) << l;
    }
}

Message SampleMessage() {
    Message m;
    m.from = {"Acme Support", "support@example.com"};
    m.to = {{"", "alice@example.com"}, {"Bob \"The Builder\"", "bob@example.org"}};
    m.cc = {{"Carol", "carol@example.net"}};
    m.bcc = {{"Hidden", "dave@example.com"}};
    m.subject = "Verify your email";
    m.html =
        "<p>Hello,</p>\n<p>Click <a href=\"https://app.example.com/verify?token=abc.def\">here"
        "</a> to verify.</p>";
    m.text = "Hello,\nOpen https://app.example.com/verify?token=abc.def to verify.";
    return m;
}

// --- ToMime ---

TEST(ToMime, HasTheStandardHeadersAndCrlfEverywhere) {
    const auto m = SampleMessage();
    const std::string mime = ToMime(m);
    ExpectWellFormed(mime);
    const Part p = ParsePart(mime);
    for (const auto* h :
         {"Date", "Message-ID", "From", "To", "Cc", "Subject", "MIME-Version", "Content-Type"}) {
        EXPECT_EQ(p.Count(h), 1) << h;
    }
    EXPECT_EQ(p.Count("Bcc"), 0);
    EXPECT_EQ(mime.find("dave@example.com"), std::string::npos);
    EXPECT_EQ(p.Header("From"), "Acme Support <support@example.com>");
    EXPECT_EQ(p.Header("To"), "<alice@example.com>, \"Bob \\\"The Builder\\\"\" <bob@example.org>");
    EXPECT_EQ(p.Header("Cc"), "Carol <carol@example.net>");
    EXPECT_EQ(p.Header("Subject"), "Verify your email");
    EXPECT_EQ(p.Header("MIME-Version"), "1.0");
    const auto id = p.Header("Message-ID").value_or("");
    EXPECT_EQ(id.front(), '<');
    EXPECT_NE(id.find("@example.com>"), std::string::npos) << id;
    EXPECT_GT(id.size(), 20u);
    EXPECT_NE(ToMime(m), mime);  // a fresh Message-ID and boundary each time
    // "Sun, 22 Nov 2026 07:33:20 +0000"
    const auto date = p.Header("Date").value_or("");
    EXPECT_EQ(date.size(), 31u) << date;
    EXPECT_EQ(date.substr(date.size() - 5), "+0000");
    EXPECT_EQ(p.Header("Content-Type").value_or("").rfind("multipart/alternative; boundary=\"", 0),
              0u);
}

TEST(ToMime, EncodesNonAsciiSubjectAndDisplayName) {
    auto m = SampleMessage();
    m.subject = "Vérifiez votre e-mail — 你好";
    m.from.name = "José Ñandú";
    m.to = {{"Zoë", "zoe@example.com"}, {"", "x@example.com"}};
    const std::string mime = ToMime(m);
    ExpectWellFormed(mime);
    const Part p = ParsePart(mime);
    const auto subject = p.Header("Subject").value_or("");
    EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << subject;
    EXPECT_EQ(DecodeWords(subject), m.subject);
    EXPECT_EQ(DecodeWords(p.Header("From").value_or("")), "José Ñandú <support@example.com>");
    EXPECT_EQ(DecodeWords(p.Header("To").value_or("")), "Zoë <zoe@example.com>, <x@example.com>");
    // Only ASCII in the header block.
    for (const char c : p.raw_headers) {
        EXPECT_LT(static_cast<unsigned char>(c), 0x80);
    }
}

TEST(ToMime, FoldsLongHeadersIntoShortLines) {
    auto m = SampleMessage();
    std::string long_utf8;
    std::string long_ascii;
    for (int i = 0; i < 40; ++i) {
        long_utf8 += "été ";
        long_ascii += "word" + std::to_string(i) + " ";
    }
    m.subject = long_utf8;
    m.headers = {{"X-Long", long_ascii}};
    for (int i = 0; i < 20; ++i) {
        m.cc.push_back({"Person Number " + std::to_string(i), "p" + std::to_string(i) + "@ex.com"});
    }
    const std::string mime = ToMime(m);
    const Part p = ParsePart(mime);
    ExpectWellFormed(p.raw_headers + "\r\n", 78);
    EXPECT_EQ(DecodeWords(p.Header("Subject").value_or("")), long_utf8);
    EXPECT_EQ(p.Header("X-Long").value_or(""), Trim(long_ascii));
    EXPECT_NE(p.Header("Cc").value_or("").find("Person Number 19 <p19@ex.com>"), std::string::npos);
}

TEST(ToMime, HeaderInjectionIsNeutralised) {
    auto m = SampleMessage();
    m.subject = "Hello\r\nBcc: x@y";
    m.to = {{"Eve\r\nBcc: eve@evil.com", "alice@example.com\r\nBcc: a@b.cc"}};
    m.headers = {{"X-Tag", "a\nBcc: evil@evil.com"},
                 {"X-Bad\r\nBcc", "z@z.zz"},
                 {"Bcc", "q@q.qq"},
                 {"Content-Type", "text/evil"},
                 {"Reply-To", "help@example.com"}};
    const std::string mime = ToMime(m);
    ExpectWellFormed(mime);
    const Part p = ParsePart(mime);
    EXPECT_EQ(p.Count("Bcc"), 0);
    EXPECT_EQ(mime.find("\nBcc"), std::string::npos);
    EXPECT_EQ(p.Header("Subject"), "HelloBcc: x@y");
    EXPECT_EQ(p.Header("X-Tag"), "aBcc: evil@evil.com");
    EXPECT_EQ(p.Count("X-Bad"), 0);
    EXPECT_EQ(p.Count("Content-Type"), 1);
    EXPECT_EQ(mime.find("text/evil"), std::string::npos);
    EXPECT_EQ(p.Header("Reply-To"), "help@example.com");
}

TEST(ToMime, DateAndMessageIdCanBeOverridden) {
    auto m = SampleMessage();
    m.headers = {{"Message-ID", "<fixed@example.com>"},
                 {"date", "Mon, 01 Jan 2024 00:00:00 +0000"}};
    const Part p = ParsePart(ToMime(m));
    EXPECT_EQ(p.Count("Message-ID"), 1);
    EXPECT_EQ(p.Header("Message-ID"), "<fixed@example.com>");
    EXPECT_EQ(p.Header("Date"), "Mon, 01 Jan 2024 00:00:00 +0000");
}

TEST(ToMime, MultipartBothPartsDecode) {
    auto m = SampleMessage();
    m.text = "Plain ✓ text = fine \nline two ends with spaces   \n.leading dot\n" +
             std::string(300, 'x') + "\n" + std::string(100, '=');
    m.html = "<html><body><p>" + std::string(250, 'h') +
             " é</p>\n<a href=\"https://x.io/a?b=c\">go</a>" + "</body></html>";
    const std::string mime = ToMime(m);
    ExpectWellFormed(mime);
    const Part p = ParsePart(mime);
    const auto parts = SplitMultipart(p);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].Header("Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(parts[1].Header("Content-Type"), "text/html; charset=UTF-8");
    EXPECT_EQ(parts[0].Header("Content-Transfer-Encoding"), "quoted-printable");
    for (const auto& part : parts) {
        ExpectBodyLinesAtMost76(part.body);
    }
    EXPECT_EQ(DecodeBody(parts[0]), Crlf(m.text));
    EXPECT_EQ(DecodeBody(parts[1]), Crlf(m.html));
    // No line of the encoded text starts with '.', and no encoded line ends in whitespace.
    for (const auto line : Split(parts[0].body, '\n')) {
        EXPECT_FALSE(!line.empty() && line.front() == '.') << line;
        std::string_view l = line;
        if (!l.empty() && l.back() == '\r') {
            l.remove_suffix(1);
        }
        EXPECT_FALSE(!l.empty() && (l.back() == ' ' || l.back() == '\t')) << l;
    }
}

TEST(ToMime, MostlyNonAsciiUsesBase64) {
    auto m = SampleMessage();
    m.html.clear();
    m.text =
        "Здравствуйте! Подтвердите адрес электронной почты, пожалуйста. Спасибо!\n"
        "Это очень длинная строка, которая должна быть разбита на несколько строк base64.";
    const std::string mime = ToMime(m);
    ExpectWellFormed(mime);
    const Part p = ParsePart(mime);
    EXPECT_EQ(p.Header("Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(p.Header("Content-Transfer-Encoding"), "base64");
    ExpectBodyLinesAtMost76(p.body);
    EXPECT_EQ(DecodeBody(p), Crlf(m.text));
}

TEST(ToMime, TextOnlyIsASinglePart) {
    auto m = SampleMessage();
    m.html.clear();
    const Part p = ParsePart(ToMime(m));
    EXPECT_EQ(p.Header("Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(QpDecode(p.body), Crlf(m.text) + "\r\n");
}

TEST(ToMime, DerivesTextFromHtmlWhenTextIsEmpty) {
    auto m = SampleMessage();
    m.text.clear();
    const auto parts = SplitMultipart(ParsePart(ToMime(m)));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(DecodeBody(parts[0]),
              "Hello,\r\nClick here (https://app.example.com/verify?token=abc.def) to verify.");
}

// --- HtmlToText ---

TEST(HtmlToText, StripsTagsKeepsLinksAndDecodesEntities) {
    const std::string html = R"(<!DOCTYPE html>
<html><head><title>Title</title><style>p { color: red; }</style></head>
<body>
  <!-- a comment -->
  <h1>Welcome,   friend!</h1>
  <p>Tom &amp; Jerry &lt;3 &quot;cheese&quot; &#169; &#x263A;&nbsp;ok</p>
  <p>Click <a href="https://example.com/verify?a=1&amp;b=2"><strong>this link</strong></a>
     to verify, or <a href="https://example.com/x">https://example.com/x</a>.</p>
  <ul><li>One</li><li>Two <em>em</em></li></ul>
  line<br>break<br/>again
  <script>alert("x")</script>
  <a href="#top"></a><a href="https://example.com/empty"></a>
</body></html>)";
    EXPECT_EQ(HtmlToText(html),
              "Welcome, friend!\n"
              "Tom & Jerry <3 \"cheese\" © ☺ ok\n"
              "Click this link (https://example.com/verify?a=1&b=2) to verify, or "
              "https://example.com/x.\n"
              "- One\n"
              "- Two em\n"
              "line\nbreak\nagain https://example.com/empty");
}

TEST(HtmlToText, ToleratesBrokenMarkup) {
    EXPECT_EQ(HtmlToText(""), "");
    EXPECT_EQ(HtmlToText("plain text"), "plain text");
    EXPECT_EQ(HtmlToText("a < b and c > d"), "a < b and c > d");
    EXPECT_EQ(HtmlToText("<p>unterminated <a href=\"x"), "unterminated");
    EXPECT_EQ(HtmlToText("<a href='https://e.com'>open"), "open (https://e.com)");
    EXPECT_EQ(HtmlToText("<SCRIPT>x</script>after"), "after");
    EXPECT_EQ(HtmlToText("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
}

// --- IsValidEmail ---

TEST(IsValidEmail, Table) {
    struct Case {
        std::string_view email;
        bool valid;
    };

    const std::string long_local(250, 'a');
    const std::string too_long = long_local + "@b.co";             // 255
    const std::string max_len = std::string(248, 'a') + "@b.com";  // 254
    const Case cases[] = {
        {"test@example.com", true},
        {"Test.User+tag@Sub.Example.co.uk", true},
        {"a@b.cc", true},
        {"user_name-1@ex-ample.io", true},
        {"o'hara@example.com", true},
        {"\"quoted\"@example.com", true},
        {"üser@exämple.de", true},
        {"test@localhost.", false},
        {"test@example.com.", true},
        {"", false},
        {"plainaddress", false},
        {"@example.com", false},
        {"test@", false},
        {"test@example", false},
        {"test@example.c0m", true},  // govalidator: the TLD only starts and ends with a letter
        {"test@example.0m", false},
        {"test@example.1", false},
        {"test@-example.com", false},
        {"test@example-.com", false},
        {"test@exa mple.com", false},
        {"te st@example.com", false},
        {".test@example.com", false},
        {"test.@example.com", false},
        {"te..st@example.com", false},
        {"test@example..com", false},
        {"test@@example.com", false},
        {"a@b@example.com", false},
        {"test@example.com\r\nBcc: x@y.zz", false},
        {"test\n@example.com", false},
        {"<test@example.com>", false},
        {"test@exam(ple).com", false},
        {max_len, true},
        {too_long, false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(IsValidEmail(c.email), c.valid) << c.email;
    }
}

// --- Mailers ---

TEST(LogMailer, AlwaysSucceeds) {
    auto mailer = NewLogMailer();
    EXPECT_TRUE(mailer->Send(SampleMessage()));
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
int ClosedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // NOLINT
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
    ::close(fd);
    return ntohs(addr.sin_port);
}

TEST(SmtpMailer, ClosedPortIsUnavailableWithinTheTimeout) {
    SmtpConfig cfg;
    cfg.host = "127.0.0.1";
    cfg.port = ClosedPort();
    cfg.username = "user";
    cfg.password = "s3cret-password";
    cfg.timeout = 5s;
    auto mailer = NewSmtpMailer(cfg);
    const auto start = std::chrono::steady_clock::now();
    const auto st = mailer->Send(SampleMessage());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 6s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(st.error().message.find("127.0.0.1"), std::string::npos) << st.error().message;
    EXPECT_EQ(st.error().message.find("s3cret"), std::string::npos);
}

TEST(SmtpMailer, RejectsBadAddressesBeforeConnecting) {
    SmtpConfig cfg;
    cfg.host = "127.0.0.1";
    cfg.port = ClosedPort();
    auto mailer = NewSmtpMailer(cfg);
    auto m = SampleMessage();
    m.bcc = {{"", "evil@example.com>\r\nRCPT TO:<x@y.zz"}};
    auto st = mailer->Send(m);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);

    m = SampleMessage();
    m.from.email = "not an email";
    st = mailer->Send(m);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);

    m = SampleMessage();
    m.to.clear();
    m.cc.clear();
    m.bcc.clear();
    st = mailer->Send(m);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);

    cfg.username = "u";
    cfg.auth_method = "CRAM-MD5";
    st = NewSmtpMailer(cfg)->Send(SampleMessage());
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

/// Runs tests/support/smtp_sink.py as a child on a fresh temp dir; SIGTERM (then SIGKILL) to
/// this child only on destruction.
class SmtpSink {
public:
    SmtpSink() = default;
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    ~SmtpSink() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            const auto deadline = std::chrono::steady_clock::now() + 5s;
            while (::waitpid(pid_, &status, WNOHANG) == 0) {
                if (std::chrono::steady_clock::now() > deadline) {
                    ::kill(pid_, SIGKILL);
                    ::waitpid(pid_, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(20ms);
            }
        }
        if (out_fd_ >= 0) {
            ::close(out_fd_);
        }
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    /// Empty on success, else why the sink cannot run; `*skip` is set when that is because
    /// python3 or aiosmtpd is missing.
    std::string Start(bool* skip) {
        *skip = false;
        const std::string python = FindPython();
        if (python.empty()) {
            *skip = true;
            return "python3 with aiosmtpd not found (install python3-aiosmtpd)";
        }
        std::string tmpl = (fs::temp_directory_path() / "basalt-mail-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            return "mkdtemp failed";
        }
        dir_ = tmpl;
        const std::string script =
            (fs::path(BASALT_SOURCE_DIR) / "tests/support/smtp_sink.py").string();
        std::vector<std::string> args = {python, script, "--port", "0", "--dir", dir_.string()};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
            return "pipe2 failed";
        }
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(127);
            }
            const int devnull = ::open("/dev/null", O_RDONLY);
            if (devnull >= 0) {
                ::dup2(devnull, STDIN_FILENO);
            }
            ::dup2(fds[1], STDOUT_FILENO);
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out_fd_ = fds[0];
        if (pid_ < 0) {
            return "fork failed";
        }
        // Wait for "SMTP sink listening on 127.0.0.1:<port>\n".
        std::string out;
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (out.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) {
                return "sink did not start within 20 s: " + out;
            }
            pollfd pfd{out_fd_, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            std::array<char, 256> buf{};
            const auto n = ::read(out_fd_, buf.data(), buf.size());
            if (n <= 0) {
                return "sink exited before listening: " + out;
            }
            out.append(buf.data(), static_cast<std::size_t>(n));
        }
        constexpr std::string_view kPrefix = "SMTP sink listening on 127.0.0.1:";
        const auto at = out.find(kPrefix);
        if (at == std::string::npos) {
            return "unexpected sink output: " + out;
        }
        port_ = std::atoi(out.c_str() + at + kPrefix.size());
        return port_ > 0 ? "" : "bad port in: " + out;
    }

    int port() const { return port_; }

    const fs::path& dir() const { return dir_; }

    /// Contents of `<dir>/<seq>.<ext>`, waiting up to 5 s for the .eml to appear.
    std::string ReadFile(int seq, std::string_view ext) const {
        const fs::path eml = dir_ / (std::to_string(seq) + ".eml");
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!fs::exists(eml) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
        }
        std::ifstream in(dir_ / (std::to_string(seq) + "." + std::string(ext)), std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    static std::string FindPython() {
        for (const std::string py : {"/usr/bin/python3", "python3"}) {
            const std::string cmd = "'" + py + "' -c 'import aiosmtpd' >/dev/null 2>&1";
            if (std::system(cmd.c_str()) == 0) {  // NOLINT(cert-env33-c): test-only probe
                return py;
            }
        }
        return {};
    }

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int port_ = 0;
    fs::path dir_;
};

class SmtpSinkTest : public ::testing::Test {
protected:
    void SetUp() override {
        bool skip = false;
        const std::string problem = sink_.Start(&skip);
        if (skip) {
            GTEST_SKIP() << problem;
        }
        ASSERT_EQ(problem, "");
        cfg_.host = "127.0.0.1";
        cfg_.port = sink_.port();
        cfg_.timeout = 10s;
    }

    SmtpSink sink_;
    SmtpConfig cfg_;
};

TEST_F(SmtpSinkTest, DeliversToToCcAndBccWithoutABccHeader) {
    auto m = SampleMessage();
    m.subject = "Vérifiez votre adresse ✓";
    m.from.name = "Équipe Acme";
    m.text.clear();  // derived from the html
    auto mailer = NewSmtpMailer(cfg_);
    const auto st = mailer->Send(m);
    ASSERT_TRUE(st) << st.error().message;

    const auto meta = boost::json::parse(sink_.ReadFile(1, "json")).as_object();
    EXPECT_EQ(meta.at("mail_from").as_string(), "support@example.com");
    std::vector<std::string> rcpts;
    for (const auto& r : meta.at("rcpt_tos").as_array()) {
        rcpts.emplace_back(r.as_string());
    }
    EXPECT_EQ(
        rcpts,
        (std::vector<std::string>{
            "alice@example.com", "bob@example.org", "carol@example.net", "dave@example.com"}));

    const std::string eml = sink_.ReadFile(1, "eml");
    ExpectWellFormed(eml);
    const Part p = ParsePart(eml);
    EXPECT_EQ(p.Count("Bcc"), 0);
    EXPECT_EQ(eml.find("dave@example.com"), std::string::npos);
    EXPECT_EQ(DecodeWords(p.Header("Subject").value_or("")), m.subject);
    EXPECT_EQ(DecodeWords(p.Header("From").value_or("")), "Équipe Acme <support@example.com>");
    const auto parts = SplitMultipart(p);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_NE(DecodeBody(parts[1]).find("href=\"https://app.example.com/verify?token=abc.def\""),
              std::string::npos);
    EXPECT_NE(DecodeBody(parts[0]).find("here (https://app.example.com/verify?token=abc.def)"),
              std::string::npos);
}

TEST_F(SmtpSinkTest, AuthenticatesWithPlainAndLogin) {
    cfg_.username = "user@example.com";
    cfg_.password = "secret";
    int seq = 0;
    for (const char* method : {"PLAIN", "LOGIN", ""}) {
        cfg_.auth_method = method;
        const auto st = NewSmtpMailer(cfg_)->Send(SampleMessage());
        ASSERT_TRUE(st) << method << ": " << st.error().message;
        EXPECT_FALSE(sink_.ReadFile(++seq, "eml").empty()) << method;
    }
}

TEST_F(SmtpSinkTest, ConcurrentSendsAreIndependent) {
    cfg_.local_name = "mail.basalt.test";
    auto mailer = NewSmtpMailer(cfg_);
    std::vector<std::thread> threads;
    std::array<bool, 4> ok{};
    for (std::size_t i = 0; i < ok.size(); ++i) {
        threads.emplace_back([&mailer, &ok, i] {
            auto m = SampleMessage();
            m.subject = "n" + std::to_string(i);
            ok.at(i) = static_cast<bool>(mailer->Send(m));
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (std::size_t i = 0; i < ok.size(); ++i) {
        EXPECT_TRUE(ok.at(i)) << i;
        EXPECT_FALSE(sink_.ReadFile(static_cast<int>(i) + 1, "eml").empty()) << i;
    }
}

}  // namespace
}  // namespace basalt::mail
