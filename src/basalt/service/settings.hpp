// SettingsService: the application settings stored in `_params` (PocketBase's settings object).
#pragma once

#include <atomic>
#include <memory>

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

    /// PATCH /api/settings: merges `patch` onto the stored settings (objects merge key by key,
    /// other values replace; a value of another type than the current one is refused), validates
    /// and saves in one transaction; returns the new settings.
    boost::asio::awaitable<Result<boost::json::object>> Update(boost::json::object patch);

    /// The settings kept in memory: loaded on first use, replaced after every committed Update.
    /// (Another process writing `_params` while Basalt runs is not seen, as in PocketBase.)
    boost::asio::awaitable<Result<std::shared_ptr<const boost::json::object>>> Current();
    /// The in-memory settings without waiting; nullptr before the first load.
    std::shared_ptr<const boost::json::object> Peek() const { return std::atomic_load(&cached_); }

private:
    store::Store& store_;
    std::shared_ptr<const boost::json::object> cached_;  // atomic_load/atomic_store only
};

/// The settings as the API shows them: secrets (smtp.password, s3.secret, backups.s3.secret)
/// removed.
boost::json::object PublicSettings(boost::json::object settings);

/// settings[section][key] as an integer, `def` when absent or not a number.
std::int64_t SettingInt(const boost::json::object& settings, std::string_view section, std::string_view key,
                        std::int64_t def);
bool SettingBool(const boost::json::object& settings, std::string_view section, std::string_view key);

}  // namespace basalt::service
