// Mailer: the interface that sends a mail::Message, with an SMTP (libcurl) and a logging backend.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "basalt/base/result.hpp"
#include "basalt/mail/message.hpp"

namespace basalt::mail {

/// SMTP settings (PocketBase's `smtp` settings block).
struct SmtpConfig {
    std::string host;
    int port = 587;
    std::string username;  ///< empty: no AUTH
    std::string password;
    std::string auth_method;  ///< "" (best offered) / "PLAIN" / "LOGIN" (PocketBase's authMethod)
    bool tls = false;         ///< true: implicit TLS (smtps://); false: STARTTLS when offered
    std::string local_name;   ///< EHLO name; empty = "localhost"
    std::chrono::seconds timeout{30};  ///< whole-transaction limit (connect included)
};

/// Sends mail. Send() blocks: call it on the blocking thread pool (base/offload.hpp), never on a
/// network thread. Implementations are immutable after construction, so one instance may be
/// shared by all threads and Send() called concurrently.
class Mailer {
public:
    Mailer() = default;
    virtual ~Mailer() = default;
    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;
    Mailer(Mailer&&) = delete;
    Mailer& operator=(Mailer&&) = delete;

    /// kInvalidArgument for a bad sender/recipient address or no recipient; kUnavailable when
    /// the transfer fails (the message says why, never with credentials).
    [[nodiscard]] virtual Status Send(const Message& m) = 0;
};

/// libcurl SMTP client: one connection per Send; MAIL FROM is `m.from`, RCPT TO every address of
/// to + cc + bcc (bcc is not in the headers); the data is ToMime(m). TLS peers are verified.
std::unique_ptr<Mailer> NewSmtpMailer(SmtpConfig cfg);

/// Logs each message (sender, recipients and subject, at info level) instead of sending it;
/// used when SMTP is disabled. Always succeeds.
std::unique_ptr<Mailer> NewLogMailer();

}  // namespace basalt::mail
