// Result<T>: a value or a basalt::Error, with the BASALT_TRY propagation macros.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include "basalt/base/error.hpp"

namespace basalt {

// ADL customization point so that result<T, Error>::value() throws ErrorException.
[[noreturn]] inline void throw_exception_from_error(  // NOLINT(readability-identifier-naming)
    const Error& e,
    const boost::source_location& /*loc*/) {
    throw ErrorException(e);
}

template <class T>
using Result = boost::system::result<T, Error>;

using Status = boost::system::result<void, Error>;

inline Status Ok() { return {}; }

}  // namespace basalt

#define BASALT_CONCAT_INNER(a, b) a##b
#define BASALT_CONCAT(a, b) BASALT_CONCAT_INNER(a, b)

/// BASALT_TRY(auto x, Expr()) — evaluates Expr; on error returns it, else binds the value.
#define BASALT_TRY(decl, expr) BASALT_TRY_IMPL(decl, expr, BASALT_CONCAT(basalt_try_, __LINE__), return)
/// Same inside a coroutine.
#define BASALT_CO_TRY(decl, expr) \
    BASALT_TRY_IMPL(decl, expr, BASALT_CONCAT(basalt_try_, __LINE__), co_return)
#define BASALT_TRY_IMPL(decl, expr, tmp, ret) \
    auto tmp = (expr);                        \
    if (!tmp) {                               \
        ret std::move(tmp).error();           \
    }                                         \
    decl = std::move(*tmp)

#define BASALT_RETURN_IF_ERROR(expr)                                     \
    do {                                                                 \
        if (auto basalt_st_ = (expr); !basalt_st_) {                     \
            return std::move(basalt_st_).error();                        \
        }                                                                \
    } while (false)

#define BASALT_CO_RETURN_IF_ERROR(expr)                                  \
    do {                                                                 \
        if (auto basalt_st_ = (expr); !basalt_st_) {                     \
            co_return std::move(basalt_st_).error();                     \
        }                                                                \
    } while (false)
