// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The async tools run their loop as a coroutine on the socket's own
    executor (asio::co_spawn(sock.get_executor(), ...)), so every co_await
    on the socket completes without a thread hop; main() just waits.

    Throughput loops take the non-blocking try_send/try_recv fast path and
    fall back to `co_await async_send/async_recv` only when it returns
    false ("try" mode, the default); "await" mode (4th argument) always
    co_awaits, to measure the plain awaitable path.
*/

#include "bench_common.hpp"
#include <zmtp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <cstring>
#include <exception>
#include <future>

namespace bench {

using asio::experimental::as_tuple;
using asio::use_awaitable;

/// Runs `body` as a coroutine on `s`'s executor and waits for it; rethrows its exception.
inline void run_on(zmtp::socket& s, asio::awaitable<void> body)
{
    std::promise<void> done;
    asio::co_spawn(s.get_executor(), std::move(body), [&done](std::exception_ptr e) {
        if (e)
            done.set_exception(e);
        else
            done.set_value();
    });
    done.get_future().get();
}

/// The optional 4th argument of the async throughput tools: true = "await" mode.
inline bool await_mode(int argc, char** argv, const char* usage)
{
    if (argc == 4)
        return false;
    if (std::strcmp(argv[4], "await") == 0)
        return true;
    if (std::strcmp(argv[4], "try") == 0)
        return false;
    fail(usage);
}

/// The optional 3rd argument of the inproc tools: true = "async", false = "blocking" (default).
inline bool async_mode(int argc, char** argv, const char* usage)
{
    if (argc != 3 && argc != 4)
        fail(usage);
    if (argc == 3 || std::strcmp(argv[3], "blocking") == 0)
        return false;
    if (std::strcmp(argv[3], "async") == 0)
        return true;
    fail(usage);
}

} // namespace bench
