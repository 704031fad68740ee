#include "basalt/base/offload.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "basalt/base/testing/run_co.hpp"

namespace basalt {
namespace {

net::awaitable<bool> RunsElsewhereAndComesBack(net::thread_pool& pool) {
    auto caller = std::this_thread::get_id();
    auto worker = co_await Offload(pool.get_executor(), [] { return std::this_thread::get_id(); });
    co_return worker != caller && std::this_thread::get_id() == caller;
}

TEST(Offload, RunsOnPoolAndResumesOnCaller) {
    net::thread_pool pool(1);
    EXPECT_TRUE(testing::RunCo(RunsElsewhereAndComesBack(pool)));
    pool.join();
}

net::awaitable<int> Throws(net::thread_pool& pool) {
    co_return co_await Offload(pool.get_executor(), []() -> int { throw std::runtime_error("x"); });
}

TEST(Offload, PropagatesExceptions) {
    net::thread_pool pool(1);
    EXPECT_THROW(testing::RunCo(Throws(pool)), std::runtime_error);
    pool.join();
}

}  // namespace
}  // namespace basalt
