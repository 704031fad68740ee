// MailService: the application's outgoing mail — collection templates rendered for a record and
// sent through the SMTP settings of /api/settings (pocketbase-api.md §2.5, §2.8).
#pragma once

#include <map>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/mail/mailer.hpp"
#include "basalt/mail/message.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/settings.hpp"

namespace basalt::service {

namespace net = boost::asio;

/// A collection email template after placeholder substitution.
struct RenderedMail {
    std::string subject;
    std::string html;
};

/// Replaces {APP_NAME}, {APP_URL}, {RECORD:field} and every `vars` key ({TOKEN}, {OTP}, ...) in
/// the collection option `template_path` ("verificationTemplate", "otp.emailTemplate", ...).
/// Values are HTML-escaped in the body; hidden fields (password, tokenKey, ...) render empty.
RenderedMail RenderTemplate(const schema::Collection& c,
                            std::string_view template_path,
                            const schema::Record& r,
                            const boost::json::object& settings,
                            const std::map<std::string, std::string>& vars);

/// References App-owned objects that outlive every request. Thread-safe.
class MailService {
public:
    MailService(SettingsService& settings, net::any_io_executor blocking)
        : settings_(settings), blocking_(std::move(blocking)) {}

    /// Renders a collection template for `r` and sends it to `to` in the background: the caller
    /// never waits for the mail server (no timing difference between known and unknown
    /// addresses) and failures are logged.
    net::awaitable<void> SendTemplate(const schema::Collection& c,
                                      std::string_view template_path,
                                      const schema::Record& r,
                                      std::string to,
                                      std::map<std::string, std::string> vars);

    /// Sends `m` (From filled from the settings when empty) and waits for the outcome.
    net::awaitable<Status> Send(mail::Message m);

    /// POST /api/settings/test/email: one of PocketBase's template names (verification,
    /// password-reset, email-change, otp, login-alert) of collection `c`, rendered with sample
    /// values, sent to `to` and awaited.
    net::awaitable<Status> SendTest(const schema::Collection& c, std::string template_name, std::string to);

private:
    std::unique_ptr<mail::Mailer> MailerFor(const boost::json::object& settings) const;
    static mail::Address Sender(const boost::json::object& settings);

    SettingsService& settings_;
    net::any_io_executor blocking_;
};

}  // namespace basalt::service
