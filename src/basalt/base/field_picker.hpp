// The `fields` response picker (PocketBase §1.7, §4.5) as a parsed tree: paths with `*`
// wildcards and the `:excerpt(max[,withEllipsis])` modifier. Pure JSON shaping, no domain:
// api applies it to whole responses, service consults it key by key when it writes records
// straight from rows.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace basalt::json {

/// One node of a parsed `fields` value: the root picks keys of an object, each child the keys
/// below one key. Immutable once parsed; safe to share between threads.
class FieldPicker {
public:
    /// Parses a comma-separated list of paths (commas inside `excerpt(...)` do not split).
    static FieldPicker Parse(std::string_view fields);

    /// The text the root was parsed from, trimmed (empty below the root): two roots with the
    /// same source pick alike.
    const std::string& source() const { return source_; }

    /// True when the node picks nothing below itself (the value is kept whole).
    bool empty() const { return children_.empty(); }

    /// The node for `key` of an object this node picks from: the exact key, else `*`; nullptr
    /// when the key is dropped. Only meaningful when !empty().
    const FieldPicker* Child(std::string_view key) const;

    /// True when a value picked by this node is written unchanged (no paths below, no modifier).
    bool KeepsWhole() const { return children_.empty() && !modifier_; }

    /// Picks from `v` in place (arrays: each element; objects: the picked keys, sorted).
    void Pick(boost::json::value& v) const;

    /// What the parent does to a value kept under this node: Pick, then the node's modifier.
    void ApplyAsChild(boost::json::value& v) const;

private:
    struct Modifier {
        std::size_t max = 0;
        bool ellipsis = false;
    };

    static std::optional<Modifier> ParseModifier(std::string_view m);
    void AddPath(std::string_view path);

    std::map<std::string, std::unique_ptr<FieldPicker>, std::less<>> children_;
    std::optional<Modifier> modifier_;  // excerpt
    std::string source_;
};

/// Plain-text excerpt of HTML: tags stripped (script/style/... subtrees dropped), whitespace
/// collapsed, truncated to `max` code points, "..." appended when truncated and `ellipsis`.
std::string Excerpt(std::string_view html, std::size_t max, bool ellipsis);

}  // namespace basalt::json
