// SPDX-License-Identifier: MIT
// Socket and context lifetimes: timeouts, close() and linger, destruction
// with live connections, contexts with several threads or a borrowed
// io_context, and the events a socket reports along the way.

#include "spec_support.hpp"

#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

using namespace zmtp_test;

TEST_CASE("rcvtimeo makes recv fail with timed_out", "[timeout]")
{
    context ctx;
    auto opts = test_options();
    opts.rcvtimeo = 100ms;
    pull_socket pull(ctx, opts);
    pull.bind("tcp://127.0.0.1:0");
    const auto start = steady::now();
    std::error_code ec;
    pull.recv(ec);
    CHECK(ec == socket_error::timed_out);
    CHECK(steady::now() - start >= 95ms); // never early (a little slack for clock reads)
    CHECK_THROWS_AS(pull.recv(), std::system_error);
    zmtp::message m;
    CHECK_FALSE(pull.try_recv());
}

TEST_CASE("close() wakes a blocked recv, which fails with closed", "[close]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    pull.bind("tcp://127.0.0.1:0");
    std::atomic<bool> started{false};
    std::error_code recv_ec;
    std::thread t([&] {
        started = true;
        pull.recv(recv_ec);
    });
    REQUIRE(poll_until([&] { return started.load(); }));
    pull.close();
    t.join();
    CHECK(recv_ec == socket_error::closed);
}

TEST_CASE("a closed socket refuses every operation with closed", "[close]")
{
    context ctx;
    push_socket push(ctx, test_options());
    push.close();
    std::error_code ec;
    push.send(zmtp::message("x"), ec);
    CHECK(ec == socket_error::closed);
    push.bind("tcp://127.0.0.1:0", ec);
    CHECK(ec == socket_error::closed);
    push.connect("tcp://127.0.0.1:1", ec);
    CHECK(ec == socket_error::closed);
    zmtp::message m("y");
    CHECK_FALSE(push.try_send(m));
    push.close(); // twice is harmless
}

namespace {

// Binds a PULL at `ep` and receives what a lingering PUSH held: "a" "b" "c".
bool bind_and_take_abc(context& ctx, const std::string& ep)
{
    pull_socket pull(ctx, test_options());
    pull.bind(ep);
    std::vector<std::string> got;
    std::error_code ec;
    for (int i = 0; i < 3 && !ec; ++i)
        got.push_back(recv_string(pull, ec));
    return !ec && got == std::vector<std::string>{"a", "b", "c"};
}

} // namespace

TEST_CASE("close() with linger delivers queued messages to a peer that appears within it",
          "[close][linger]")
{
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "ipc", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    const auto ep = unused_endpoint(ctx, transport, dir, "linger.sock");
    auto opts = test_options();
    opts.linger = generous;
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 100ms;
    push_socket push(ctx, opts);
    push.connect(ep);
    for (const char* s : {"a", "b", "c"})
        push.send(zmtp::message(std::string_view(s)));

    std::atomic<bool> closed{false};
    std::thread closer([&] {
        push.close();
        closed = true;
    });
    // Absence check: the messages have nowhere to go, so close() must wait.
    CHECK_FALSE(poll_until([&] { return closed.load(); }, 200ms));

    CHECK(bind_and_take_abc(ctx, ep));
    closer.join();
    CHECK(closed.load());
}

TEST_CASE("close(done) returns at once; the socket lingers without its object, then done runs",
          "[close][linger]")
{
    // What zmq_close needs: the object may go at once, and the close goes
    // on in the background (here with an infinite linger: no timer keeps
    // it alive) until the messages are delivered.
    const std::string transport = GENERATE(as<std::string>{}, "tcp", "inproc");
    INFO(transport);
    temp_dir dir;
    context ctx;
    const auto ep = unused_endpoint(ctx, transport, dir, "linger.sock");
    auto opts = test_options();
    opts.linger = std::chrono::milliseconds(-1);
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 100ms;
    std::atomic<bool> done{false};
    {
        push_socket push(ctx, opts);
        push.connect(ep);
        for (const char* s : {"a", "b", "c"})
            push.send(zmtp::message(std::string_view(s)));
        push.close([&] { done = true; });
    } // destroyed while it still holds the three messages
    CHECK_FALSE(done.load()); // nobody has taken them yet

    CHECK(bind_and_take_abc(ctx, ep));
    CHECK(poll_until([&] { return done.load(); }, generous));
}

TEST_CASE("close() with linger 0 drops queued messages at once", "[close][linger]")
{
    temp_dir dir;
    context ctx;
    const auto ep = dir.ipc("drop.sock");
    auto opts = test_options();
    opts.linger = 0ms;
    opts.reconnect_ivl = 20ms;
    opts.reconnect_ivl_max = 100ms;
    push_socket push(ctx, opts);
    push.connect(ep);
    for (const char* s : {"a", "b", "c"})
        push.send(zmtp::message(std::string_view(s)));
    CHECK(finishes_within([&] { push.close(); }, 5000ms));

    pull_socket pull(ctx, test_options());
    pull.bind(ep);
    push_socket other(ctx, test_options());
    other.connect(ep);
    other.send(zmtp::message("marker"));
    // Anything of the closed PUSH that survived would arrive too: only the
    // marker may (an absence check over a short window).
    std::error_code ec;
    CHECK(recv_string(pull, ec) == "marker");
    CHECK_FALSE(recv_within(pull, 300ms));
}

TEST_CASE("destroying a socket with a live connection does not hang", "[close][lifetime]")
{
    std::atomic<bool> exchanged{false};
    const bool finished = finishes_within(
        [&] {
            context ctx;
            auto pull = std::make_unique<pull_socket>(ctx, test_options());
            const auto ep = pull->bind("tcp://127.0.0.1:0");
            auto push = std::make_unique<push_socket>(ctx, test_options());
            push->connect(ep);
            push->send(zmtp::message("hello"));
            std::error_code ec;
            exchanged = recv_string(*pull, ec) == "hello";
            // Queue more than the peer will ever read, then destroy both
            // ends while connected, the reader first.
            for (int i = 0; i < 100; ++i)
                push->send(zmtp::message("pending"), ec);
            pull.reset();
            push.reset();
        },
        20000ms);
    CHECK(finished);
    CHECK(exchanged.load());
}

TEST_CASE("destroying a context with open sockets returns", "[close][lifetime]")
{
    auto ctx = std::make_unique<context>();
    auto pull = std::make_unique<pull_socket>(*ctx, test_options());
    const auto ep = pull->bind("tcp://127.0.0.1:0");
    auto push = std::make_unique<push_socket>(*ctx, test_options());
    push->connect(ep);
    push->send(zmtp::message("x"));
    std::error_code ec;
    CHECK(recv_string(*pull, ec) == "x");

    // A socket with messages for a peer that never comes: it lingers, but
    // only for its linger period.
    auto lopts = test_options();
    lopts.linger = 300ms;
    auto stuck = std::make_unique<push_socket>(*ctx, lopts);
    stuck->connect("tcp://127.0.0.1:1");
    stuck->send(zmtp::message("undeliverable"));

    CHECK(finishes_within([&] { ctx.reset(); }, 20000ms));
    // The sockets outlive their context: closed, and their destructors return.
    push->send(zmtp::message("y"), ec);
    CHECK(ec == socket_error::closed);
    CHECK(finishes_within(
        [&] {
            stuck.reset();
            push.reset();
            pull.reset();
        },
        10000ms));
}

TEST_CASE("sockets report listening, accepted, connected, handshake, disconnected, "
          "connect-retried and closed events with their endpoints",
          "[events]")
{
    context ctx;
    pull_socket server(ctx, test_options());
    auto slog = event_log::attach(server);
    const auto ep = server.bind("tcp://127.0.0.1:0");
    auto cli = std::make_unique<push_socket>(ctx, test_options());
    auto clog = event_log::attach(*cli);
    cli->connect(ep);

    const auto listening = slog->wait_nth(kind::listening);
    REQUIRE(listening);
    CHECK(listening->endpoint == ep);
    CHECK_FALSE(listening->reason);

    const auto accepted = slog->wait_nth(kind::accepted);
    REQUIRE(accepted);
    CHECK(accepted->endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
    CHECK(port_of(accepted->endpoint) != 0);
    CHECK(accepted->endpoint != ep); // the remote end, not the listener
    CHECK(accepted->local == ep);     // the listener that took it
    const auto s_hs = slog->wait_nth(kind::handshake_succeeded);
    REQUIRE(s_hs);
    CHECK(s_hs->endpoint == accepted->endpoint);
    CHECK(s_hs->local == ep);

    const auto connected = clog->wait_nth(kind::connected);
    REQUIRE(connected);
    CHECK(connected->endpoint == ep);
    const auto c_hs = clog->wait_nth(kind::handshake_succeeded);
    REQUIRE(c_hs);
    CHECK(c_hs->endpoint == ep);
    CHECK(c_hs->local.empty()); // a connection of ours: endpoint says it all

    // The client goes away: the server sees the connection end.
    cli->close();
    const auto cli_closed = clog->wait_nth(kind::closed);
    REQUIRE(cli_closed);
    cli.reset();
    const auto disconnected = slog->wait_nth(kind::disconnected);
    REQUIRE(disconnected);
    CHECK(disconnected->endpoint == accepted->endpoint);
    CHECK(disconnected->local == ep);

    // A connection attempt nobody answers.
    push_socket lonely(ctx, test_options());
    auto llog = event_log::attach(lonely);
    lonely.connect("tcp://127.0.0.1:1");
    const auto retried = llog->wait_nth(kind::connect_retried);
    REQUIRE(retried);
    CHECK(retried->endpoint == "tcp://127.0.0.1:1");
    CHECK(retried->reason == asio::error::connection_refused);

    // Unbind and close.
    server.unbind(ep);
    const auto unbound = slog->wait_nth(kind::closed);
    REQUIRE(unbound);
    CHECK(unbound->endpoint == ep);
    server.close();
    REQUIRE(slog->wait_count(kind::closed, 2));
    CHECK(slog->wait_nth(kind::closed, 1)->endpoint.empty());

    // to_string names every kind.
    CHECK(to_string(kind::listening) == "listening");
    CHECK(to_string(kind::connect_retried) == "connect-retried");
    CHECK(to_string(kind::handshake_failed) == "handshake-failed");
    CHECK(to_string(kind::bind_failed) == "bind-failed");
}

TEST_CASE("sockets work on a context with several I/O threads", "[context]")
{
    context ctx(2);
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    push_socket push(ctx, test_options());
    push.connect(ep);
    rep_socket rep(ctx, test_options());
    const auto rep_ep = rep.bind("tcp://127.0.0.1:0");
    req_socket req(ctx, test_options());
    req.connect(rep_ep);

    constexpr int n = 20000;
    std::thread sender([&] {
        for (int i = 0; i < n; ++i) {
            std::error_code ec;
            push.send(numbered(static_cast<std::size_t>(i)), ec);
        }
    });
    bool in_order = true;
    std::error_code ec;
    for (int i = 0; i < n && !ec; ++i) {
        auto m = pull.recv(ec);
        in_order = in_order && seq_of(m) == i;
    }
    sender.join();
    CHECK_FALSE(ec);
    CHECK(in_order);

    for (int i = 0; i < 100; ++i) {
        req.send(numbered(static_cast<std::size_t>(i)));
        auto q = rep.recv(ec);
        REQUIRE_FALSE(ec);
        rep.send(std::move(q));
        auto a = req.recv(ec);
        REQUIRE_FALSE(ec);
        REQUIRE(seq_of(a) == i);
    }
}

TEST_CASE("sockets work on an io_context the application runs", "[context]")
{
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::thread runner([&] { ioc.run(); });
    bool ok = false;
    {
        context ctx(ioc);
        pull_socket pull(ctx, test_options());
        const auto ep = pull.bind("tcp://127.0.0.1:0");
        push_socket push(ctx, test_options());
        push.connect(ep);
        for (int i = 0; i < 1000; ++i)
            push.send(numbered(static_cast<std::size_t>(i)));
        ok = true;
        std::error_code ec;
        for (int i = 0; i < 1000 && !ec; ++i)
            ok = ok && seq_of(pull.recv(ec)) == i;
        ok = ok && !ec;
        push.close();
        pull.close();
    }
    guard.reset();
    ioc.stop();
    runner.join();
    CHECK(ok);
}

//----------------------------------------------------------------------------
// Closing while a connection is going away. The peer's disconnection makes
// the socket post the removal of the peer's session (session_drained() /
// session_terminated() post remove_session(raw pointer)); whatever deletes
// the session first must not leave that posted call with a dangling pointer.
// The handlers below post or run their action from inside the
// "disconnected" event, i.e. before the removal is posted, so the order is
// deterministic.

namespace {

/// Waits until everything queued on `ex` before this call has run.
bool flush(const asio::any_io_executor& ex)
{
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    asio::post(ex, [done] { done->set_value(); });
    return f.wait_for(generous) == std::future_status::ready;
}

/// A PULL with one connected PUSH peer that is then closed.
struct departing_peer {
    context ctx;
    pull_socket pull{ctx, test_options()};
    std::string ep;
    void connect_and_leave()
    {
        push_socket push(ctx, test_options());
        push.connect(ep);
        push.send(zmtp::message("hello"));
        std::error_code ec;
        exchanged = recv_string(pull, ec) == "hello";
        push.close();
    }
    bool exchanged = false;
};

} // namespace

// A session's removal is posted after its disconnection; a close() queued
// ahead of it deletes the session first, and the removal must cope.
TEST_CASE("closing a socket right after a peer disconnected is safe", "[close][lifetime]")
{
    departing_peer t;
    t.ep = t.pull.bind("tcp://127.0.0.1:0");
    auto closed = std::make_shared<std::promise<void>>();
    auto closed_f = closed->get_future();
    zmtp::socket* pull = &t.pull;
    auto ex = t.pull.get_executor();
    auto once = std::make_shared<std::atomic<bool>>(false);
    t.pull.on_event([pull, ex, closed, once](const socket_event& e) {
        if (e.what != kind::disconnected || once->exchange(true))
            return;
        // Queued ahead of the session's removal, which is posted right
        // after this event.
        asio::post(ex, [pull, closed] {
            pull->close(); // on the socket's executor: starts the close, no wait
            closed->set_value();
        });
    });
    t.connect_and_leave();
    CHECK(t.exchanged);
    REQUIRE(closed_f.wait_for(generous) == std::future_status::ready);
    // Let the session's posted removal run before the context goes away.
    REQUIRE(flush(ex));
    std::error_code ec;
    t.pull.recv(ec);
    CHECK(ec == socket_error::closed);
}

// The same, through unbind(), which removes the sessions its listener accepted.
TEST_CASE("unbinding right after a peer disconnected is safe", "[close][lifetime]")
{
    departing_peer t;
    t.ep = t.pull.bind("tcp://127.0.0.1:0");
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto done_f = done->get_future();
    zmtp::socket* pull = &t.pull;
    auto ex = t.pull.get_executor();
    const std::string ep = t.ep;
    auto once = std::make_shared<std::atomic<bool>>(false);
    t.pull.on_event([pull, ex, done, once, ep](const socket_event& e) {
        if (e.what != kind::disconnected || once->exchange(true))
            return;
        asio::post(ex, [pull, done, ep] {
            std::error_code ec;
            pull->unbind(ep, ec);
            done->set_value(ec);
        });
    });
    t.connect_and_leave();
    REQUIRE(done_f.wait_for(generous) == std::future_status::ready);
    REQUIRE(flush(ex));
    CHECK_FALSE(done_f.get());
    // The socket is still usable.
    const auto ep2 = t.pull.bind("tcp://127.0.0.1:0");
    push_socket push(t.ctx, test_options());
    push.connect(ep2);
    push.send(zmtp::message("after"));
    std::error_code ec;
    CHECK(recv_string(t.pull, ec) == "after");
}

// The handler runs inside the session that reports the disconnection, and
// closing must destroy neither the session nor the handler under it.
TEST_CASE("closing a socket from inside its own event handler is safe", "[close][lifetime]")
{
    departing_peer t;
    t.ep = t.pull.bind("tcp://127.0.0.1:0");
    auto closed = std::make_shared<std::promise<void>>();
    auto closed_f = closed->get_future();
    zmtp::socket* pull = &t.pull;
    auto once = std::make_shared<std::atomic<bool>>(false);
    t.pull.on_event([pull, closed, once](const socket_event& e) {
        if (e.what != kind::disconnected || once->exchange(true))
            return;
        pull->close();
        closed->set_value();
    });
    t.connect_and_leave();
    REQUIRE(closed_f.wait_for(generous) == std::future_status::ready);
    std::error_code ec;
    t.pull.recv(ec);
    CHECK(ec == socket_error::closed);
}

// Destroying a context lets its threads run what is still queued, so that
// every handler releases the sockets it holds: nothing may leak.
TEST_CASE("destroying sockets and then their context frees the sockets' state", "[lifetime]")
{
    std::weak_ptr<zmtp::patterns::socket_core> pull_core, push_core;
    SECTION("a socket that was only created")
    {
        {
            context ctx;
            pull_socket pull(ctx, test_options());
            pull_core = zmtp::patterns::core_of(pull);
        }
        CHECK(pull_core.expired());
    }
    SECTION("a connected pair")
    {
        {
            context ctx;
            pull_socket pull(ctx, test_options());
            const auto ep = pull.bind("tcp://127.0.0.1:0");
            push_socket push(ctx, test_options());
            push.connect(ep);
            push.send(zmtp::message("x"));
            std::error_code ec;
            CHECK(recv_string(pull, ec) == "x");
            pull_core = zmtp::patterns::core_of(pull);
            push_core = zmtp::patterns::core_of(push);
        }
        CHECK(pull_core.expired());
        CHECK(push_core.expired());
    }
}
