// NewLogMailer: logs messages instead of sending them (SMTP disabled).
#include <memory>
#include <string>

#include "basalt/base/log.hpp"
#include "basalt/mail/mailer.hpp"

namespace basalt::mail {
namespace {

std::string JoinEmails(const std::vector<Address>& list) {
    std::string out;
    for (const auto& a : list) {
        if (!out.empty()) {
            out += ", ";
        }
        out += a.email;
    }
    return out;
}

class LogMailer final : public Mailer {
public:
    Status Send(const Message& m) override {
        log::Info("mail (SMTP disabled, not sent): from {:?} to [{}] cc [{}] bcc [{}] subject {:?}",
                  m.from.email,
                  JoinEmails(m.to),
                  JoinEmails(m.cc),
                  JoinEmails(m.bcc),
                  m.subject);
        return Ok();
    }
};

}  // namespace

std::unique_ptr<Mailer> NewLogMailer() {
    return std::make_unique<LogMailer>();
}

}  // namespace basalt::mail
