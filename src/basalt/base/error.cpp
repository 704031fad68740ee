// FieldError builder.
#include "basalt/base/error.hpp"

namespace basalt {

boost::json::object FieldError(std::string_view code,
                               std::string_view message,
                               boost::json::object params) {
    boost::json::object o;
    o["code"] = code;
    o["message"] = message;
    if (!params.empty()) {
        o["params"] = std::move(params);
    }
    return o;
}

}  // namespace basalt
