// Compiling API rules and client filters/sorts for a request (service-internal).
#pragma once

#include <string>

#include "basalt/filter/filter.hpp"
#include "basalt/service/context.hpp"

namespace basalt::service::internal {

/// An API rule (written by the collection's owner): hidden fields and @request/@collection allowed.
Result<filter::SqlExpr> CompileRule(const filter::Dialect& d, const std::string& rule, const RequestCtx& ctx, const schema::Schema& s,
                                    const schema::Collection& c, const std::string& alias, std::size_t first_param);

/// A client `filter` query parameter (length/expression limits; superuser powers only for superusers).
Result<filter::SqlExpr> CompileClientFilter(const filter::Dialect& d, const std::string& expr, const RequestCtx& ctx, const schema::Schema& s,
                                            const schema::Collection& c, const std::string& alias,
                                            std::size_t first_param);

Result<filter::SqlExpr> CompileClientSort(const filter::Dialect& d, const std::string& sort, const RequestCtx& ctx, const schema::Schema& s,
                                          const schema::Collection& c, const std::string& alias,
                                          std::size_t first_param);

}  // namespace basalt::service::internal
