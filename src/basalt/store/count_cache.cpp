#include "basalt/store/count_cache.hpp"

#include <fmt/format.h>

namespace basalt::store {

namespace {

constexpr std::size_t kMaxKeySize = 16 * 1024;

}  // namespace

std::string CountCache::Key(std::string_view sql, const SqlParams& params) {
    std::string key(sql);
    for (const auto& p : params) {
        // A separator that cannot occur in generated SQL, then a type tag and the value's length
        // (values may contain anything).
        key += '\0';
        std::visit(
            [&key](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    key += 'n';
                } else if constexpr (std::is_same_v<T, bool>) {
                    key += v ? "bt" : "bf";
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    key += fmt::format("i{}", v);
                } else if constexpr (std::is_same_v<T, double>) {
                    key += fmt::format("d{}", v);
                } else {
                    key += fmt::format("s{}:", v.size());
                    key += v;
                }
            },
            p);
        if (key.size() > kMaxKeySize) {
            return {};
        }
    }
    return key.size() > kMaxKeySize ? std::string() : key;
}

std::optional<std::int64_t> CountCache::Get(const std::string& key, std::uint64_t epoch) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end() || it->second.epoch != epoch) {
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.count;
}

void CountCache::Put(const std::string& key, std::uint64_t epoch, std::int64_t count) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(key); it != map_.end()) {
        if (epoch >= it->second.epoch) {
            it->second.epoch = epoch;
            it->second.count = count;
        }
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return;
    }
    if (capacity_ == 0) {
        return;
    }
    if (map_.size() >= capacity_) {
        map_.erase(lru_.back());
        lru_.pop_back();
    }
    lru_.push_front(key);
    map_.emplace(key, Entry{epoch, count, lru_.begin()});
}

std::size_t CountCache::size() const {
    std::lock_guard lock(mu_);
    return map_.size();
}

}  // namespace basalt::store
