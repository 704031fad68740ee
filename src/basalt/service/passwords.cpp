// Password input of auth records.
#include "basalt/service/internal/passwords.hpp"

#include "basalt/base/json.hpp"
#include "basalt/schema/validate.hpp"

namespace basalt::service::internal {

using schema::Collection;
using schema::Field;

PasswordInput TakePasswordInput(const boost::json::object& body) {
    PasswordInput in;
    auto get = [&](std::string_view key, bool& present, std::string& out) {
        if (auto it = body.find(key); it != body.end()) {
            present = true;
            if (it->value().is_string()) {
                out = std::string(it->value().get_string());
            } else if (!it->value().is_null()) {
                out = json::Serialize(it->value());
            }
        }
    };
    get("password", in.present, in.password);
    get("passwordConfirm", in.confirm_present, in.confirm);
    get("oldPassword", in.old_present, in.old);
    return in;
}

/// Password rules on the plain text (PocketBase validates before hashing): the field's own
/// constraints through the schema, plus passwordConfirm.
void ValidatePassword(const Collection& c, const PasswordInput& in, bool create, boost::json::object& errors) {
    const Field* f = c.FindField("password");
    if (f == nullptr) {
        return;
    }
    if (!in.present || in.password.empty()) {
        if (create) {
            errors["password"] = FieldError("validation_required", "Cannot be blank.");
        }
        return;
    }
    schema::RecordValidationContext vctx;
    vctx.plain_passwords["password"] = in.password;
    if (auto leaf = schema::ValidateFieldValue(*f, boost::json::value(""), create, vctx); !leaf.empty()) {
        errors["password"] = std::move(leaf);
    }
    if (in.confirm != in.password) {
        errors["passwordConfirm"] = FieldError("validation_values_mismatch", "Values don't match.");
    }
}

int PasswordCost(const Collection& c) {
    const Field* f = c.FindField("password");
    if (f != nullptr) {
        if (auto it = f->options.find("cost"); it != f->options.end() && it->value().is_number()) {
            int cost = it->value().to_number<int>();
            if (cost >= 4 && cost <= 31) {
                return cost;
            }
        }
    }
    return 10;
}

}  // namespace basalt::service::internal
