// Request accessors and Response factories.
#include "basalt/http/request.hpp"

namespace basalt::http {

std::string_view Request::Header(std::string_view name) const {
    auto it = headers.find(name);
    if (it == headers.end()) {
        return {};
    }
    auto v = it->value();
    return {v.data(), v.size()};
}

std::optional<std::string_view> Request::Query(std::string_view key) const {
    for (const auto& [k, v] : query) {
        if (k == key) {
            return std::string_view(v);
        }
    }
    return std::nullopt;
}

std::string_view Request::Param(std::string_view name) const {
    auto it = params.find(name);
    if (it == params.end()) {
        return {};
    }
    return it->second;
}

Response Response::Json(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

Response Response::Empty(unsigned status) {
    Response r;
    r.status = status;
    return r;
}

}  // namespace basalt::http
