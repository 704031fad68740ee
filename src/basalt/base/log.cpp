// Logger setup.
#include "basalt/base/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace basalt::log {

void Setup(std::string_view level) {
    auto logger = spdlog::stderr_logger_mt("basalt");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    logger->set_level(spdlog::level::from_str(std::string(level)));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace basalt::log
