// Stage 3 of the filter pipeline: resolves the identifiers of an ast::Expr against the schema
// (fields, relation paths, back-relations, @collection, @request.*, macros, modifiers) and
// produces a BoundFilter. Enforces hidden-field and joined-listRule restrictions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/filter/ast.hpp"
#include "basalt/filter/bound_ast.hpp"
#include "basalt/filter/dialect.hpp"
#include "basalt/filter/filter.hpp"

namespace basalt::filter {

/// Binds one filter (or a list of sort operands) for one compilation. Holds non-owning pointers
/// to the options, schema and dialect, which must outlive it; single-threaded, single-use.
class Binder {
public:
    Binder(const CompileOptions& opts, const Dialect& dialect, int depth, std::string alias_prefix);

    [[nodiscard]] Result<BoundExprPtr> BindExpr(const ast::Expr& expr);

    /// `for_sort` additionally accepts @random and @rowid.
    [[nodiscard]] Result<BoundValuePtr> BindOperand(const ast::Operand& operand, bool for_sort);

    /// The joins created so far (index = join id) and the alias prefix, with `root`.
    BoundFilter Finish(BoundExprPtr root);

private:
    Result<BoundValuePtr> BindIdentifier(const std::string& name, bool for_sort);
    Result<BoundValuePtr> BindFunction(const ast::Operand& operand);
    Result<BoundValuePtr> BindRequest(const std::vector<std::string>& segs);
    Result<BoundValuePtr> BindRequestAuth(const std::vector<std::string>& segs);
    Result<BoundValuePtr> BindRequestBody(const std::vector<std::string>& segs);
    Result<BoundValuePtr> BindBodyRelation(const schema::Field& rel,
                                           const boost::json::value* submitted,
                                           const std::vector<std::string>& segs);
    Result<BoundValuePtr> BindCollection(const std::vector<std::string>& segs);
    Result<BoundValuePtr> ResolvePath(const schema::Collection& coll,
                                      int source,
                                      std::vector<int> chain,
                                      bool multi,
                                      const std::vector<std::string>& segs,
                                      std::size_t first,
                                      bool allow_hidden);
    Result<BoundValuePtr> ResolveLeaf(const schema::Collection& coll,
                                      const schema::Field& field,
                                      int source,
                                      std::vector<int> chain,
                                      bool multi,
                                      std::string_view modifier,
                                      bool allow_hidden);
    /// A JSON value from the request as a parameter / NULL / json_each set (arrays).
    Result<BoundValuePtr> RequestValue(const boost::json::value* value, std::string_view modifier);

    Result<int> AddTableJoin(const std::string& key,
                             const schema::Collection& coll,
                             BoundJoin::On on,
                             BoundValuePtr on_value,
                             std::string back_field,
                             const std::vector<int>& parent_chain,
                             bool multi,
                             bool enforce_rule);
    int AddJsonEachJoin(const std::string& key, BoundValuePtr array, const std::vector<int>& parent_chain);
    const schema::Collection* FindCollection(std::string_view id_or_name) const;

    const CompileOptions& opts_;
    const Dialect& dialect_;
    int depth_;
    std::string alias_prefix_;
    std::vector<BoundJoin> joins_;
    std::map<std::string, int, std::less<>> join_keys_;
    bool for_sort_ = false;  // multi-valued fields resolve to their stored text (no iteration)
    bool varies_ = false;    // BoundFilter::varies
};

}  // namespace basalt::filter
