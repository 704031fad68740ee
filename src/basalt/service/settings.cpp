// Settings access.
#include "basalt/service/settings.hpp"

#include "basalt/store/collection_rows.hpp"

namespace basalt::service {

boost::asio::awaitable<Result<boost::json::object>> SettingsService::Get() {
    auto unit = [](store::Tx& tx) { return store::LoadSettings(tx); };
    co_return co_await store_.Read(std::move(unit));
}

namespace {

const boost::json::value* Setting(const boost::json::object& settings, std::string_view section, std::string_view key) {
    auto sec = settings.find(section);
    if (sec == settings.end() || !sec->value().is_object()) {
        return nullptr;
    }
    auto it = sec->value().get_object().find(key);
    return it == sec->value().get_object().end() ? nullptr : &it->value();
}

}  // namespace

std::int64_t SettingInt(const boost::json::object& settings, std::string_view section, std::string_view key,
                        std::int64_t def) {
    const auto* v = Setting(settings, section, key);
    return v != nullptr && v->is_number() ? v->to_number<std::int64_t>() : def;
}

bool SettingBool(const boost::json::object& settings, std::string_view section, std::string_view key) {
    const auto* v = Setting(settings, section, key);
    return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace basalt::service
