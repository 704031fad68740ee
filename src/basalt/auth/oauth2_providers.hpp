// The OAuth2 provider catalogue: every provider PocketBase v0.39 offers, with its endpoints,
// default scopes, PKCE default and where its user-info JSON keeps id/name/username/email/avatar.
#pragma once

#include <span>
#include <string_view>

namespace basalt::auth {

/// Where a provider's user-info document keeps the standard fields, as JSON pointers ("" =
/// the provider does not report it). `email_verified`, when set, names a flag that must be true
/// for the email to be accepted (PocketBase ignores unverified emails).
struct UserMapping {
    std::string_view id;
    std::string_view name;
    std::string_view username;
    std::string_view email;
    std::string_view avatar_url;
    std::string_view email_verified;
};

/// One built-in provider. Immutable static data; the URLs are the defaults a collection's
/// provider config may override (self-hosted GitLab/Gitea, OIDC issuers, ...).
struct ProviderInfo {
    std::string_view name;
    std::string_view display_name;
    std::string_view logo;  // SVG markup; empty where we ship none
    std::string_view auth_url;
    std::string_view token_url;
    std::string_view user_info_url;
    std::string_view scopes;  // space-separated
    bool pkce = true;
    UserMapping mapping;
};

/// Every provider, sorted by name.
std::span<const ProviderInfo> Providers();

/// The provider named `name`, or nullptr.
const ProviderInfo* FindProvider(std::string_view name);

}  // namespace basalt::auth
