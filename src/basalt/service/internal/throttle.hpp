// In-memory attempt counting per key within a sliding window (resend throttles, OTP attempt
// limits). Per node: a cluster shares nothing here, which only makes limits per node.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace basalt::service::internal {

/// Thread-safe. Keys with no attempt inside the window are dropped as the map is swept.
class Throttle {
public:
    using Clock = std::chrono::steady_clock;

    Throttle(std::size_t max_attempts, Clock::duration window) : max_(max_attempts), window_(window) {}

    /// Records an attempt for `key`; false (and nothing recorded) when `max_attempts` already
    /// happened within the window.
    bool Allow(const std::string& key) {
        const auto now = Clock::now();
        std::lock_guard lock(mu_);
        if (++calls_ % 1024 == 0) {
            Sweep(now);
        }
        auto& times = attempts_[key];
        while (!times.empty() && now - times.front() >= window_) {
            times.pop_front();
        }
        if (times.size() >= max_) {
            return false;
        }
        times.push_back(now);
        return true;
    }

    void Reset(const std::string& key) {
        std::lock_guard lock(mu_);
        attempts_.erase(key);
    }

private:
    void Sweep(Clock::time_point now) {
        for (auto it = attempts_.begin(); it != attempts_.end();) {
            if (it->second.empty() || now - it->second.back() >= window_) {
                it = attempts_.erase(it);
            } else {
                ++it;
            }
        }
    }

    const std::size_t max_;
    const Clock::duration window_;
    std::mutex mu_;
    std::size_t calls_ = 0;
    std::unordered_map<std::string, std::deque<Clock::time_point>> attempts_;
};

}  // namespace basalt::service::internal
