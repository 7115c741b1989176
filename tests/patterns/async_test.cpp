// SPDX-License-Identifier: MIT
// The asynchronous API: async_send / async_recv / async_next_event with a
// callback, asio::use_future, asio::use_awaitable and
// asio::experimental::deferred; per-operation cancellation; and blocking
// calls made on the socket's own executor (would_deadlock).

#include "spec_support.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/error.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

using namespace zmtp_test;

namespace {

template <class T>
bool ready_within(std::future<T>& f, std::chrono::milliseconds timeout = generous)
{
    return f.wait_for(timeout) == std::future_status::ready;
}

/// A connected PUSH -> PULL pair.
struct pipeline {
    context ctx;
    pull_socket pull{ctx, test_options()};
    push_socket push{ctx, test_options()};
    pipeline()
    {
        const auto ep = pull.bind("tcp://127.0.0.1:0");
        push.connect(ep);
    }
};

using recv_result = std::pair<std::error_code, std::vector<std::string>>;

} // namespace

TEST_CASE("async_recv and async_send complete through a callback", "[async]")
{
    pipeline p;
    // Shared with the handlers, which may in theory outlive a failed test.
    auto got = std::make_shared<std::promise<recv_result>>();
    auto sent = std::make_shared<std::promise<std::error_code>>();
    auto got_f = got->get_future();
    auto sent_f = sent->get_future();

    p.pull.async_recv([got](std::error_code ec, zmtp::message m) {
        got->set_value({ec, parts(m)});
    });
    p.push.async_send(make_message({"call", "back"}),
                      [sent](std::error_code ec) { sent->set_value(ec); });

    REQUIRE(ready_within(sent_f));
    CHECK_FALSE(sent_f.get());
    REQUIRE(ready_within(got_f));
    const auto [ec, frames] = got_f.get();
    CHECK_FALSE(ec);
    CHECK(frames == std::vector<std::string>{"call", "back"});
}

TEST_CASE("async operations run their handlers on the socket's executor", "[async]")
{
    // The context has one I/O thread: the socket's executor runs there.
    pipeline p;
    auto io_thread = std::make_shared<std::promise<std::thread::id>>();
    auto io_f = io_thread->get_future();
    asio::post(p.pull.get_executor(), [io_thread] { io_thread->set_value(std::this_thread::get_id()); });
    auto handler_thread = std::make_shared<std::promise<std::thread::id>>();
    auto f = handler_thread->get_future();
    p.pull.async_recv([handler_thread](std::error_code, zmtp::message) {
        handler_thread->set_value(std::this_thread::get_id());
    });
    p.push.send(zmtp::message("x"));
    REQUIRE(ready_within(io_f));
    REQUIRE(ready_within(f));
    const auto io_id = io_f.get();
    CHECK(f.get() == io_id);
    CHECK(io_id != std::this_thread::get_id());
}

TEST_CASE("async_recv and async_send work with asio::use_future", "[async]")
{
    pipeline p;
    std::future<zmtp::message> r = p.pull.async_recv(asio::use_future);
    std::future<void> s = p.push.async_send(make_message({"fu", "ture"}), asio::use_future);
    REQUIRE(ready_within(s));
    CHECK_NOTHROW(s.get());
    REQUIRE(ready_within(r));
    CHECK(parts(r.get()) == std::vector<std::string>{"fu", "ture"});

    // Errors arrive as exceptions carrying the socket_error.
    std::future<zmtp::message> bad = p.push.async_recv(asio::use_future);
    REQUIRE(ready_within(bad));
    try {
        bad.get();
        FAIL("async_recv on a PUSH succeeded");
    } catch (const std::system_error& e) {
        CHECK(e.code() == socket_error::not_supported);
    }
}

// Asio 1.22 enables co_await support (ASIO_HAS_CO_AWAIT) for GCC with
// -std=c++20, but for Clang only with the Coroutines TS: Clang 14 builds
// leave these tests out.
#if defined(ASIO_HAS_CO_AWAIT)
TEST_CASE("async_recv and async_send work in coroutines with asio::use_awaitable", "[async]")
{
    pipeline p;
    auto receiver = asio::co_spawn(
        p.pull.get_executor(),
        [&pull = p.pull]() -> asio::awaitable<std::vector<std::string>> {
            std::vector<std::string> all;
            for (int i = 0; i < 3; ++i) {
                auto m = co_await pull.async_recv(asio::use_awaitable);
                for (auto& s : parts(m))
                    all.push_back(s);
            }
            co_return all;
        },
        asio::use_future);
    auto sender = asio::co_spawn(
        p.push.get_executor(),
        [&push = p.push]() -> asio::awaitable<void> {
            for (int i = 0; i < 3; ++i)
                co_await push.async_send(zmtp::message(std::string_view("co-" + std::to_string(i))),
                                         asio::use_awaitable);
        },
        asio::use_future);
    REQUIRE(ready_within(sender));
    CHECK_NOTHROW(sender.get());
    REQUIRE(ready_within(receiver));
    CHECK(receiver.get() == std::vector<std::string>{"co-0", "co-1", "co-2"});

    // An error is thrown into the coroutine.
    auto failing = asio::co_spawn(
        p.push.get_executor(),
        [&push = p.push]() -> asio::awaitable<int> {
            try {
                co_await push.async_recv(asio::use_awaitable);
            } catch (const std::system_error& e) {
                co_return e.code() == socket_error::not_supported ? 1 : 2;
            }
            co_return 0;
        },
        asio::use_future);
    REQUIRE(ready_within(failing));
    CHECK(failing.get() == 1);
}

TEST_CASE("coroutines awaiting every message on the socket's executor resume at once, with "
          "bounded nesting",
          "[async]")
{
    // A message already there (or room to send) completes the operation
    // while it starts, and the coroutine goes on at once instead of through
    // the scheduler; it then nests inside its previous operation, which
    // must stay bounded however many messages it takes.
    pipeline p;
    constexpr int count = 20000;
    auto sender = asio::co_spawn(
        p.push.get_executor(),
        [&push = p.push]() -> asio::awaitable<void> {
            for (int i = 0; i < count; ++i) {
                zmtp::message m{std::string_view(std::to_string(i))}; // outside the co_await (GCC 12)
                co_await push.async_send(std::move(m), asio::use_awaitable);
            }
        },
        asio::use_future);
    struct result {
        int in_order = 0;
        std::ptrdiff_t stack_span = 0;
    };
    auto receiver = asio::co_spawn(
        p.pull.get_executor(),
        [&pull = p.pull]() -> asio::awaitable<result> {
            result r;
            const char* lowest = nullptr;
            const char* highest = nullptr;
            for (int i = 0; i < count; ++i) {
                auto m = co_await pull.async_recv(asio::use_awaitable);
                if (parts(m) == std::vector<std::string>{std::to_string(i)})
                    ++r.in_order;
                // Where this resumption runs on the stack (a local of the
                // coroutine would live in its frame, on the heap).
                const auto* at = static_cast<const char*>(__builtin_frame_address(0));
                if (lowest == nullptr || at < lowest)
                    lowest = at;
                if (highest == nullptr || at > highest)
                    highest = at;
            }
            r.stack_span = highest - lowest;
            co_return r;
        },
        asio::use_future);
    REQUIRE(ready_within(sender, 4 * generous));
    CHECK_NOTHROW(sender.get());
    REQUIRE(ready_within(receiver, 4 * generous));
    const auto r = receiver.get();
    CHECK(r.in_order == count);
    // 16 nested resumptions at most (async_op.hpp), each a few hundred bytes
    // of stack: far below this; unbounded nesting would take megabytes.
    CHECK(r.stack_span < 256 * 1024);
}

#endif // ASIO_HAS_CO_AWAIT

TEST_CASE("async_recv and async_send work with asio::experimental::deferred", "[async]")
{
    pipeline p;
    auto recv_op = p.pull.async_recv(asio::experimental::deferred);
    auto send_op = p.push.async_send(zmtp::message("deferred"), asio::experimental::deferred);
    // Nothing happens until the deferred operations are launched.
    auto got = std::make_shared<std::promise<recv_result>>();
    auto sent = std::make_shared<std::promise<std::error_code>>();
    auto got_f = got->get_future();
    auto sent_f = sent->get_future();
    std::move(send_op)([sent](std::error_code ec) { sent->set_value(ec); });
    std::move(recv_op)([got](std::error_code ec, zmtp::message m) {
        got->set_value({ec, parts(m)});
    });
    REQUIRE(ready_within(sent_f));
    CHECK_FALSE(sent_f.get());
    REQUIRE(ready_within(got_f));
    const auto [ec, frames] = got_f.get();
    CHECK_FALSE(ec);
    CHECK(frames == std::vector<std::string>{"deferred"});
}

TEST_CASE("a pending async_recv is cancelled through its cancellation slot", "[async][cancel]")
{
    pipeline p;
    asio::cancellation_signal signal;
    auto got = std::make_shared<std::promise<recv_result>>();
    auto got_f = got->get_future();
    p.pull.async_recv(asio::bind_cancellation_slot(
        signal.slot(), [got](std::error_code ec, zmtp::message m) {
            got->set_value({ec, parts(m)});
        }));
    // Emitted on the socket's executor, after the operation was started
    // there (a cancellation_signal is not thread-safe).
    asio::post(p.pull.get_executor(), [&signal] { signal.emit(asio::cancellation_type::all); });
    REQUIRE(ready_within(got_f));
    const auto [ec, frames] = got_f.get();
    CHECK(ec == asio::error::operation_aborted);
    CHECK(frames.empty());

    // The cancelled operation took nothing: the next message goes to the next receive.
    p.push.send(zmtp::message("after-cancel"));
    std::error_code rec;
    CHECK(recv_string(p.pull, rec) == "after-cancel");
    CHECK_FALSE(rec);
}

TEST_CASE("a pending async_send is cancelled through its cancellation slot", "[async][cancel]")
{
    context ctx;
    push_socket push(ctx, test_options());
    const auto ep = push.bind("tcp://127.0.0.1:0"); // no peer: the send waits
    asio::cancellation_signal signal;
    auto sent = std::make_shared<std::promise<std::error_code>>();
    auto sent_f = sent->get_future();
    push.async_send(zmtp::message("never"),
                    asio::bind_cancellation_slot(signal.slot(), [sent](std::error_code ec) {
                        sent->set_value(ec);
                    }));
    asio::post(push.get_executor(), [&signal] { signal.emit(asio::cancellation_type::all); });
    REQUIRE(ready_within(sent_f));
    CHECK(sent_f.get() == asio::error::operation_aborted);

    // The cancelled message is not delivered when a peer appears.
    pull_socket pull(ctx, test_options());
    pull.connect(ep);
    push.send(zmtp::message("delivered"));
    std::error_code ec;
    CHECK(recv_string(pull, ec) == "delivered");
}

TEST_CASE("a pending async_send completes once a peer connects", "[async]")
{
    context ctx;
    push_socket push(ctx, test_options());
    const auto ep = push.bind("tcp://127.0.0.1:0");
    std::future<void> s = push.async_send(zmtp::message("later"), asio::use_future);
    CHECK(s.wait_for(100ms) == std::future_status::timeout); // absence: no peer yet
    pull_socket pull(ctx, test_options());
    pull.connect(ep);
    REQUIRE(ready_within(s));
    CHECK_NOTHROW(s.get());
    std::error_code ec;
    CHECK(recv_string(pull, ec) == "later");
}

TEST_CASE("pending async operations complete with closed when the socket closes", "[async]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    pull.bind("tcp://127.0.0.1:0");
    std::future<zmtp::message> r = pull.async_recv(asio::use_future);
    pull.close();
    REQUIRE(ready_within(r));
    try {
        r.get();
        FAIL("async_recv succeeded on a closed socket");
    } catch (const std::system_error& e) {
        CHECK(e.code() == socket_error::closed);
    }
    // And new ones fail at once.
    std::future<void> s = pull.async_send(zmtp::message("x"), asio::use_future);
    REQUIRE(ready_within(s));
    CHECK_THROWS_AS(s.get(), std::system_error);
}

TEST_CASE("async_next_event delivers the socket's events in order", "[async][events]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    push_socket push(ctx, test_options());
    push.connect(ep);

    std::vector<socket_event> evs;
    for (int i = 0; i < 3; ++i) {
        std::future<socket_event> f = pull.async_next_event(asio::use_future);
        REQUIRE(ready_within(f));
        evs.push_back(f.get());
    }
    CHECK(evs[0].what == kind::listening);
    CHECK(evs[0].endpoint == ep);
    CHECK(evs[1].what == kind::accepted);
    CHECK(evs[2].what == kind::handshake_succeeded);
    CHECK(evs[1].endpoint == evs[2].endpoint);
    CHECK(evs[1].endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
}

TEST_CASE("events nobody waits for are kept up to a bound, the oldest dropped first",
          "[async][events][hostile]")
{
    // Peers make events (every connection brings two or three): a socket
    // whose application never asks for them must not keep them all.
    context ctx;
    pull_socket pull(ctx, test_options());
    constexpr int cycles = 1500; // 3000 events: listening, closed
    std::string last;
    for (int i = 0; i < cycles; ++i) {
        last = pull.bind("tcp://127.0.0.1:0");
        pull.unbind(last);
    }
    std::vector<socket_event> evs;
    for (;;) {
        std::future<socket_event> f = pull.async_next_event(asio::use_future);
        if (f.wait_for(std::chrono::milliseconds(evs.size() < 1024 ? 5000 : 200)) !=
            std::future_status::ready)
            break; // nothing more is buffered: this one waits for a new event
        evs.push_back(f.get());
    }
    REQUIRE(evs.size() == 1024);
    // The newest survived, in order.
    CHECK(evs.back().what == kind::closed);
    CHECK(evs.back().endpoint == last);
    CHECK(evs[evs.size() - 2].what == kind::listening);
    CHECK(evs[evs.size() - 2].endpoint == last);
}

TEST_CASE("a blocking recv from inside an event handler fails with would_deadlock",
          "[async][deadlock]")
{
    // Handlers run on the socket's executor: a blocking call there could
    // never be served, so it must fail instead of hanging.
    context ctx;
    pull_socket pull(ctx, test_options()); // rcvtimeo: generous, i.e. blocking
    push_socket push(ctx, test_options());
    struct result {
        std::promise<std::error_code> recv_ec;
        std::promise<std::error_code> send_ec;
        std::atomic<bool> done{false};
    };
    auto res = std::make_shared<result>();
    auto recv_f = res->recv_ec.get_future();
    auto send_f = res->send_ec.get_future();
    zmtp::socket* pull_ptr = &pull;
    zmtp::socket* push_ptr = &push;
    pull.on_event([res, pull_ptr, push_ptr](const socket_event& e) {
        if (e.what != kind::listening || res->done.exchange(true))
            return;
        std::error_code ec;
        pull_ptr->recv(ec); // nothing to receive: would have to wait
        res->recv_ec.set_value(ec);
        // A PUSH without peers, on another socket's executor... which is
        // the same single I/O thread here: the blocking send cannot wait.
        std::error_code sec;
        push_ptr->send(zmtp::message("x"), sec);
        res->send_ec.set_value(sec);
    });
    pull.bind("tcp://127.0.0.1:0");
    REQUIRE(ready_within(recv_f));
    CHECK(recv_f.get() == socket_error::would_deadlock);
    REQUIRE(ready_within(send_f));
    CHECK(send_f.get() == socket_error::would_deadlock);
}

TEST_CASE("a blocking recv in a handler on the socket's executor fails with would_deadlock",
          "[async][deadlock]")
{
    // The same rule for any code the socket's executor runs: a posted
    // handler (as here) or a coroutine spawned on get_executor().
    pipeline p;
    auto res = std::make_shared<std::promise<std::pair<std::error_code, bool>>>();
    auto f = res->get_future();
    asio::post(p.pull.get_executor(), [&pull = p.pull, res] {
        std::error_code ec;
        pull.recv(ec);
        zmtp::message m;
        // try_recv on the executor is fine: it never waits.
        const bool got = pull.try_recv().has_value();
        res->set_value({ec, got});
    });
    REQUIRE(ready_within(f));
    const auto [ec, got] = f.get();
    CHECK(ec == socket_error::would_deadlock);
    CHECK_FALSE(got);
}

#if defined(ASIO_HAS_CO_AWAIT)
TEST_CASE("a blocking recv in a coroutine on the socket's executor fails with would_deadlock",
          "[async][deadlock]")
{
    pipeline p;
    auto f = asio::co_spawn(
        p.pull.get_executor(),
        [&pull = p.pull]() -> asio::awaitable<std::error_code> {
            std::error_code ec;
            pull.recv(ec);
            co_return ec;
        },
        asio::use_future);
    REQUIRE(ready_within(f));
    CHECK(f.get() == socket_error::would_deadlock);
}
#endif // ASIO_HAS_CO_AWAIT
