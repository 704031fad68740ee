// Offload(pool, fn): runs blocking work (SQLite, bcrypt, file I/O) on a thread pool and resumes
// the calling coroutine on its own executor with the result.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace basalt {

namespace net = boost::asio;

/// Runs `fn()` on `pool_executor` and returns its result to the awaiting coroutine, resumed on
/// the coroutine's own executor. `fn` must not capture references to coroutine locals that die
/// before completion (they do not: the caller is suspended until fn returns). Exceptions thrown
/// by `fn` are rethrown in the caller.
template <class Executor, class F, class R = std::invoke_result_t<F&>>
net::awaitable<R> Offload(Executor pool_executor, F fn) {
    auto init = [pool_executor](auto handler, F f) mutable {
        auto work = net::make_work_guard(net::get_associated_executor(handler));
        net::post(pool_executor,
                  [handler = std::move(handler), f = std::move(f), work = std::move(work)]() mutable {
                      std::exception_ptr eptr;
                      std::optional<R> result;
                      try {
                          result.emplace(f());
                      } catch (...) {
                          eptr = std::current_exception();
                      }
                      auto ex = net::get_associated_executor(handler);
                      net::dispatch(ex,
                                    [handler = std::move(handler),
                                     eptr,
                                     result = std::move(result)]() mutable {
                                        std::move(handler)(eptr, std::move(result));
                                    });
                      work.reset();
                  });
    };
    std::optional<R> r =
        co_await net::async_initiate<const net::use_awaitable_t<>&,
                                     void(std::exception_ptr, std::optional<R>)>(
            std::move(init), net::use_awaitable, std::move(fn));
    co_return std::move(*r);
}

}  // namespace basalt
