// fields picker: the parsed tree lives in base (service writes records through it too).
#include "basalt/api/fields.hpp"

#include "basalt/base/field_picker.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::api {

std::string Excerpt(std::string_view html, std::size_t max, bool ellipsis) {
    return json::Excerpt(html, max, ellipsis);
}

void PickFields(boost::json::value& v, std::string_view fields) {
    fields = Trim(fields);
    if (fields.empty()) {
        return;
    }
    const json::FieldPicker root = json::FieldPicker::Parse(fields);
    if (v.is_object() && v.get_object().contains("items") && v.get_object().contains("perPage")) {
        root.Pick(v.get_object()["items"]);
        return;
    }
    root.Pick(v);
}

}  // namespace basalt::api
