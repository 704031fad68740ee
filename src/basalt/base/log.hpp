// Logging facade (spdlog underneath): fmt-style messages, no secrets, no logging in hot loops.
#pragma once

#include <spdlog/spdlog.h>

namespace basalt::log {

template <class... Args>
void Info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::info(fmt, std::forward<Args>(args)...);
}

template <class... Args>
void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::warn(fmt, std::forward<Args>(args)...);
}

template <class... Args>
void Error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::error(fmt, std::forward<Args>(args)...);
}

template <class... Args>
void Debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::debug(fmt, std::forward<Args>(args)...);
}

/// Configures the default logger: "info", "debug", "warn", "error" or "off". Asynchronous:
/// call Shutdown() before exit to flush.
void Setup(std::string_view level);

/// Flushes and stops the logger thread.
void Shutdown();

}  // namespace basalt::log
