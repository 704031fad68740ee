// SettingsService: the application settings stored in `_params` (PocketBase's settings object).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

/// Reads the settings (defaults filled in). References the App-owned store. Thread-safe.
class SettingsService {
public:
    explicit SettingsService(store::Store& store) : store_(store) {}

    boost::asio::awaitable<Result<boost::json::object>> Get();

private:
    store::Store& store_;
};

/// settings[section][key] as an integer, `def` when absent or not a number.
std::int64_t SettingInt(const boost::json::object& settings, std::string_view section, std::string_view key,
                        std::int64_t def);
bool SettingBool(const boost::json::object& settings, std::string_view section, std::string_view key);

}  // namespace basalt::service
