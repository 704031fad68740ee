// Password input of auth records, shared by record writes and the auth flows: reading
// password/passwordConfirm/oldPassword from a body, validating the plain text against the
// password field (PocketBase validates before hashing) and the field's bcrypt cost.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "basalt/schema/collection.hpp"

namespace basalt::service::internal {

struct PasswordInput {
    bool present = false;
    std::string password;
    bool confirm_present = false;
    std::string confirm;
    bool old_present = false;
    std::string old;
};

PasswordInput TakePasswordInput(const boost::json::object& body);

/// The password field's constraints on the plain text, plus passwordConfirm; errors are added
/// to `errors` under "password" / "passwordConfirm".
void ValidatePassword(const schema::Collection& c, const PasswordInput& in, bool create, boost::json::object& errors);

/// The bcrypt cost of the collection's password field (10 when unset).
int PasswordCost(const schema::Collection& c);

}  // namespace basalt::service::internal
