// SPDX-License-Identifier: MIT
// inproc:// -- what differs from tcp: names scoped to a context, connect
// before bind, the high-water mark of a connection (SNDHWM + RCVHWM, as in
// libzmq), the binder going and coming back, and closing in either order.
// The spec tests of each pattern also run over inproc (GENERATE "inproc").

#include "spec_support.hpp"

#include "transport/endpoint.hpp"
#include "zmtp/error.hpp"

#include <thread>

using namespace zmtp_test;
using namespace std::chrono_literals;

TEST_CASE("inproc: a connect before the bind queues, and the bind delivers", "[inproc]")
{
    context ctx;
    const auto ep = fresh_inproc("early");
    push_socket push(ctx, test_options());
    push.connect(ep); // nobody has bound it: the connect waits
    for (int i = 0; i < 3; ++i)
        push.send(zmtp::message(std::string_view("m" + std::to_string(i))));
    pull_socket pull(ctx, test_options());
    CHECK(pull.bind(ep) == ep);
    for (int i = 0; i < 3; ++i) {
        std::error_code ec;
        CHECK(recv_string(pull, ec) == "m" + std::to_string(i));
        REQUIRE_FALSE(ec);
    }
}

TEST_CASE("inproc: names belong to their context; one socket per name", "[inproc]")
{
    context a;
    context b;
    const auto ep = fresh_inproc("scoped");
    pull_socket first(a, test_options());
    pull_socket second(a, test_options());
    pull_socket other_context(b, test_options());
    first.bind(ep);
    std::error_code ec;
    second.bind(ep, ec);
    CHECK(ec == zmtp::transport::transport_error::address_in_use);
    other_context.bind(ep, ec); // another context: another namespace
    CHECK_FALSE(ec);

    // A connect in context b reaches b's socket, not a's.
    push_socket push(b, test_options());
    push.connect(ep);
    push.send("to b");
    CHECK(other_context.recv().front().to_string() == "to b");
    CHECK_FALSE(first.try_recv());

    // Unbound, the name is free again.
    first.unbind(ep);
    second.bind(ep, ec);
    CHECK_FALSE(ec);

    pull_socket bad(a, test_options());
    bad.bind("inproc://", ec);
    CHECK(ec == zmtp::transport::transport_error::malformed_endpoint);
}

TEST_CASE("inproc: a socket type the binder cannot talk to is refused", "[inproc]")
{
    context ctx;
    const auto ep = fresh_inproc("types");
    pub_socket pub(ctx, test_options());
    pub.bind(ep);
    push_socket push(ctx, test_options());
    std::error_code ec;
    push.connect(ep, ec);
    CHECK(ec == zmtp::error::incompatible_socket_type);

    // Connected first, refused when the wrong type binds: it keeps waiting,
    // and the right type that binds later gets it.
    const auto ep2 = fresh_inproc("types-later");
    pull_socket pull(ctx, test_options());
    auto log = event_log::attach(pull);
    pull.connect(ep2);
    pull_socket wrong(ctx, test_options());
    wrong.bind(ep2);
    REQUIRE(log->wait_count(kind::handshake_failed, 1));
    wrong.close();
    push_socket right(ctx, test_options());
    right.bind(ep2);
    right.send("late");
    CHECK(pull.recv().front().to_string() == "late");
}

TEST_CASE("inproc: a connection holds SNDHWM + RCVHWM messages, as in libzmq", "[inproc][hwm]")
{
    context ctx;
    const auto ep = fresh_inproc("hwm");
    auto send_opts = test_options();
    send_opts.sndhwm = 5;
    send_opts.sndtimeo = 500ms; // how long a full connection is given to move
    auto recv_opts = test_options();
    recv_opts.rcvhwm = 7;
    const bool bind_first = GENERATE(true, false);
    INFO("bind first: " << bind_first);
    pull_socket pull(ctx, recv_opts);
    push_socket push(ctx, send_opts);
    if (bind_first)
        pull.bind(ep);
    push.connect(ep);
    if (!bind_first)
        pull.bind(ep);

    // The PULL reads nothing: sends succeed until both queues are full.
    int sent = 0;
    for (;; ++sent) {
        std::error_code ec;
        push.send(numbered(static_cast<std::size_t>(sent)), ec);
        if (ec) {
            CHECK(ec == zmtp::socket_error::timed_out);
            break;
        }
        REQUIRE(sent < 1000);
    }
    CHECK(sent == 5 + 7);

    // Reading frees room: everything arrives, in order, and sending resumes.
    for (int i = 0; i < sent; ++i)
        CHECK(seq_of(pull.recv()) == i);
    push.send(numbered(99));
    CHECK(seq_of(pull.recv()) == 99);
}

TEST_CASE("inproc: routing ids and READY properties reach the peer", "[inproc][router]")
{
    context ctx;
    const auto ep = fresh_inproc("ids");
    router_socket router(ctx, test_options());
    router.bind(ep);
    auto opts = test_options();
    opts.routing_id = "alice";
    dealer_socket dealer(ctx, opts);
    dealer.connect(ep);
    dealer.send("hello");
    auto m = router.recv();
    REQUIRE(m.size() == 2);
    CHECK(m.front().to_string() == "alice");
    router.send({"alice", "hi alice"});
    CHECK(dealer.recv().front().to_string() == "hi alice");
}

TEST_CASE("inproc: the binder goes and comes back; the connecter follows", "[inproc]")
{
    context ctx;
    const auto ep = fresh_inproc("rebind");
    push_socket push(ctx, test_options());
    auto log = event_log::attach(push);
    push.connect(ep);
    {
        pull_socket pull(ctx, test_options());
        pull.bind(ep);
        push.send("one");
        CHECK(pull.recv().front().to_string() == "one");
        pull.close();
    }
    REQUIRE(log->wait_count(kind::disconnected, 1));
    // Sent while nobody is bound: it waits in the PUSH's queue.
    push.send("two");
    pull_socket again(ctx, test_options());
    again.bind(ep);
    CHECK(again.recv().front().to_string() == "two");
}

TEST_CASE("inproc: a name is free again as soon as its socket's close returns", "[inproc]")
{
    // The destructor only starts the close; the rest runs on the socket's
    // strand, later. Hold that strand in one of the socket's own event
    // handlers (two I/O threads: the new socket's bind runs on the other),
    // so the background close cannot run before the bind below: the name
    // must have been given back by the destructor itself.
    context ctx(2);
    temp_dir dir;
    const auto ep = fresh_inproc("reuse");
    const auto nobody = unused_endpoint(ctx, "tcp", dir, "");
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    auto opts = test_options();
    opts.reconnect_ivl = 20ms;
    auto first = std::make_unique<pull_socket>(ctx, opts);
    first->bind(ep);
    first->on_event([&](const zmtp::socket_event& e) {
        if (e.what != kind::connect_retried || entered.exchange(true))
            return;
        while (!release.load())
            std::this_thread::yield();
    });
    first->connect(nobody); // refused: connect_retried, and the handler holds the strand
    REQUIRE(poll_until([&] { return entered.load(); }, generous));
    first.reset();

    pull_socket second(ctx, test_options());
    std::error_code ec;
    second.bind(ep, ec);
    release = true;
    REQUIRE_FALSE(ec);
    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send("m");
    CHECK(second.recv().front().to_string() == "m");
}

TEST_CASE("inproc: close with linger delivers what was sent, in either order", "[inproc]")
{
    context ctx;
    const auto ep = fresh_inproc("linger");
    pull_socket pull(ctx, test_options());
    pull.bind(ep);
    {
        push_socket push(ctx, test_options());
        push.connect(ep);
        for (int i = 0; i < 2000; ++i) // beyond both high-water marks
            push.send(numbered(static_cast<std::size_t>(i)));
        push.close(); // waits (linger) until the PULL has taken them
    }
    for (int i = 0; i < 2000; ++i)
        REQUIRE(seq_of(pull.recv()) == i);

    // The binder closing first: the connecter sees a disconnect, and sends
    // queue for a binder that may come back.
    push_socket push(ctx, test_options());
    auto log = event_log::attach(push);
    push.connect(ep);
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    pull.close();
    REQUIRE(log->wait_count(kind::disconnected, 1));
    CHECK(push.peer_count() == 0);
}

TEST_CASE("inproc: disconnect and unbind end the connection on both sides", "[inproc]")
{
    context ctx;
    const auto ep = fresh_inproc("down");
    pair_socket a(ctx, test_options());
    pair_socket b(ctx, test_options());
    auto log_a = event_log::attach(a);
    auto log_b = event_log::attach(b);
    a.bind(ep);
    b.connect(ep);
    b.send("ping");
    CHECK(a.recv().front().to_string() == "ping");
    a.send("pong");
    CHECK(b.recv().front().to_string() == "pong");
    b.disconnect(ep);
    REQUIRE(log_a->wait_count(kind::disconnected, 1));
    std::error_code ec;
    b.disconnect(ep, ec);
    CHECK(ec == zmtp::transport::transport_error::unknown_endpoint);

    b.connect(ep);
    REQUIRE(log_a->wait_count(kind::handshake_succeeded, 2));
    a.unbind(ep);
    REQUIRE(log_b->wait_count(kind::disconnected, 1));
    CHECK(a.peer_count() == 0);
}
