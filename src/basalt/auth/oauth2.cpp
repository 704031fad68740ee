// OAuth2 mechanics: provider settings, PKCE, the libcurl HTTP client, code exchange, user info.
#include "basalt/auth/oauth2.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <memory>

#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "basalt/base/curl.hpp"
#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::auth {
namespace {

namespace bj = boost::json;

constexpr std::string_view kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr auto kIdTokenLeeway = std::chrono::minutes(5);

std::string Base64UrlNoPad(const unsigned char* data, std::size_t n) {
    std::string out;
    out.reserve((n * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
        out += kB64Url[v & 63];
    }
    if (n - i == 1) {
        const unsigned v = unsigned{data[i]} << 16;
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
    } else if (n - i == 2) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
        out += kB64Url[(v >> 18) & 63];
        out += kB64Url[(v >> 12) & 63];
        out += kB64Url[(v >> 6) & 63];
    }
    return out;
}

/// base64url (or standard base64) without requiring padding; nullopt on a bad character.
std::optional<std::string> Base64UrlDecode(std::string_view s) {
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : s) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == '-' || c == '+') {
            v = 62;
        } else if (c == '_' || c == '/') {
            v = 63;
        } else if (c == '=') {
            break;
        } else {
            return std::nullopt;
        }
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::string UrlDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// Go's url.Values.Encode: keys sorted, key=value pairs joined with '&'.
std::string FormEncode(std::vector<std::pair<std::string, std::string>> values) {
    std::sort(values.begin(), values.end());
    std::string out;
    for (const auto& [k, v] : values) {
        if (!out.empty()) {
            out += '&';
        }
        out += QueryEscape(k);
        out += '=';
        out += QueryEscape(v);
    }
    return out;
}

std::string StringMember(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

/// RFC 6901 pointer lookup; nullptr when absent.
const bj::value* AtPointer(const bj::value& root, std::string_view ptr) {
    const bj::value* cur = &root;
    while (!ptr.empty()) {
        if (ptr.front() != '/') {
            return nullptr;
        }
        ptr.remove_prefix(1);
        const std::size_t end = ptr.find('/');
        std::string token(ptr.substr(0, end));
        ptr = end == std::string_view::npos ? std::string_view() : ptr.substr(end);
        for (std::size_t p = 0; (p = token.find("~1", p)) != std::string::npos;) {
            token.replace(p, 2, "/");
        }
        for (std::size_t p = 0; (p = token.find("~0", p)) != std::string::npos;) {
            token.replace(p, 2, "~");
        }
        if (cur->is_object()) {
            auto it = cur->get_object().find(token);
            if (it == cur->get_object().end()) {
                return nullptr;
            }
            cur = &it->value();
        } else if (cur->is_array()) {
            if (token.empty() || !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                return nullptr;
            }
            const std::size_t idx = std::stoul(token);
            if (idx >= cur->get_array().size()) {
                return nullptr;
            }
            cur = &cur->get_array()[idx];
        } else {
            return nullptr;
        }
    }
    return cur;
}

/// A field as text: strings as they are, integers in decimal (ids of GitHub, GitLab, ...).
std::string TextAt(const bj::value& root, std::string_view ptr) {
    if (ptr.empty()) {
        return {};
    }
    const bj::value* v = AtPointer(root, ptr);
    if (v == nullptr) {
        return {};
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (v->is_int64()) {
        return std::to_string(v->get_int64());
    }
    if (v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    if (v->is_double() && std::isfinite(v->get_double()) && v->get_double() == std::floor(v->get_double())) {
        return fmt::format("{:.0f}", v->get_double());
    }
    return {};
}

/// spf13/cast ToBool: true, non-zero numbers, and "1"/"t"/"T"/"true"/"TRUE"/"True".
bool TruthyAt(const bj::value& root, std::string_view ptr) {
    const bj::value* v = AtPointer(root, ptr);
    if (v == nullptr) {
        return false;
    }
    if (v->is_bool()) {
        return v->get_bool();
    }
    if (v->is_int64()) {
        return v->get_int64() != 0;
    }
    if (v->is_uint64()) {
        return v->get_uint64() != 0;
    }
    if (v->is_double()) {
        return v->get_double() != 0;
    }
    if (v->is_string()) {
        const std::string_view s = v->get_string();
        return s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True";
    }
    return false;
}

Error Invalid(std::string what) { return InvalidArgument(std::move(what)); }

struct Sink {
    std::string* body;
    std::size_t limit;
    bool overflow = false;
};

std::size_t WriteCallback(char* data, std::size_t size, std::size_t nmemb, void* userdata) {
    auto* sink = static_cast<Sink*>(userdata);
    const std::size_t n = size * nmemb;
    if (sink->body->size() + n > sink->limit) {
        sink->overflow = true;
        return 0;  // aborts the transfer
    }
    sink->body->append(data, n);
    return n;
}

Result<HttpResponse> SendWithBearer(HttpRequest req, const OAuth2Token& token, const HttpOptions& opts) {
    req.headers.push_back("Authorization: Bearer " + token.access_token);
    req.headers.emplace_back("Accept: application/json");
    return HttpFetch(req, opts);
}

Result<bj::object> ParseObject(const HttpResponse& r, std::string_view what) {
    auto v = json::Parse(r.body);
    if (!v || !v->is_object()) {
        return Invalid(fmt::format("{}: the response is not a JSON object", what));
    }
    return std::move(v->get_object());
}

/// GitHub's verified primary email when the profile keeps it private (scope errors ignored).
Result<std::string> GithubPrimaryEmail(const ProviderConfig& p, const OAuth2Token& token, const HttpOptions& opts) {
    HttpRequest req;
    req.url = p.user_info_url + "/emails";
    BASALT_TRY(auto r, SendWithBearer(req, token, opts));
    if (r.status == 401 || r.status == 403 || r.status == 404) {
        return std::string();
    }
    auto v = json::Parse(r.body);
    if (!v || !v->is_array()) {
        return Invalid("failed to read the GitHub emails");
    }
    for (const auto& e : v->get_array()) {
        if (e.is_object() && TruthyAt(e, "/verified") && TruthyAt(e, "/primary")) {
            return TextAt(e, "/email");
        }
    }
    return std::string();
}

/// Bitbucket's primary email (a separate endpoint; errors from missing scopes ignored).
Result<std::string> BitbucketPrimaryEmail(const ProviderConfig& p, const OAuth2Token& token, const HttpOptions& opts) {
    HttpRequest req;
    req.url = p.user_info_url + "/emails";
    BASALT_TRY(auto r, SendWithBearer(req, token, opts));
    if (r.status >= 400) {
        return std::string();
    }
    auto v = json::Parse(r.body);
    if (!v || !v->is_object()) {
        return Invalid("failed to read the Bitbucket emails");
    }
    if (const bj::value* values = AtPointer(*v, "/values"); values != nullptr && values->is_array()) {
        for (const auto& e : values->get_array()) {
            if (TruthyAt(e, "/is_primary")) {
                return TextAt(e, "/email");
            }
        }
    }
    return std::string();
}

bool IsOidc(std::string_view name) { return name == "oidc" || name == "oidc2" || name == "oidc3"; }

constexpr std::string_view kAppleJwksUrl = "https://appleid.apple.com/auth/keys";

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

/// An RSA public key from a JWK's base64url `n` and `e`.
std::unique_ptr<EVP_PKEY, PkeyDeleter> RsaPublicKey(const std::string& n, const std::string& e) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr), &BN_free);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr), &BN_free);
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), &OSSL_PARAM_BLD_free);
    if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), &OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                                    &EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return std::unique_ptr<EVP_PKEY, PkeyDeleter>(key);
}

/// Checks an id_token against the key set at `jwks_url`.
Status VerifyIdTokenAt(std::string_view id_token, const std::string& jwks_url, const HttpOptions& opts) {
    HttpRequest req;
    req.url = jwks_url;
    auto r = HttpFetch(req, opts);
    if (!r) {
        return Invalid("failed to fetch the id_token keys: " + r.error().message);
    }
    if (r->status >= 400) {
        return Invalid(fmt::format("failed to verify the provided id_token ({})", r->status));
    }
    return VerifyJwtSignature(id_token, r->body);
}

}  // namespace

std::optional<ProviderConfig> ResolveProvider(const bj::object& config) {
    const std::string name = StringMember(config, "name");
    const ProviderInfo* info = FindProvider(name);
    if (info == nullptr) {
        return std::nullopt;
    }
    ProviderConfig p;
    p.info = info;
    p.name = name;
    p.display_name = std::string(info->display_name);
    p.auth_url = std::string(info->auth_url);
    p.token_url = std::string(info->token_url);
    p.user_info_url = std::string(info->user_info_url);
    p.pkce = info->pkce;
    for (std::string_view s = info->scopes; !s.empty();) {
        const std::size_t sp = s.find(' ');
        p.scopes.emplace_back(s.substr(0, sp));
        s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    }
    auto override_with = [&config](std::string& field, std::string_view key) {
        if (std::string v = StringMember(config, key); !v.empty()) {
            field = std::move(v);
        }
    };
    override_with(p.client_id, "clientId");
    override_with(p.client_secret, "clientSecret");
    override_with(p.auth_url, "authURL");
    override_with(p.token_url, "tokenURL");
    override_with(p.user_info_url, "userInfoURL");
    override_with(p.display_name, "displayName");
    if (auto it = config.find("pkce"); it != config.end() && it->value().is_bool()) {
        p.pkce = it->value().get_bool();
    }
    if (auto it = config.find("extra"); it != config.end() && it->value().is_object()) {
        p.extra = it->value().get_object();
    }
    return p;
}

std::string QueryEscape(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string S256Challenge(std::string_view verifier) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), md);
    return Base64UrlNoPad(md, sizeof(md));
}

std::string BuildAuthUrl(const ProviderConfig& p, std::string_view state, std::string_view code_challenge) {
    std::vector<std::pair<std::string, std::string>> q;
    q.emplace_back("client_id", p.client_id);
    if (p.pkce) {
        q.emplace_back("code_challenge", code_challenge);
        q.emplace_back("code_challenge_method", "S256");
    }
    if (p.name == "apple") {
        q.emplace_back("response_mode", "form_post");
    }
    q.emplace_back("response_type", "code");
    std::string scope;
    for (const auto& s : p.scopes) {
        scope += (scope.empty() ? "" : " ") + s;
    }
    if (!scope.empty()) {
        q.emplace_back("scope", scope);
    }
    if (!state.empty()) {
        q.emplace_back("state", state);
    }
    std::string url = p.auth_url;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += FormEncode(std::move(q));
    return url;
}

AuthStart StartAuth(const ProviderConfig& p) {
    AuthStart s;
    s.state = RandomString(30);
    if (p.pkce) {
        s.code_verifier = RandomString(43);
        s.code_challenge = S256Challenge(s.code_verifier);
        s.code_challenge_method = "S256";
    }
    s.auth_url = BuildAuthUrl(p, s.state, s.code_challenge) + "&redirect_uri=";
    return s;
}

Result<HttpResponse> HttpFetch(const HttpRequest& req, const HttpOptions& opts) {
    if (CurlGlobalInit() != CURLE_OK) {
        return Error(ErrorCode::kUnavailable, "libcurl initialisation failed");
    }
    CurlEasy h(curl_easy_init());
    if (!h) {
        return Error(ErrorCode::kUnavailable, "libcurl handle allocation failed");
    }
    CurlSlist headers;
    for (const auto& line : req.headers) {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (next == nullptr) {
            return Error(ErrorCode::kUnavailable, "libcurl header allocation failed");
        }
        (void)headers.release();
        headers.reset(next);
    }
    HttpResponse out;
    Sink sink{&out.body, opts.max_response_bytes};
    char errbuf[CURL_ERROR_SIZE] = {};
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(opts.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opts.timeout.count()));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Basalt");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteCallback);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (headers) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    }
    if (req.method == "POST") {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    } else if (req.method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    if (sink.overflow) {
        return Error(ErrorCode::kUnavailable,
                     fmt::format("{}: the response exceeds {} bytes", req.url, opts.max_response_bytes));
    }
    if (rc != CURLE_OK) {
        return Error(ErrorCode::kUnavailable,
                     fmt::format("{}: {}", req.url, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    char* ct = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != nullptr) {
        out.content_type = ct;
    }
    return out;
}

Result<OAuth2Token> ParseTokenResponse(const HttpResponse& r) {
    if (r.status < 200 || r.status > 299) {
        return Invalid(fmt::format("oauth2: cannot fetch token: {}\nResponse: {}", r.status, r.body.substr(0, 512)));
    }
    OAuth2Token t;
    const std::string ct = ToLower(r.content_type);
    if (ct.find("application/x-www-form-urlencoded") != std::string::npos || ct.find("text/plain") != std::string::npos) {
        std::string_view rest = r.body;
        while (!rest.empty()) {
            const std::size_t amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
            const std::size_t eq = pair.find('=');
            t.raw[UrlDecode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
        }
    } else {
        auto v = json::Parse(r.body);
        if (!v || !v->is_object()) {
            return Invalid("oauth2: cannot parse the token response");
        }
        t.raw = std::move(v->get_object());
    }
    t.access_token = StringMember(t.raw, "access_token");
    t.refresh_token = StringMember(t.raw, "refresh_token");
    t.token_type = StringMember(t.raw, "token_type");
    t.id_token = StringMember(t.raw, "id_token");
    if (auto it = t.raw.find("expires_in"); it != t.raw.end()) {
        std::int64_t secs = 0;
        if (it->value().is_number()) {
            secs = it->value().to_number<std::int64_t>();
        } else if (it->value().is_string()) {
            secs = std::strtoll(std::string(it->value().get_string()).c_str(), nullptr, 10);
        }
        if (secs > 0) {
            t.expiry = Now() + std::chrono::seconds(secs);
        }
    }
    if (t.access_token.empty()) {
        std::string detail = StringMember(t.raw, "error");
        if (std::string d = StringMember(t.raw, "error_description"); !d.empty()) {
            detail += (detail.empty() ? "" : ": ") + d;
        }
        return Invalid("oauth2: server response missing access_token" + (detail.empty() ? "" : " (" + detail + ")"));
    }
    return t;
}

Result<OAuth2Token> ExchangeCode(const ProviderConfig& p,
                                 std::string_view code,
                                 std::string_view code_verifier,
                                 std::string_view redirect_url,
                                 const HttpOptions& opts) {
    if (p.token_url.empty()) {
        return Invalid("the provider has no token URL");
    }
    std::vector<std::pair<std::string, std::string>> form{{"grant_type", "authorization_code"},
                                                          {"code", std::string(code)}};
    if (!redirect_url.empty()) {
        form.emplace_back("redirect_uri", redirect_url);
    }
    if (p.pkce && !code_verifier.empty()) {
        form.emplace_back("code_verifier", code_verifier);
    }
    // First the credentials in the body (client_secret_post); a server that insists on HTTP
    // Basic (client_secret_basic) gets a second try, as Go's oauth2 auto-detection does.
    auto in_params = form;
    in_params.emplace_back("client_id", p.client_id);
    if (!p.client_secret.empty()) {
        in_params.emplace_back("client_secret", p.client_secret);
    }
    HttpRequest req;
    req.method = "POST";
    req.url = p.token_url;
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    req.body = FormEncode(in_params);
    auto r = HttpFetch(req, opts);
    if (!r) {
        return Invalid("oauth2: " + r.error().message);
    }
    auto token = ParseTokenResponse(*r);
    const bool auth_rejected = r->status == 401 || r->body.find("invalid_client") != std::string::npos;
    if (token || !auth_rejected) {
        return token;
    }
    const std::string credentials = QueryEscape(p.client_id) + ":" + QueryEscape(p.client_secret);
    const auto* bytes = reinterpret_cast<const unsigned char*>(credentials.data());
    std::string b64 = Base64UrlNoPad(bytes, credentials.size());
    std::replace(b64.begin(), b64.end(), '-', '+');
    std::replace(b64.begin(), b64.end(), '_', '/');
    while (b64.size() % 4 != 0) {
        b64 += '=';
    }
    req.headers.push_back("Authorization: Basic " + b64);
    req.body = FormEncode(form);
    auto retried = HttpFetch(req, opts);
    if (!retried) {
        return Invalid("oauth2: " + retried.error().message);
    }
    return ParseTokenResponse(*retried);
}

OAuth2User MapUser(const ProviderConfig& p, const bj::object& raw) {
    const bj::value root(raw);
    const UserMapping& m = p.info->mapping;
    OAuth2User u;
    u.id = TextAt(root, m.id);
    u.name = TextAt(root, m.name);
    u.username = TextAt(root, m.username);
    u.avatar_url = TextAt(root, m.avatar_url);
    if (m.email_verified.empty() || TruthyAt(root, m.email_verified)) {
        u.email = TextAt(root, m.email);
    }
    u.raw_user = raw;
    const std::string_view name = p.name;
    if (name == "discord") {
        u.name = TextAt(root, "/username") + "#" + TextAt(root, "/discriminator");
        u.avatar_url = fmt::format("https://cdn.discordapp.com/avatars/{}/{}.png", u.id, TextAt(root, "/avatar"));
    } else if (name == "strava") {
        u.name = TextAt(root, "/firstname") + " " + TextAt(root, "/lastname");
    } else if (name == "vk") {
        u.name = Trim(TextAt(root, "/response/0/first_name") + " " + TextAt(root, "/response/0/last_name"));
    } else if (name == "yandex") {
        if (!TruthyAt(root, "/is_avatar_empty")) {
            u.avatar_url = "https://avatars.yandex.net/get-yapic/" + TextAt(root, "/default_avatar_id") + "/islands-200";
        }
    } else if (name == "wakatime") {
        if (TruthyAt(root, "/data/photo_public")) {
            u.avatar_url = TextAt(root, "/data/photo");
        }
    } else if (name == "kakao") {
        if (!TruthyAt(root, "/kakao_account/is_email_valid")) {
            u.email.clear();
        }
    } else if (name == "mailcow") {
        if (auto at = u.username.find('@'); at != std::string::npos) {
            u.username.resize(at);
        }
    } else if (name == "apple" && u.name.empty()) {
        u.name = Trim(TextAt(root, "/user/name/firstName") + " " + TextAt(root, "/user/name/lastName"));
    }
    return u;
}

Result<bj::object> IdTokenClaims(std::string_view id_token, std::string_view client_id) {
    if (id_token.empty()) {
        return Invalid("empty id_token");
    }
    const std::size_t d1 = id_token.find('.');
    const std::size_t d2 = d1 == std::string_view::npos ? d1 : id_token.find('.', d1 + 1);
    if (d2 == std::string_view::npos) {
        return Invalid("malformed id_token");
    }
    auto payload = Base64UrlDecode(id_token.substr(d1 + 1, d2 - d1 - 1));
    if (!payload) {
        return Invalid("malformed id_token payload");
    }
    auto v = json::Parse(*payload);
    if (!v || !v->is_object()) {
        return Invalid("malformed id_token claims");
    }
    bj::object claims = std::move(v->get_object());
    bool aud_ok = false;
    if (auto it = claims.find("aud"); it != claims.end()) {
        if (it->value().is_string()) {
            aud_ok = it->value().get_string() == client_id;
        } else if (it->value().is_array()) {
            for (const auto& a : it->value().get_array()) {
                aud_ok = aud_ok || (a.is_string() && a.get_string() == client_id);
            }
        }
    }
    if (!aud_ok) {
        return Invalid("id_token has invalid audience");
    }
    const auto now = std::chrono::system_clock::now();
    auto seconds = [&claims](std::string_view k) -> std::optional<std::int64_t> {
        auto it = claims.find(k);
        if (it == claims.end() || !it->value().is_number()) {
            return std::nullopt;
        }
        return it->value().to_number<std::int64_t>();
    };
    const auto at = [](std::int64_t s) { return std::chrono::system_clock::time_point(std::chrono::seconds(s)); };
    if (auto exp = seconds("exp"); exp && now > at(*exp) + kIdTokenLeeway) {
        return Invalid("id_token is expired");
    }
    if (auto iat = seconds("iat"); iat && now + kIdTokenLeeway < at(*iat)) {
        return Invalid("id_token used before issued");
    }
    return claims;
}

Status VerifyJwtSignature(std::string_view jwt, std::string_view jwks) {
    const std::size_t d1 = jwt.find('.');
    const std::size_t d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
    if (d2 == std::string_view::npos) {
        return Invalid("malformed id_token");
    }
    auto header_json = Base64UrlDecode(jwt.substr(0, d1));
    auto signature = Base64UrlDecode(jwt.substr(d2 + 1));
    auto header = header_json ? json::Parse(*header_json) : Result<bj::value>(Invalid("bad header"));
    if (!header || !header->is_object() || !signature) {
        return Invalid("malformed id_token");
    }
    const std::string alg = StringMember(header->get_object(), "alg");
    const std::string kid = StringMember(header->get_object(), "kid");
    if (kid.empty()) {
        return Invalid("missing kid header value");
    }
    const EVP_MD* md = alg == "RS256" ? EVP_sha256() : alg == "RS384" ? EVP_sha384() : alg == "RS512" ? EVP_sha512() : nullptr;
    if (md == nullptr) {
        return Invalid("unsupported id_token signing method " + alg);
    }
    auto set = json::Parse(jwks);
    const bj::value* keys = set ? AtPointer(*set, "/keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
        return Invalid("invalid JSON Web Key Set");
    }
    for (const auto& k : keys->get_array()) {
        if (!k.is_object() || StringMember(k.get_object(), "kid") != kid) {
            continue;
        }
        const bj::object& key = k.get_object();
        if (std::string key_alg = StringMember(key, "alg"); !key_alg.empty() && key_alg != alg) {
            return Invalid("the id_token signing method doesn't match its key");
        }
        auto n = Base64UrlDecode(StringMember(key, "n"));
        auto e = Base64UrlDecode(StringMember(key, "e"));
        auto pkey = n && e && StringMember(key, "kty") == "RSA" ? RsaPublicKey(*n, *e) : nullptr;
        if (!pkey) {
            return Invalid("invalid RSA key " + kid);
        }
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
        const std::string_view signed_part = jwt.substr(0, d2);
        if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey.get()) != 1 ||
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) != 1) {
            return Invalid("invalid id_token signature");
        }
        return Ok();
    }
    return Invalid(fmt::format("jwk with kid \"{}\" was not found", kid));
}

Result<OAuth2User> FetchUser(const ProviderConfig& p, const OAuth2Token& token, const HttpOptions& opts) {
    bj::object raw;
    const std::string_view name = p.name;
    if (p.user_info_url.empty() && (IsOidc(name) || name == "apple")) {
        // No user-info endpoint: the claims of the id_token from the (TLS) token response.
        BASALT_TRY(raw, IdTokenClaims(token.id_token, p.client_id));
        std::string jwks_url = name == "apple" ? std::string(kAppleJwksUrl) : StringMember(p.extra, "jwksURL");
        if (!jwks_url.empty()) {
            BASALT_RETURN_IF_ERROR(VerifyIdTokenAt(token.id_token, jwks_url, opts));
        }
        if (auto issuers = p.extra.find("issuers"); IsOidc(name) && issuers != p.extra.end() &&
                                                   issuers->value().is_array() && !issuers->value().get_array().empty()) {
            const std::string iss = StringMember(raw, "iss");
            const auto& list = issuers->value().get_array();
            if (std::none_of(list.begin(), list.end(), [&iss](const bj::value& v) { return v.is_string() && v.get_string() == iss; })) {
                return Invalid("iss must be one of the configured issuers, got \"" + iss + "\"");
            }
        }
        if (name == "apple") {
            if (auto it = raw.find("iss"); it == raw.end() || it->value() != "https://appleid.apple.com") {
                return Invalid("id_token has invalid issuer");
            }
            if (std::string user = StringMember(token.raw, "user"); !user.empty()) {
                if (auto u = json::Parse(user); u && u->is_object()) {
                    raw["user"] = std::move(*u);
                }
            }
        }
    } else {
        if (p.user_info_url.empty()) {
            return Invalid("the provider has no user info URL");
        }
        HttpRequest req;
        req.url = p.user_info_url;
        if (name == "linear" || name == "monday") {
            // GraphQL instead of a user-info endpoint.
            req.method = "POST";
            req.headers.emplace_back("Content-Type: application/json");
            req.body = name == "linear"
                           ? R"({"query": "query Me { viewer { id displayName name email avatarUrl active } }"})"
                           : R"({"query": "query { me { id enabled name email is_verified photo_small }}"})";
        } else if (name == "twitch") {
            req.headers.push_back("Client-Id: " + p.client_id);
        } else if (name == "notion") {
            req.headers.emplace_back("Notion-Version: 2022-06-28");
        } else if (name == "trakt") {
            req.headers.emplace_back("Content-type: application/json");
            req.headers.push_back("trakt-api-key: " + p.client_id);
            req.headers.emplace_back("trakt-api-version: 2");
        }
        auto r = SendWithBearer(req, token, opts);
        if (!r) {
            return Invalid("oauth2: " + r.error().message);
        }
        if (r->status >= 400) {
            return Invalid(fmt::format("failed to fetch OAuth2 user profile via {} ({}): {}", p.user_info_url, r->status,
                                       r->body.substr(0, 512)));
        }
        BASALT_TRY(raw, ParseObject(*r, "user info"));
    }
    OAuth2User u = MapUser(p, raw);
    if (name == "github" && u.email.empty()) {
        BASALT_TRY(u.email, GithubPrimaryEmail(p, token, opts));
    } else if (name == "bitbucket") {
        BASALT_TRY(u.email, BitbucketPrimaryEmail(p, token, opts));
    } else if (name == "vk") {
        u.email = StringMember(token.raw, "email");
    }
    u.access_token = token.access_token;
    u.refresh_token = token.refresh_token;
    u.expiry = token.expiry;
    return u;
}

}  // namespace basalt::auth
