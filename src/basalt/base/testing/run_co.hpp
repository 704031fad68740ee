// RunCo(awaitable): runs a coroutine to completion on a fresh io_context inside a plain gtest TEST.
#pragma once

#include <exception>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace basalt::testing {

template <class T>
T RunCo(boost::asio::awaitable<T> aw) {
    boost::asio::io_context ioc;
    std::optional<T> out;
    std::exception_ptr eptr;
    boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
        eptr = e;
        if (!e) {
            out.emplace(std::move(v));
        }
    });
    ioc.run();
    if (eptr) {
        std::rethrow_exception(eptr);
    }
    return std::move(*out);
}

}  // namespace basalt::testing
