// SPDX-License-Identifier: MIT
// A coroutine echo server on the asynchronous API.
//
//   coro_echo [endpoint] [messages]      (default tcp://*:5560, forever)
//
// The coroutine runs on the socket's own executor, so every co_await on the
// socket completes without a thread hop. as_tuple turns errors into values
// instead of exceptions. Talk to it with a DEALER (zmtpcat dealer ...).
#include <zmtp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <future>
#include <string>

using asio::experimental::as_tuple;
using asio::use_awaitable;

asio::awaitable<void> echo(zmtp::router_socket& router, long messages,
                           std::promise<void>& done)
{
    for (long i = 0; messages < 0 || i < messages; ++i) {
        // [routing id] [body ...]: sending it back routes it to the sender.
        auto [ec, msg] = co_await router.async_recv(as_tuple(use_awaitable));
        if (ec)
            break;
        auto [sent] = co_await router.async_send(std::move(msg), as_tuple(use_awaitable));
        if (sent)
            break;
    }
    done.set_value();
}

int main(int argc, char** argv)
{
    const std::string endpoint = argc > 1 ? argv[1] : "tcp://*:5560";
    const long messages = argc > 2 ? std::stol(argv[2]) : -1;

    zmtp::context ctx;
    zmtp::router_socket router(ctx);
    std::printf("echo server bound to %s\n", router.bind(endpoint).c_str());
    std::fflush(stdout);

    std::promise<void> done;
    asio::co_spawn(router.get_executor(), echo(router, messages, done), asio::detached);
    done.get_future().wait();
    std::printf("echoed %ld messages\n", messages);
}
