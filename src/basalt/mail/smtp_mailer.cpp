// NewSmtpMailer: one libcurl easy handle (and SMTP connection) per Send.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "basalt/base/curl.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/mail/mailer.hpp"

namespace basalt::mail {
namespace {

/// The upload source for CURLOPT_READFUNCTION.
struct Upload {
    std::string_view data;
    std::size_t pos = 0;
};

std::size_t ReadCallback(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
    auto* up = static_cast<Upload*>(userdata);
    const std::size_t n = std::min(size * nitems, up->data.size() - up->pos);
    std::memcpy(buffer, up->data.data() + up->pos, n);
    up->pos += n;
    return n;
}

/// The EHLO name for the URL path: a host name or address literal, else "localhost".
std::string EhloName(const std::string& local_name) {
    const bool ok =
        !local_name.empty() && std::all_of(local_name.begin(), local_name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == '[' || c == ']' || c == ':';
        });
    return ok ? local_name : "localhost";
}

class SmtpMailer final : public Mailer {
public:
    explicit SmtpMailer(SmtpConfig cfg) : cfg_(std::move(cfg)) {}

    Status Send(const Message& m) override;

private:
    Error Unavailable(std::string_view what) const {
        return {ErrorCode::kUnavailable,
                fmt::format("Failed to send mail via {}:{}: {}", cfg_.host, cfg_.port, what)};
    }

    const SmtpConfig cfg_;
};

Status SmtpMailer::Send(const Message& m) {
    if (!IsValidEmail(m.from.email)) {
        return InvalidArgument("Invalid sender address.");
    }
    CurlSlist rcpts;
    std::size_t count = 0;
    for (const auto* list : {&m.to, &m.cc, &m.bcc}) {
        for (const auto& a : *list) {
            if (!IsValidEmail(a.email)) {
                return InvalidArgument(fmt::format("Invalid recipient address {:?}.", a.email));
            }
            const std::string rcpt = "<" + a.email + ">";
            curl_slist* next = curl_slist_append(rcpts.get(), rcpt.c_str());
            if (next == nullptr) {
                return Internal("curl_slist_append failed");
            }
            (void)rcpts.release();
            rcpts.reset(next);
            ++count;
        }
    }
    if (count == 0) {
        return InvalidArgument("The message has no recipients.");
    }
    const auto method = ToLower(cfg_.auth_method);
    if (!method.empty() && method != "plain" && method != "login") {
        return InvalidArgument(fmt::format("Unsupported SMTP auth method {:?}.", cfg_.auth_method));
    }
    if (CurlGlobalInit() != CURLE_OK) {
        return Unavailable("curl_global_init failed");
    }
    CurlEasy h(curl_easy_init());
    if (!h) {
        return Unavailable("curl_easy_init failed");
    }

    const std::string mime = ToMime(m);
    Upload upload{mime};
    const std::string host =
        cfg_.host.find(':') != std::string::npos ? "[" + cfg_.host + "]" : cfg_.host;
    const std::string url = fmt::format(
        "{}://{}:{}/{}", cfg_.tls ? "smtps" : "smtp", host, cfg_.port, EhloName(cfg_.local_name));
    const std::string mail_from = "<" + m.from.email + ">";
    const long timeout = static_cast<long>(std::max<std::int64_t>(1, cfg_.timeout.count()));
    std::array<char, CURL_ERROR_SIZE> errbuf{};

    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf.data());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    if (!cfg_.tls) {
        curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    }
    if (!cfg_.username.empty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg_.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg_.password.c_str());
        if (method == "plain") {
            curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
        } else if (method == "login") {
            curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=LOGIN");
        }
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadCallback);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        const std::string what =
            errbuf[0] != '\0' ? std::string(errbuf.data()) : std::string(curl_easy_strerror(rc));
        log::Warn("mail: SMTP send via {}:{} failed: {}", cfg_.host, cfg_.port, what);
        return Unavailable(what);
    }
    log::Debug(
        "mail: sent {:?} to {} recipient(s) via {}:{}", m.subject, count, cfg_.host, cfg_.port);
    return Ok();
}

}  // namespace

std::unique_ptr<Mailer> NewSmtpMailer(SmtpConfig cfg) {
    (void)CurlGlobalInit();
    return std::make_unique<SmtpMailer>(std::move(cfg));
}

}  // namespace basalt::mail
