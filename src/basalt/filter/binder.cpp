// Filter binder: identifiers -> columns/joins/parameters (PocketBase's RecordFieldResolver).
#include "basalt/filter/binder.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <utility>

#include <boost/json/serialize.hpp>

#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/filter/internal/compile.hpp"

namespace basalt::filter {

namespace {

constexpr std::size_t kMaxRelationHops = 6;

using schema::Collection;
using schema::Field;
using schema::FieldType;

Error Bad(std::string msg) { return InvalidArgument(std::move(msg)); }

BoundValuePtr MakeParam(SqlValue v) {
    auto b = std::make_shared<BoundValue>();
    b->kind = ValueKind::kParam;
    b->param = std::move(v);
    return b;
}

BoundValuePtr MakeNull() { return std::make_shared<BoundValue>(); }

BoundValuePtr MakeColumn(int source, std::string column, std::vector<int> chain, bool multi) {
    auto b = std::make_shared<BoundValue>();
    b->kind = ValueKind::kColumn;
    b->source = source;
    b->column = std::move(column);
    b->chain = std::move(chain);
    b->multi = multi;
    return b;
}

// Wraps `inner` (LOWER, JSON length, JSON path...) keeping its joins.
BoundValuePtr Wrap(ValueKind kind, BoundValuePtr inner, bool no_coalesce) {
    auto b = std::make_shared<BoundValue>();
    b->kind = kind;
    b->chain = inner->chain;
    b->multi = inner->multi;
    b->no_coalesce = no_coalesce || inner->no_coalesce;
    b->guard = inner->guard;
    b->args.push_back(std::move(inner));
    return b;
}

BoundValuePtr MakeJsonExtract(BoundValuePtr inner, std::string path) {
    auto b = Wrap(ValueKind::kJsonExtract, std::move(inner), true);
    std::const_pointer_cast<BoundValue>(b)->json_path = std::move(path);
    return b;
}

std::pair<std::string, std::string> SplitModifier(const std::string& seg) {
    auto pos = seg.find(':');
    if (pos == std::string::npos) {
        return {seg, ""};
    }
    return {seg.substr(0, pos), seg.substr(pos + 1)};
}

bool IsKnownModifier(std::string_view m) {
    return m.empty() || m == "isset" || m == "changed" || m == "length" || m == "each" || m == "lower";
}

bool IsWordSegment(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool IsIndexSegment(std::string_view s) {
    return !s.empty() && s.size() < 10 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "a", "items", "0", "name" -> "$.a.items[0].name"
Result<std::string> JsonPath(const std::vector<std::string>& segs, std::size_t first) {
    std::string path = "$";
    for (std::size_t i = first; i < segs.size(); ++i) {
        if (!IsWordSegment(segs[i])) {
            return Bad("invalid JSON path segment \"" + segs[i] + "\"");
        }
        if (IsIndexSegment(segs[i])) {
            path += "[" + segs[i] + "]";
        } else {
            path += "." + segs[i];
        }
    }
    return path;
}

bool IsJsonLike(const Field& f) { return f.type == FieldType::kJson || f.type == FieldType::kGeoPoint; }

// PocketBase's dbutils.FindSingleColumnUniqueIndex, approximately.
bool HasSingleColumnUniqueIndex(const Collection& c, std::string_view column) {
    for (const auto& idx : c.indexes) {
        if (ToLower(idx).find("unique") == std::string::npos) {
            continue;
        }
        auto open = idx.rfind('(');
        auto close = idx.rfind(')');
        if (open == std::string::npos || close == std::string::npos || close < open) {
            continue;
        }
        std::string inner;
        for (char ch : idx.substr(open + 1, close - open - 1)) {
            if (ch != '`' && ch != '"' && ch != '[' && ch != ']' && ch != '\'') {
                inner += ch;
            }
        }
        auto t = Trim(inner);
        auto sp = t.find(' ');  // "col ASC" / "col COLLATE NOCASE"
        if (sp != std::string_view::npos) {
            t = t.substr(0, sp);
        }
        if (t == column) {
            return true;
        }
    }
    return false;
}

Result<SqlValue> MacroValue(std::string_view name) {
    using std::chrono::days;
    using std::chrono::milliseconds;
    const TimePoint now = Now();
    const auto today = std::chrono::floor<days>(now);
    const std::chrono::year_month_day ymd{today};
    const auto ms = [](auto tp) { return std::chrono::time_point_cast<milliseconds>(tp); };
    const auto month_start = std::chrono::sys_days{ymd.year() / ymd.month() / 1};
    const auto next_month = std::chrono::sys_days{(ymd.year() / ymd.month() / 1) + std::chrono::months{1}};
    const auto year_start = std::chrono::sys_days{ymd.year() / 1 / 1};
    const auto next_year = std::chrono::sys_days{(ymd.year() + std::chrono::years{1}) / 1 / 1};
    const std::chrono::hh_mm_ss hms{now - today};
    if (name == "@now") {
        return SqlValue{FormatDateTime(now)};
    }
    if (name == "@yesterday") {
        return SqlValue{FormatDateTime(now - days{1})};
    }
    if (name == "@tomorrow") {
        return SqlValue{FormatDateTime(now + days{1})};
    }
    if (name == "@todayStart") {
        return SqlValue{FormatDateTime(ms(today))};
    }
    if (name == "@todayEnd") {
        return SqlValue{FormatDateTime(ms(today + days{1}) - milliseconds{1})};
    }
    if (name == "@monthStart") {
        return SqlValue{FormatDateTime(ms(month_start))};
    }
    if (name == "@monthEnd") {
        return SqlValue{FormatDateTime(ms(next_month) - milliseconds{1})};
    }
    if (name == "@yearStart") {
        return SqlValue{FormatDateTime(ms(year_start))};
    }
    if (name == "@yearEnd") {
        return SqlValue{FormatDateTime(ms(next_year) - milliseconds{1})};
    }
    if (name == "@second") {
        return SqlValue{static_cast<std::int64_t>(hms.seconds().count())};
    }
    if (name == "@minute") {
        return SqlValue{static_cast<std::int64_t>(hms.minutes().count())};
    }
    if (name == "@hour") {
        return SqlValue{static_cast<std::int64_t>(hms.hours().count())};
    }
    if (name == "@day") {
        return SqlValue{static_cast<std::int64_t>(static_cast<unsigned>(ymd.day()))};
    }
    if (name == "@month") {
        return SqlValue{static_cast<std::int64_t>(static_cast<unsigned>(ymd.month()))};
    }
    if (name == "@weekday") {
        return SqlValue{static_cast<std::int64_t>(std::chrono::weekday{today}.c_encoding())};
    }
    if (name == "@year") {
        return SqlValue{static_cast<std::int64_t>(static_cast<int>(ymd.year()))};
    }
    return Bad("unknown macro \"" + std::string(name) + "\"");
}

Result<double> ParseNumber(const std::string& text) {
    double v = 0;
    const char* b = text.data();
    const char* e = b + text.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc{} || p != e || !std::isfinite(v)) {
        return Bad("invalid number \"" + text + "\"");
    }
    return v;
}

std::vector<int> MergeChains(const std::vector<int>& a, const std::vector<int>& b) {
    std::vector<int> out = a;
    out.insert(out.end(), b.begin(), b.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

Binder::Binder(const CompileOptions& opts, const Dialect& dialect, int depth, std::string alias_prefix)
    : opts_(opts), dialect_(dialect), depth_(depth), alias_prefix_(std::move(alias_prefix)) {}

BoundFilter Binder::Finish(BoundExprPtr root) {
    BoundFilter f;
    f.root = std::move(root);
    f.joins = std::move(joins_);
    f.alias_prefix = alias_prefix_;
    f.varies = varies_;
    return f;
}

Result<BoundExprPtr> Binder::BindExpr(const ast::Expr& expr) {
    auto out = std::make_unique<BoundExpr>();
    if (expr.kind != ast::Expr::Kind::kCompare) {
        out->kind = expr.kind == ast::Expr::Kind::kAnd ? BoundExpr::Kind::kAnd : BoundExpr::Kind::kOr;
        for (const auto& c : expr.children) {
            BASALT_TRY(auto bc, BindExpr(*c));
            out->children.push_back(std::move(bc));
        }
        return out;
    }
    BASALT_TRY(out->lhs, BindOperand(expr.lhs, false));
    BASALT_TRY(out->rhs, BindOperand(expr.rhs, false));
    out->op = expr.op;
    out->any = expr.any;
    return out;
}

Result<BoundValuePtr> Binder::BindOperand(const ast::Operand& operand, bool for_sort) {
    for_sort_ = for_sort;
    switch (operand.kind) {
        case ast::Operand::Kind::kText:
            return MakeParam(SqlValue{operand.text});
        case ast::Operand::Kind::kNumber: {
            BASALT_TRY(double v, ParseNumber(operand.text));
            return MakeParam(SqlValue{v});
        }
        case ast::Operand::Kind::kFunction:
            return BindFunction(operand);
        case ast::Operand::Kind::kIdentifier:
            break;
    }
    return BindIdentifier(operand.text, for_sort);
}

Result<BoundValuePtr> Binder::BindFunction(const ast::Operand& operand) {
    std::vector<BoundValuePtr> args;
    std::vector<int> chain;
    bool multi = false;
    for (const auto& a : operand.args) {
        BASALT_TRY(auto b, BindOperand(a, false));
        chain = MergeChains(chain, b->chain);
        multi = multi || b->multi;
        args.push_back(std::move(b));
    }
    auto v = std::make_shared<BoundValue>();
    v->no_coalesce = true;
    v->chain = std::move(chain);
    v->multi = multi;
    if (operand.text == "geoDistance") {
        if (args.size() != 4) {
            return Bad("geoDistance() expects 4 arguments");
        }
        v->kind = ValueKind::kGeoDistance;
    } else if (operand.text == "strftime") {
        if (args.size() < 2) {
            return Bad("strftime() expects at least 2 arguments");
        }
        if (operand.args[0].kind != ast::Operand::Kind::kText) {
            return Bad("strftime() format must be a text literal");
        }
        v->kind = ValueKind::kStrftime;
        varies_ = true;  // strftime(fmt, 'now') reads the clock
    } else {
        return Bad("unknown function \"" + operand.text + "\"");
    }
    v->args = std::move(args);
    return BoundValuePtr{v};
}

const Collection* Binder::FindCollection(std::string_view id_or_name) const {
    if (opts_.schema == nullptr) {
        return nullptr;
    }
    return opts_.schema->Find(id_or_name).get();
}

Result<BoundValuePtr> Binder::BindIdentifier(const std::string& name, bool for_sort) {
    if (opts_.collection == nullptr) {
        return Internal("filter: no collection given");
    }
    std::vector<std::string> segs;
    for (auto s : Split(name, '.')) {
        if (s.empty()) {
            return Bad("invalid field path \"" + name + "\"");
        }
        segs.emplace_back(s);
    }
    if (segs.empty()) {
        return Bad("invalid field path");
    }
    const std::string& first = segs[0];
    if (!first.empty() && first[0] == '@') {
        if (first == "@request") {
            return BindRequest(segs);
        }
        if (first == "@collection") {
            return BindCollection(segs);
        }
        if (segs.size() != 1) {
            return Bad("unknown identifier \"" + name + "\"");
        }
        if (for_sort && first == "@random") {
            auto v = std::make_shared<BoundValue>();
            v->kind = ValueKind::kRandom;
            varies_ = true;
            return BoundValuePtr{v};
        }
        if (for_sort && first == "@rowid") {
            auto v = std::make_shared<BoundValue>();
            v->kind = ValueKind::kRowId;
            return BoundValuePtr{v};
        }
        BASALT_TRY(auto mv, MacroValue(first));
        return MakeParam(std::move(mv));
    }
    // A field named like a literal wins over the literal.
    if (segs.size() == 1 && opts_.collection->FindField(SplitModifier(first).first) == nullptr) {
        const std::string lower = ToLower(first);
        if (lower == "true" || lower == "false") {
            return MakeParam(SqlValue{lower == "true"});
        }
        if (lower == "null") {
            return MakeNull();
        }
    }
    return ResolvePath(*opts_.collection, kMainSource, {}, false, segs, 0, opts_.superuser);
}

Result<int> Binder::AddTableJoin(const std::string& key,
                                 const Collection& coll,
                                 BoundJoin::On on,
                                 BoundValuePtr on_value,
                                 std::string back_field,
                                 const std::vector<int>& parent_chain,
                                 bool multi,
                                 bool enforce_rule) {
    if (auto it = join_keys_.find(key); it != join_keys_.end()) {
        return it->second;
    }
    BoundJoin j;
    j.id = static_cast<int>(joins_.size());
    j.kind = BoundJoin::Kind::kTable;
    j.table = coll.name;
    j.on = on;
    j.on_value = std::move(on_value);
    j.back_field = std::move(back_field);
    j.multi = multi;
    j.chain = parent_chain;
    if (j.on_value) {
        j.chain = MergeChains(j.chain, j.on_value->chain);
    }
    j.chain.push_back(j.id);
    if (enforce_rule && !opts_.superuser) {
        if (!coll.list_rule) {
            return Bad("only superusers can filter by collection \"" + coll.name + "\"");
        }
        if (!coll.list_rule->empty()) {
            if (depth_ >= internal::kMaxRuleDepth) {
                return Bad("too deeply nested relation rules via collection \"" + coll.name + "\"");
            }
            CompileOptions nested = opts_;
            // The listRule is the admin's code: compiled as it is when that collection is listed
            // (rules read hidden fields, use @collection, and their joins enforce no further
            // listRules), so a rule that joins its own collection does not recurse.
            nested.superuser = true;
            nested.collection = &coll;
            nested.table_alias = JoinAlias(alias_prefix_, j.id);
            nested.max_length = 0;
            nested.max_expressions = 0;
            BASALT_TRY(auto frag,
                       internal::CompileFragment(*coll.list_rule, nested, dialect_, depth_ + 1,
                                                 nested.table_alias));
            varies_ = varies_ || frag.varies;
            j.rule = std::move(frag);
        }
    }
    joins_.push_back(std::move(j));
    join_keys_.emplace(key, joins_.back().id);
    return joins_.back().id;
}

int Binder::AddJsonEachJoin(const std::string& key, BoundValuePtr array, const std::vector<int>& parent_chain) {
    if (auto it = join_keys_.find(key); it != join_keys_.end()) {
        return it->second;
    }
    BoundJoin j;
    j.id = static_cast<int>(joins_.size());
    j.kind = BoundJoin::Kind::kJsonEach;
    j.chain = MergeChains(parent_chain, array->chain);
    j.chain.push_back(j.id);
    j.array = std::move(array);
    j.multi = true;
    joins_.push_back(std::move(j));
    join_keys_.emplace(key, joins_.back().id);
    return joins_.back().id;
}

Result<BoundValuePtr> Binder::ResolvePath(const Collection& start,
                                          int source,
                                          std::vector<int> chain,
                                          bool multi,
                                          const std::vector<std::string>& segs,
                                          std::size_t first,
                                          bool allow_hidden) {
    const Collection* coll = &start;
    std::size_t hops = 0;
    for (std::size_t i = first; i < segs.size(); ++i) {
        const bool last = i + 1 == segs.size();
        auto [name, modifier] = SplitModifier(segs[i]);
        if (!modifier.empty() && !last) {
            return Bad("modifiers are allowed only on the last path segment");
        }
        if (!IsKnownModifier(modifier)) {
            return Bad("unknown modifier \":" + modifier + "\"");
        }
        const Field* field = coll->FindField(name);
        if (field == nullptr && name == "id") {
            // Tolerate collections built without the explicit system id field.
            static const Field kIdField = [] {
                Field f;
                f.name = "id";
                f.system = true;
                return f;
            }();
            field = &kIdField;
        }
        if (last) {
            if (field == nullptr) {
                return Bad("unknown field \"" + name + "\"");
            }
            return ResolveLeaf(*coll, *field, source, std::move(chain), multi, modifier, allow_hidden);
        }
        if (field != nullptr && field->hidden && !allow_hidden) {
            return Bad("non-filterable field \"" + name + "\"");
        }
        if (field != nullptr && IsJsonLike(*field)) {
            // The rest of the path is a JSON path; the modifier of the last segment applies to it.
            std::vector<std::string> rest(segs.begin(), segs.end());
            auto [last_name, last_mod] = SplitModifier(rest.back());
            rest.back() = last_name;
            BASALT_TRY(auto path, JsonPath(rest, i + 1));
            auto col = MakeColumn(source, field->name, chain, multi);
            if (last_mod == "length") {
                return Wrap(ValueKind::kJsonLength, MakeJsonExtract(col, path), true);
            }
            if (last_mod == "each") {
                int je = AddJsonEachJoin("je|leaf|" + std::to_string(joins_.size()),
                                         MakeJsonExtract(col, path), chain);
                return MakeColumn(je, "value", joins_[static_cast<std::size_t>(je)].chain, true);
            }
            if (last_mod == "lower") {
                return Wrap(ValueKind::kLower, MakeJsonExtract(col, path), true);
            }
            if (!last_mod.empty()) {
                return Bad("modifier \":" + last_mod + "\" is not supported here");
            }
            return MakeJsonExtract(col, path);
        }
        if (++hops > kMaxRelationHops) {
            return Bad("max nested relations reached");
        }
        if (field == nullptr) {
            // Back-relation: <collection>_via_<relationField>.
            auto via = name.find("_via_");
            if (via == std::string::npos || via == 0 || via + 5 >= name.size()) {
                return Bad("unknown field \"" + name + "\"");
            }
            const Collection* back = FindCollection(name.substr(0, via));
            const std::string back_field_name = name.substr(via + 5);
            const Field* bf = back != nullptr ? back->FindField(back_field_name) : nullptr;
            if (bf == nullptr || bf->type != FieldType::kRelation) {
                return Bad("invalid back relation \"" + name + "\"");
            }
            if (bf->collection_id != coll->id) {
                return Bad("invalid collection reference of back relation \"" + name + "\"");
            }
            if (bf->hidden && !allow_hidden) {
                return Bad("non-filterable back relation field \"" + back_field_name + "\"");
            }
            const bool back_multi = bf->IsMulti() || !HasSingleColumnUniqueIndex(*back, bf->name);
            BASALT_TRY(int jid,
                       AddTableJoin("back|" + std::to_string(source) + "|" + name, *back,
                                    bf->IsMulti() ? BoundJoin::On::kBackMulti : BoundJoin::On::kBackSingle,
                                    MakeColumn(source, "id", chain, multi), bf->name, chain, back_multi,
                                    true));
            chain = joins_[static_cast<std::size_t>(jid)].chain;
            multi = multi || back_multi;
            source = jid;
            coll = back;
            continue;
        }
        if (field->type != FieldType::kRelation) {
            return Bad("field \"" + name + "\" is not a relation");
        }
        const Collection* target = FindCollection(field->collection_id);
        if (target == nullptr) {
            return Bad("unknown relation collection of field \"" + name + "\"");
        }
        if (!opts_.superuser && !target->list_rule) {
            return Bad("only superusers can filter by relation field \"" + name + "\"");
        }
        auto col = MakeColumn(source, field->name, chain, multi);
        // "rel.id" on a single relation is the stored id (no join), as in PocketBase.
        if (!field->IsMulti() && i + 2 == segs.size() && SplitModifier(segs[i + 1]).first == "id") {
            return ResolveLeaf(*coll, *field, source, std::move(chain), multi,
                               SplitModifier(segs[i + 1]).second, allow_hidden);
        }
        BoundValuePtr ref = col;
        if (field->IsMulti()) {
            int je = AddJsonEachJoin("je|" + std::to_string(source) + "|" + field->name, col, chain);
            chain = joins_[static_cast<std::size_t>(je)].chain;
            ref = MakeColumn(je, "value", chain, true);
            multi = true;
        }
        BASALT_TRY(int jid,
                   AddTableJoin("rel|" + std::to_string(ref->source) + "|" + field->name, *target,
                                BoundJoin::On::kIdEquals, ref, "", chain, field->IsMulti(), true));
        chain = joins_[static_cast<std::size_t>(jid)].chain;
        source = jid;
        coll = target;
    }
    return Bad("invalid field path");
}

Result<BoundValuePtr> Binder::ResolveLeaf(const Collection& coll,
                                          const Field& field,
                                          int source,
                                          std::vector<int> chain,
                                          bool multi,
                                          std::string_view modifier,
                                          bool allow_hidden) {
    if (field.hidden && !allow_hidden) {
        return Bad("non-filterable field \"" + field.name + "\"");
    }
    if (modifier == "isset" || modifier == "changed") {
        return Bad("the \":" + std::string(modifier) + "\" modifier is only for @request.body fields");
    }
    auto col = MakeColumn(source, field.name, chain, multi);
    if (modifier == "length") {
        if (!field.IsMulti() && field.type != FieldType::kJson) {
            return Bad("field \"" + field.name + "\" doesn't support the :length modifier");
        }
        return Wrap(ValueKind::kJsonLength, col, false);
    }
    BoundValuePtr value = col;
    if ((field.IsMulti() && !for_sort_) || modifier == "each") {
        if (!field.IsMulti() && field.type != FieldType::kJson && field.type != FieldType::kSelect &&
            field.type != FieldType::kFile && field.type != FieldType::kRelation) {
            return Bad("field \"" + field.name + "\" doesn't support the :each modifier");
        }
        // Each comparison iterates the values on its own: `tags ?= 'a' && tags ?= 'b'` holds
        // when both values are present (relation hops, by contrast, share their joins).
        int je = AddJsonEachJoin("je|leaf|" + std::to_string(joins_.size()), col, chain);
        value = MakeColumn(je, "value", joins_[static_cast<std::size_t>(je)].chain, true);
    } else if (field.type == FieldType::kJson) {
        value = MakeJsonExtract(col, "$");
    }
    if (modifier == "lower") {
        value = Wrap(ValueKind::kLower, value, false);
    }
    if (field.name == "email" && coll.IsAuth() && !allow_hidden) {
        auto v = std::make_shared<BoundValue>(*value);
        v->guard = MakeColumn(source, "emailVisibility", chain, multi);
        value = v;
    }
    return value;
}

Result<BoundValuePtr> Binder::RequestValue(const boost::json::value* value, std::string_view modifier) {
    if (modifier == "isset") {
        return MakeParam(SqlValue{value != nullptr});
    }
    if (modifier == "length") {
        std::int64_t n = 0;
        if (value != nullptr && value->is_array()) {
            n = static_cast<std::int64_t>(value->get_array().size());
        } else if (value != nullptr && !value->is_null() &&
                   !(value->is_string() && value->get_string().empty())) {
            n = 1;
        }
        return MakeParam(SqlValue{n});
    }
    if (modifier == "changed") {
        return Bad("the :changed modifier is only for @request.body fields of the collection");
    }
    BoundValuePtr out;
    if (value == nullptr || value->is_null()) {
        out = MakeNull();
    } else if (value->is_string()) {
        out = MakeParam(SqlValue{std::string(value->get_string())});
    } else if (value->is_bool()) {
        out = MakeParam(SqlValue{value->get_bool()});
    } else if (value->is_int64()) {
        out = MakeParam(SqlValue{static_cast<double>(value->get_int64())});
    } else if (value->is_uint64()) {
        out = MakeParam(SqlValue{static_cast<double>(value->get_uint64())});
    } else if (value->is_double()) {
        out = MakeParam(SqlValue{value->get_double()});
    } else if (value->is_array() || modifier == "each") {
        boost::json::array arr;
        if (value->is_array()) {
            arr = value->get_array();
        } else {
            arr.push_back(*value);
        }
        auto param = MakeParam(SqlValue{boost::json::serialize(arr)});
        int je = AddJsonEachJoin("je|param|" + std::to_string(joins_.size()), param, {});
        out = MakeColumn(je, "value", joins_[static_cast<std::size_t>(je)].chain, true);
    } else {
        out = MakeParam(SqlValue{boost::json::serialize(*value)});
    }
    if (modifier == "each" && out->kind == ValueKind::kParam) {
        auto param = MakeParam(SqlValue{boost::json::serialize(boost::json::array{*value})});
        int je = AddJsonEachJoin("je|param|" + std::to_string(joins_.size()), param, {});
        out = MakeColumn(je, "value", joins_[static_cast<std::size_t>(je)].chain, true);
    }
    if (modifier == "lower") {
        out = Wrap(ValueKind::kLower, out, false);
    }
    return out;
}

Result<BoundValuePtr> Binder::BindRequest(const std::vector<std::string>& segs) {
    if (segs.size() < 2) {
        return Bad("invalid @request field");
    }
    if (opts_.request == nullptr) {
        return MakeNull();
    }
    const RequestInfo& req = *opts_.request;
    auto [key, modifier] = SplitModifier(segs[1]);
    if (!IsKnownModifier(modifier)) {
        return Bad("unknown modifier \":" + modifier + "\"");
    }
    if (key == "method" || key == "context") {
        if (segs.size() != 2) {
            return MakeNull();
        }
        boost::json::value v(key == "method" ? req.method : req.context);
        return RequestValue(&v, modifier);
    }
    if (!modifier.empty()) {
        return Bad("invalid @request field");
    }
    if (key == "query" || key == "headers") {
        if (segs.size() != 3) {
            return MakeNull();
        }
        auto [name, mod] = SplitModifier(segs[2]);
        if (!IsKnownModifier(mod)) {
            return Bad("unknown modifier \":" + mod + "\"");
        }
        const auto& map = key == "query" ? req.query : req.headers;
        auto it = map.find(name);
        if (it == map.end()) {
            return RequestValue(nullptr, mod);
        }
        boost::json::value v(it->second);
        return RequestValue(&v, mod);
    }
    if (key == "auth") {
        return BindRequestAuth(segs);
    }
    if (key == "body") {
        return BindRequestBody(segs);
    }
    return MakeNull();
}

Result<BoundValuePtr> Binder::BindRequestAuth(const std::vector<std::string>& segs) {
    const RequestInfo& req = *opts_.request;
    if (segs.size() < 3) {
        return Bad("invalid @request.auth field");
    }
    auto [name, modifier] = SplitModifier(segs[2]);
    if (segs.size() > 3 && !modifier.empty()) {
        return Bad("modifiers are allowed only on the last path segment");
    }
    if (!IsKnownModifier(modifier)) {
        return Bad("unknown modifier \":" + modifier + "\"");
    }
    if (!req.auth) {
        return modifier == "isset" ? MakeParam(SqlValue{false}) : MakeNull();
    }
    const schema::Record& auth = *req.auth;
    if (segs.size() == 3) {
        if (name == "collectionId" || name == "collectionName") {
            std::string v;
            if (auth.collection) {
                v = name == "collectionId" ? auth.collection->id : auth.collection->name;
            }
            boost::json::value jv(v);
            return RequestValue(&jv, modifier);
        }
        auto it = auth.values.find(name);
        return RequestValue(it == auth.values.end() ? nullptr : &it->value(), modifier);
    }
    // A relation path through the auth record: join its collection by id.
    if (!auth.collection) {
        return MakeNull();
    }
    BASALT_TRY(int jid,
               AddTableJoin("auth", *auth.collection, BoundJoin::On::kIdEquals,
                            MakeParam(SqlValue{std::string(auth.Id())}), "", {}, false, false));
    return ResolvePath(*auth.collection, jid, joins_[static_cast<std::size_t>(jid)].chain, false, segs,
                       2, true);
}

Result<BoundValuePtr> Binder::BindRequestBody(const std::vector<std::string>& segs) {
    const RequestInfo& req = *opts_.request;
    if (segs.size() < 3) {
        return Bad("invalid @request.body field");
    }
    const bool last = segs.size() == 3;
    auto [name, modifier] = SplitModifier(segs[2]);
    if (!last && !modifier.empty()) {
        return Bad("modifiers are allowed only on the last path segment");
    }
    if (!IsKnownModifier(modifier)) {
        return Bad("unknown modifier \":" + modifier + "\"");
    }
    auto it = req.body.find(name);
    const boost::json::value* v = it == req.body.end() ? nullptr : &it->value();
    if (last) {
        if (modifier == "changed") {
            const Field* f = opts_.collection->FindField(name);
            if (f == nullptr) {
                return Bad("unknown field \"" + name + "\"");
            }
            if (v == nullptr) {
                return MakeParam(SqlValue{false});
            }
            BASALT_TRY(auto body_value, RequestValue(v, ""));
            auto column = MakeColumn(kMainSource, f->name, {}, false);
            auto out = std::make_shared<BoundValue>();
            out->kind = ValueKind::kIsNot;
            out->chain = body_value->chain;
            out->multi = body_value->multi;
            out->args = {body_value, column};
            return BoundValuePtr{out};
        }
        return RequestValue(v, modifier);
    }
    // A relation field of the collection: the submitted id(s) joined to the related collection
    // (`@request.body.post.author = @request.auth.id`).
    if (const Field* rel = opts_.collection->FindField(name); rel != nullptr && rel->type == FieldType::kRelation) {
        return BindBodyRelation(*rel, v, segs);
    }
    // Deeper: walk into the submitted JSON (objects by key, arrays by index).
    for (std::size_t i = 3; i < segs.size() && v != nullptr; ++i) {
        auto [seg, mod] = SplitModifier(segs[i]);
        if (!mod.empty() && i + 1 != segs.size()) {
            return Bad("modifiers are allowed only on the last path segment");
        }
        if (v->is_object()) {
            auto f = v->get_object().find(seg);
            v = f == v->get_object().end() ? nullptr : &f->value();
        } else if (v->is_array() && IsIndexSegment(seg)) {
            std::size_t idx = std::stoul(seg);
            v = idx < v->get_array().size() ? &v->get_array()[idx] : nullptr;
        } else {
            v = nullptr;
        }
        if (i + 1 == segs.size()) {
            modifier = mod;
        }
    }
    if (!IsKnownModifier(modifier)) {
        return Bad("unknown modifier \":" + modifier + "\"");
    }
    return RequestValue(v, modifier);
}

Result<BoundValuePtr> Binder::BindBodyRelation(const Field& rel,
                                               const boost::json::value* submitted,
                                               const std::vector<std::string>& segs) {
    const Collection* target = FindCollection(rel.collection_id);
    if (target == nullptr) {
        return Bad("unknown relation collection of field \"" + rel.name + "\"");
    }
    BoundValuePtr ref;
    std::vector<int> chain;
    bool multi = false;
    if (submitted != nullptr && submitted->is_array()) {
        auto ids = MakeParam(SqlValue{boost::json::serialize(submitted->get_array())});
        int je = AddJsonEachJoin("je|body|" + rel.name, ids, {});
        chain = joins_[static_cast<std::size_t>(je)].chain;
        ref = MakeColumn(je, "value", chain, true);
        multi = true;
    } else if (submitted != nullptr && submitted->is_string()) {
        ref = MakeParam(SqlValue{std::string(submitted->get_string())});
    } else {
        ref = MakeNull();  // nothing submitted: the join finds no row
    }
    BASALT_TRY(int jid, AddTableJoin("body|" + rel.name, *target, BoundJoin::On::kIdEquals, ref, "", chain, multi,
                                     false));
    return ResolvePath(*target, jid, joins_[static_cast<std::size_t>(jid)].chain, multi, segs, 3, true);
}

Result<BoundValuePtr> Binder::BindCollection(const std::vector<std::string>& segs) {
    if (segs.size() < 3) {
        return Bad("invalid @collection field path");
    }
    auto colon = segs[1].find(':');
    const std::string coll_name = segs[1].substr(0, colon);
    const std::string alias = colon == std::string::npos ? "" : segs[1].substr(colon + 1);
    const Collection* coll = FindCollection(coll_name);
    if (coll == nullptr) {
        return Bad("unknown collection \"" + coll_name + "\"");
    }
    const std::string key = alias.empty() ? "coll|" + coll->name : "alias|" + alias;
    BASALT_TRY(int jid, AddTableJoin(key, *coll, BoundJoin::On::kAlways, nullptr, "", {}, true, true));
    if (joins_[static_cast<std::size_t>(jid)].table != coll->name) {
        return Bad("@collection alias \"" + alias + "\" is used for two collections");
    }
    return ResolvePath(*coll, jid, joins_[static_cast<std::size_t>(jid)].chain, true, segs, 2, true);
}

}  // namespace basalt::filter
