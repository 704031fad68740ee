// The provider table. Facts (names, display names, endpoints, scopes, PKCE defaults, user-info
// fields) follow PocketBase's tools/auth providers; mappings are JSON pointers into the
// user-info document, with the few computed fields handled in oauth2.cpp.
#include "basalt/auth/oauth2_providers.hpp"

#include <algorithm>
#include <array>

namespace basalt::auth {
namespace {

// OpenID Connect standard claims (also Google's v3 userinfo).
constexpr UserMapping kOidcClaims{"/sub", "/name", "/preferred_username", "/email", "/picture", "/email_verified"};

// Sorted by name (FindProvider binary-searches).
constexpr std::array kProviders{
    ProviderInfo{"apple", "Apple", "", "https://appleid.apple.com/auth/authorize", "https://appleid.apple.com/auth/token",
                 "", "name email", true, {"/sub", "/name", "", "/email", "", "/email_verified"}},
    ProviderInfo{"bitbucket", "Bitbucket", "", "https://bitbucket.org/site/oauth2/authorize",
                 "https://bitbucket.org/site/oauth2/access_token", "https://api.bitbucket.org/2.0/user", "account", false,
                 {"/uuid", "/display_name", "/username", "", "/links/avatar/href", ""}},
    ProviderInfo{"box", "Box", "", "https://account.box.com/api/oauth2/authorize", "https://api.box.com/oauth2/token",
                 "https://api.box.com/2.0/users/me", "root_readonly", true,
                 {"/id", "/name", "", "/login", "/avatar_url", ""}},
    ProviderInfo{"discord", "Discord", "", "https://discord.com/api/oauth2/authorize", "https://discord.com/api/oauth2/token",
                 "https://discord.com/api/users/@me", "identify email", true,
                 {"/id", "", "/username", "/email", "", "/verified"}},
    ProviderInfo{"facebook", "Facebook", "", "https://www.facebook.com/v3.2/dialog/oauth",
                 "https://graph.facebook.com/v3.2/oauth/access_token",
                 "https://graph.facebook.com/me?fields=name,email,picture.type(large)", "email", true,
                 {"/id", "/name", "", "/email", "/picture/data/url", ""}},
    ProviderInfo{"gitea", "Gitea", "", "https://gitea.com/login/oauth/authorize", "https://gitea.com/login/oauth/access_token",
                 "https://gitea.com/api/v1/user", "read:user user:email", true,
                 {"/id", "/full_name", "/login", "/email", "/avatar_url", ""}},
    ProviderInfo{"gitee", "Gitee", "", "https://gitee.com/oauth/authorize", "https://gitee.com/oauth/token",
                 "https://gitee.com/api/v5/user", "user_info emails", true,
                 {"/id", "/name", "/login", "/email", "/avatar_url", ""}},
    ProviderInfo{"github", "GitHub", "", "https://github.com/login/oauth/authorize",
                 "https://github.com/login/oauth/access_token", "https://api.github.com/user", "read:user user:email", true,
                 {"/id", "/name", "/login", "/email", "/avatar_url", ""}},
    ProviderInfo{"gitlab", "GitLab", "", "https://gitlab.com/oauth/authorize", "https://gitlab.com/oauth/token",
                 "https://gitlab.com/api/v4/user", "read_user", true,
                 {"/id", "/name", "/username", "/email", "/avatar_url", ""}},
    ProviderInfo{"google", "Google", "", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
                 "https://www.googleapis.com/oauth2/v3/userinfo",
                 "https://www.googleapis.com/auth/userinfo.profile https://www.googleapis.com/auth/userinfo.email", true,
                 {"/sub", "/name", "", "/email", "/picture", "/email_verified"}},
    ProviderInfo{"instagram2", "Instagram", "", "https://www.instagram.com/oauth/authorize",
                 "https://api.instagram.com/oauth/access_token",
                 "https://graph.instagram.com/me?fields=id,username,account_type,user_id,name,profile_picture_url,"
                 "followers_count,follows_count,media_count",
                 "instagram_business_basic", true, {"/user_id", "/name", "/username", "", "/profile_picture_url", ""}},
    ProviderInfo{"kakao", "Kakao", "", "https://kauth.kakao.com/oauth/authorize", "https://kauth.kakao.com/oauth/token",
                 "https://kapi.kakao.com/v2/user/me", "account_email profile_nickname profile_image", true,
                 {"/id", "", "/properties/nickname", "/kakao_account/email", "/properties/profile_image",
                  "/kakao_account/is_email_verified"}},
    ProviderInfo{"lark", "Lark", "", "https://accounts.feishu.cn/open-apis/authen/v1/authorize",
                 "https://open.feishu.cn/open-apis/authen/v2/oauth/token",
                 "https://open.feishu.cn/open-apis/authen/v1/user_info", "", true,
                 {"/data/union_id", "/data/name", "", "", "/data/avatar_url", ""}},
    ProviderInfo{"linear", "Linear", "", "https://linear.app/oauth/authorize", "https://api.linear.app/oauth/token",
                 "https://api.linear.app/graphql", "read", false,
                 {"/data/viewer/id", "/data/viewer/name", "/data/viewer/displayName", "/data/viewer/email",
                  "/data/viewer/avatarUrl", ""}},
    ProviderInfo{"livechat", "LiveChat", "", "https://accounts.livechat.com/", "https://accounts.livechat.com/token",
                 "https://accounts.livechat.com/v2/accounts/me", "", true,
                 {"/account_id", "/name", "", "/email", "/avatar_url", "/email_verified"}},
    ProviderInfo{"mailcow", "mailcow", "", "", "", "", "profile", true,
                 {"/id", "/full_name", "/username", "/email", "", ""}},
    ProviderInfo{"microsoft", "Microsoft", "", "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                 "https://login.microsoftonline.com/common/oauth2/v2.0/token", "https://graph.microsoft.com/v1.0/me",
                 "User.Read", true, {"/id", "/displayName", "", "/mail", "", ""}},
    ProviderInfo{"monday", "monday.com", "", "https://auth.monday.com/oauth2/authorize", "https://auth.monday.com/oauth2/token",
                 "https://api.monday.com/v2", "me:read", true,
                 {"/data/me/id", "/data/me/name", "", "/data/me/email", "/data/me/photo_small", "/data/me/is_verified"}},
    ProviderInfo{"notion", "Notion", "", "https://api.notion.com/v1/oauth/authorize", "https://api.notion.com/v1/oauth/token",
                 "https://api.notion.com/v1/users/me", "", true,
                 {"/bot/owner/user/id", "/bot/owner/user/name", "", "/bot/owner/user/person/email",
                  "/bot/owner/user/avatar_url", ""}},
    ProviderInfo{"oidc", "OIDC", "", "", "", "", "openid email profile", true, kOidcClaims},
    ProviderInfo{"oidc2", "OIDC", "", "", "", "", "openid email profile", true, kOidcClaims},
    ProviderInfo{"oidc3", "OIDC", "", "", "", "", "openid email profile", true, kOidcClaims},
    ProviderInfo{"patreon", "Patreon", "", "https://www.patreon.com/oauth2/authorize",
                 "https://www.patreon.com/api/oauth2/token",
                 "https://www.patreon.com/api/oauth2/v2/identity?fields%5Buser%5D=full_name,email,vanity,image_url,"
                 "is_email_verified",
                 "identity identity[email]", true,
                 {"/data/id", "/data/attributes/full_name", "/data/attributes/vanity", "/data/attributes/email",
                  "/data/attributes/image_url", "/data/attributes/is_email_verified"}},
    ProviderInfo{"planningcenter", "Planning Center", "", "https://api.planningcenteronline.com/oauth/authorize",
                 "https://api.planningcenteronline.com/oauth/token", "https://api.planningcenteronline.com/people/v2/me",
                 "people", true, {"/data/id", "/data/attributes/name", "", "", "/data/attributes/avatar", ""}},
    ProviderInfo{"spotify", "Spotify", "", "https://accounts.spotify.com/authorize", "https://accounts.spotify.com/api/token",
                 "https://api.spotify.com/v1/me", "user-read-private", true,
                 {"/id", "/display_name", "", "", "/images/0/url", ""}},
    ProviderInfo{"strava", "Strava", "", "https://www.strava.com/oauth/authorize", "https://www.strava.com/api/v3/oauth/token",
                 "https://www.strava.com/api/v3/athlete", "profile:read_all", true,
                 {"/id", "", "/username", "", "/profile", ""}},
    ProviderInfo{"trakt", "Trakt", "", "https://trakt.tv/oauth/authorize", "https://api.trakt.tv/oauth/token",
                 "https://api.trakt.tv/users/settings", "", true,
                 {"/user/ids/uuid", "/user/name", "/user/username", "", "/user/images/avatar/full", ""}},
    ProviderInfo{"twitch", "Twitch", "", "https://id.twitch.tv/oauth2/authorize", "https://id.twitch.tv/oauth2/token",
                 "https://api.twitch.tv/helix/users", "user:read:email", true,
                 {"/data/0/id", "/data/0/display_name", "/data/0/login", "/data/0/email", "/data/0/profile_image_url", ""}},
    ProviderInfo{"twitter", "Twitter", "", "https://twitter.com/i/oauth2/authorize", "https://api.twitter.com/2/oauth2/token",
                 "https://api.twitter.com/2/users/me?user.fields=id,name,username,profile_image_url",
                 "users.read tweet.read", true,
                 {"/data/id", "/data/name", "/data/username", "", "/data/profile_image_url", ""}},
    ProviderInfo{"vk", "ВКонтакте", "", "https://oauth.vk.com/authorize", "https://oauth.vk.com/access_token",
                 "https://api.vk.com/method/users.get?fields=photo_max,screen_name&v=5.131", "email", false,
                 {"/response/0/id", "", "/response/0/screen_name", "", "/response/0/photo_max", ""}},
    ProviderInfo{"wakatime", "WakaTime", "", "https://wakatime.com/oauth/authorize", "https://wakatime.com/oauth/token",
                 "https://wakatime.com/api/v1/users/current", "email", true,
                 {"/data/id", "/data/display_name", "/data/username", "/data/email", "", "/data/is_email_confirmed"}},
    ProviderInfo{"yandex", "Yandex", "", "https://oauth.yandex.com/authorize", "https://oauth.yandex.com/token",
                 "https://login.yandex.ru/info", "login:email login:avatar login:info", true,
                 {"/id", "/real_name", "/login", "/default_email", "", ""}},
};

constexpr bool SortedByName() {
    for (std::size_t i = 1; i < kProviders.size(); ++i) {
        if (!(kProviders[i - 1].name < kProviders[i].name)) {
            return false;
        }
    }
    return true;
}
static_assert(SortedByName(), "kProviders must stay sorted by name");

}  // namespace

std::span<const ProviderInfo> Providers() { return kProviders; }

const ProviderInfo* FindProvider(std::string_view name) {
    auto it = std::lower_bound(kProviders.begin(), kProviders.end(), name,
                               [](const ProviderInfo& p, std::string_view n) { return p.name < n; });
    return it != kProviders.end() && it->name == name ? &*it : nullptr;
}

}  // namespace basalt::auth
