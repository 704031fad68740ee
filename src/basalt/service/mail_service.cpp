// Mail templates and sending.
#include "basalt/service/mail_service.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "basalt/base/log.hpp"
#include "basalt/base/offload.hpp"

namespace basalt::service {

namespace bj = boost::json;

namespace {

const boost::json::object* Section(const boost::json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string Str(const boost::json::object* o, std::string_view key) {
    if (o == nullptr) {
        return {};
    }
    auto it = o->find(key);
    return it != o->end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::string EscapeHtml(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) {
        return;
    }
    for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
        s.replace(pos, from.size(), to);
    }
}

// The template object at a dotted option path ("otp.emailTemplate").
const boost::json::object* TemplateAt(const schema::Collection& c, std::string_view path) {
    const boost::json::object* o = &c.options;
    while (o != nullptr) {
        auto dot = path.find('.');
        o = Section(*o, path.substr(0, dot));
        if (dot == std::string_view::npos) {
            return o;
        }
        path.remove_prefix(dot + 1);
    }
    return nullptr;
}

std::string ValueText(const boost::json::value& v) {
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_null()) {
        return {};
    }
    return boost::json::serialize(v);
}

}  // namespace

RenderedMail RenderTemplate(const schema::Collection& c,
                            std::string_view template_path,
                            const schema::Record& r,
                            const boost::json::object& settings,
                            const std::map<std::string, std::string>& vars) {
    const boost::json::object* t = TemplateAt(c, template_path);
    RenderedMail out{Str(t, "subject"), Str(t, "body")};
    const boost::json::object* meta = Section(settings, "meta");
    std::map<std::string, std::string> all = vars;
    all["{APP_NAME}"] = Str(meta, "appName");
    all["{APP_URL}"] = Str(meta, "appURL");
    for (const auto& f : c.fields) {
        std::string value;
        if (!f.hidden) {
            if (auto it = r.values.find(f.name); it != r.values.end()) {
                value = ValueText(it->value());
            }
        }
        all["{RECORD:" + f.name + "}"] = std::move(value);
    }
    for (const auto& [key, value] : all) {
        ReplaceAll(out.subject, key, value);
        ReplaceAll(out.html, key, EscapeHtml(value));
    }
    return out;
}

mail::Address MailService::Sender(const boost::json::object& settings) {
    const boost::json::object* meta = Section(settings, "meta");
    return {Str(meta, "senderName"), Str(meta, "senderAddress")};
}

std::unique_ptr<mail::Mailer> MailService::MailerFor(const boost::json::object& settings) const {
    const boost::json::object* smtp = Section(settings, "smtp");
    if (smtp == nullptr || !SettingBool(settings, "smtp", "enabled")) {
        return mail::NewLogMailer();
    }
    mail::SmtpConfig cfg;
    cfg.host = Str(smtp, "host");
    cfg.port = static_cast<int>(SettingInt(settings, "smtp", "port", 587));
    cfg.username = Str(smtp, "username");
    cfg.password = Str(smtp, "password");
    cfg.auth_method = Str(smtp, "authMethod");
    cfg.tls = SettingBool(settings, "smtp", "tls");
    cfg.local_name = Str(smtp, "localName");
    return mail::NewSmtpMailer(std::move(cfg));
}

net::awaitable<void> MailService::SendTemplate(const schema::Collection& c,
                                               std::string_view template_path,
                                               const schema::Record& r,
                                               std::string to,
                                               std::map<std::string, std::string> vars) {
    auto settings = co_await settings_.Get();
    if (!settings) {
        log::Warn("mail to {} not sent: cannot read the settings: {}", to, settings.error().message);
        co_return;
    }
    RenderedMail rendered = RenderTemplate(c, template_path, r, *settings, vars);
    mail::Message m;
    m.from = Sender(*settings);
    m.to.push_back({"", std::move(to)});
    m.subject = std::move(rendered.subject);
    m.html = std::move(rendered.html);
    std::shared_ptr<mail::Mailer> mailer = MailerFor(*settings);
    net::post(blocking_, [mailer, m = std::move(m)] {
        if (auto st = mailer->Send(m); !st) {
            log::Warn("mail \"{}\" to {} failed: {}", m.subject, m.to.front().email, st.error().message);
        }
    });
}

net::awaitable<Status> MailService::Send(mail::Message m) {
    BASALT_CO_TRY(auto settings, co_await settings_.Get());
    if (m.from.email.empty()) {
        m.from = Sender(settings);
    }
    std::shared_ptr<mail::Mailer> mailer = MailerFor(settings);
    auto send = [mailer, m = std::move(m)] { return mailer->Send(m); };
    co_return co_await Offload(blocking_, std::move(send));
}

net::awaitable<Status> MailService::SendTest(const schema::Collection& c, std::string template_name, std::string to) {
    static const std::map<std::string, std::string, std::less<>> kPaths = {
        {"verification", "verificationTemplate"},
        {"password-reset", "resetPasswordTemplate"},
        {"email-change", "confirmEmailChangeTemplate"},
        {"otp", "otp.emailTemplate"},
        {"login-alert", "authAlert.emailTemplate"},
    };
    bj::object errors;
    if (to.empty()) {
        errors["email"] = FieldError("validation_required", "Cannot be blank.");
    } else if (!mail::IsValidEmail(to)) {
        errors["email"] = FieldError("validation_is_email", "Must be a valid email address.");
    }
    auto path = kPaths.find(template_name);
    if (path == kPaths.end()) {
        errors["template"] = FieldError(template_name.empty() ? "validation_required" : "validation_in_invalid",
                                        template_name.empty() ? "Cannot be blank." : "Must be a valid value.");
    }
    if (!errors.empty()) {
        co_return InvalidArgument("An error occurred while validating the submitted data.", std::move(errors));
    }
    BASALT_CO_TRY(auto settings, co_await settings_.Get());
    schema::Record sample;
    sample.collection = std::make_shared<const schema::Collection>(c);
    sample.values = {{"id", "RECORD_ID"}, {"email", to}};
    RenderedMail rendered = RenderTemplate(c, path->second, sample, settings,
                                           {{"{TOKEN}", "TOKEN_VALUE"}, {"{OTP}", "123456"}, {"{OTP_ID}", "OTP_ID"},
                                            {"{ALERT_INFO}", "127.0.0.1 Test client"}});
    mail::Message m;
    m.from = Sender(settings);
    m.to.push_back({"", std::move(to)});
    m.subject = std::move(rendered.subject);
    m.html = std::move(rendered.html);
    if (auto st = co_await Send(std::move(m)); !st) {
        co_return InvalidArgument("Failed to send the test email.", {{"email", FieldError("validation_send_failed", st.error().message)}});
    }
    co_return Ok();
}

}  // namespace basalt::service
