// SPDX-License-Identifier: MIT
// The public API as a user meets it: one include, the overload sets,
// checked access, option validation, moved-from sockets, waits that time out.

#include "spec_support.hpp"

#include <zmtp.hpp>

#include "patterns/socket_core.hpp"

#include <asio/use_future.hpp>

#include <stdexcept>

using namespace zmtp_test;

TEST_CASE("send takes a message, a string or a list of frames, each with an error_code form",
          "[api]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    push_socket push(ctx, test_options());
    push.connect(ep);

    std::error_code ec;
    push.send("text", ec);
    CHECK_FALSE(ec);
    push.send({"a", "", "b"});
    push.send({"x", "y"}, ec);
    CHECK_FALSE(ec);
    push.send(zmtp::message{"m"}, ec);
    CHECK_FALSE(ec);

    CHECK(pull.recv() == zmtp::message{"text"});
    CHECK(pull.recv() == zmtp::message{"a", "", "b"});
    CHECK(pull.recv() == zmtp::message{"x", "y"});
    CHECK(pull.recv() == zmtp::message{"m"});
}

TEST_CASE("try_recv returns a message, or nothing and why", "[api]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    CHECK_FALSE(pull.try_recv());
    std::error_code ec;
    CHECK_FALSE(pull.try_recv(ec));
    CHECK(ec == zmtp::socket_error::would_block);

    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send("one");
    std::optional<zmtp::message> got;
    REQUIRE(poll_until([&] { return (got = pull.try_recv()).has_value(); }));
    CHECK(*got == zmtp::message{"one"});

    push_socket wrong(ctx, test_options());
    CHECK_FALSE(wrong.try_recv(ec));
    CHECK(ec == zmtp::socket_error::not_supported);
}

TEST_CASE("recv and try_recv into a message the caller reuses", "[api]")
{
    context ctx;
    auto quick = test_options();
    quick.rcvtimeo = std::chrono::milliseconds(20);
    pull_socket idle(ctx, quick);
    zmtp::message m{"stale"};
    std::error_code ec;
    CHECK_FALSE(idle.recv(m, ec)); // nothing within rcvtimeo
    CHECK(ec == zmtp::socket_error::timed_out);

    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind(fresh_inproc("reuse"));
    CHECK_FALSE(pull.try_recv(m, ec));
    CHECK(ec == zmtp::socket_error::would_block);

    push_socket push(ctx, test_options());
    push.connect(ep);
    push.send({"a", "b"});
    push.send("c");
    REQUIRE(pull.recv(m, ec)); // blocking form (the message is on its way)
    CHECK_FALSE(ec);
    CHECK(m == zmtp::message{"a", "b"});
    REQUIRE(poll_until([&] { return pull.try_recv(m, ec); }));
    CHECK(m == zmtp::message{"c"}); // replaced, not appended

    push_socket wrong(ctx, test_options());
    CHECK_FALSE(wrong.recv(m, ec));
    CHECK(ec == zmtp::socket_error::not_supported);
}

TEST_CASE("message::at checks the index; operator[] does not", "[api]")
{
    zmtp::message m{"a", "b"};
    CHECK(m.at(1).view() == "b");
    CHECK_THROWS_AS(m.at(2), std::out_of_range);
    const zmtp::message& c = m;
    CHECK(c.at(0).view() == "a");
    CHECK_THROWS_AS(c.at(5), std::out_of_range);
    zmtp::message empty;
    CHECK_THROWS_AS(empty.at(0), std::out_of_range);
}

TEST_CASE("a routing id that breaks its rule is refused", "[api][options]")
{
    context ctx;
    auto o = test_options();
    o.routing_id = std::string("\0abc", 4); // reserved for generated ids
    try {
        dealer_socket d(ctx, o);
        FAIL("a routing id starting with 0x00 was accepted");
    } catch (const std::system_error& e) {
        CHECK(e.code() == zmtp::socket_error::invalid_argument);
    }
    o.routing_id = std::string(256, 'x');
    CHECK_THROWS_AS(dealer_socket(ctx, o), std::system_error);

    dealer_socket d(ctx, test_options());
    CHECK_THROWS_AS(d.set(&zmtp::socket_options::routing_id, std::string(300, 'y')), std::system_error);
    d.set(&zmtp::socket_options::routing_id, std::string(255, 'y'));
    CHECK(d.get(&zmtp::socket_options::routing_id) == std::string(255, 'y'));
}

TEST_CASE("options are set one at a time, or as a whole", "[api][options]")
{
    context ctx;
    push_socket push(ctx, test_options());
    push.set(&zmtp::socket_options::sndhwm, std::size_t{7});
    push.set(&zmtp::socket_options::linger, std::chrono::milliseconds(0));
    CHECK(push.get(&zmtp::socket_options::sndhwm) == 7);
    CHECK(push.options().linger == std::chrono::milliseconds(0));
    auto o = push.options();
    o.rcvhwm = 3;
    push.set_options(o);
    CHECK(push.get(&zmtp::socket_options::rcvhwm) == 3);
    CHECK(push.get(&zmtp::socket_options::sndhwm) == 7);
}

TEST_CASE("a moved-from socket fails every call with not_a_socket", "[api]")
{
    context ctx;
    push_socket a(ctx, test_options());
    push_socket b(std::move(a));
    CHECK_FALSE(static_cast<bool>(a));
    CHECK(static_cast<bool>(b));
    const std::error_code not_a_socket = zmtp::socket_error::not_a_socket;

    std::error_code ec;
    a.send("x", ec);
    CHECK(ec == not_a_socket);
    a.bind("tcp://127.0.0.1:0", ec);
    CHECK(ec == not_a_socket);
    a.connect("tcp://127.0.0.1:1", ec);
    CHECK(ec == not_a_socket);
    a.recv(ec);
    CHECK(ec == not_a_socket);
    zmtp::message m{"y"};
    CHECK_FALSE(a.try_send(m, ec));
    CHECK(ec == not_a_socket);
    CHECK(m == zmtp::message{"y"});
    try {
        a.send("x");
        FAIL("send on a moved-from socket did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == not_a_socket);
    }
    CHECK_THROWS_AS(a.type(), std::system_error);
    CHECK_THROWS_AS(a.options(), std::system_error);
    CHECK_THROWS_AS(a.close(), std::system_error);
    CHECK_THROWS_AS(a.wait_for_peers(1, std::chrono::milliseconds(1)), std::system_error);
    // The asynchronous forms complete with the error.
    auto f = a.async_send(zmtp::message("z"), asio::use_future);
    REQUIRE(f.wait_for(generous) == std::future_status::ready);
    try {
        f.get();
        FAIL("async_send on a moved-from socket succeeded");
    } catch (const std::system_error& e) {
        CHECK(e.code() == not_a_socket);
    }
    // Move-assigning gives it a socket again.
    a = push_socket(ctx, test_options());
    CHECK(static_cast<bool>(a));
    zmtp::message after{"after"};
    CHECK_FALSE(a.try_send(after, ec));
    CHECK(ec == zmtp::socket_error::would_block); // a socket again: no peer yet
}

TEST_CASE("a wait that timed out leaves nothing behind", "[api]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    auto core = zmtp::patterns::core_of(pull).lock();
    REQUIRE(core);
    for (int i = 0; i < 20; ++i)
        CHECK_FALSE(pull.wait_for_peers(1, std::chrono::milliseconds(1)));
    CHECK(core->parked_waits() == 0);
    // And one that succeeds still works afterwards.
    push_socket push(ctx, test_options());
    push.connect(ep);
    CHECK(pull.wait_for_peers(1, generous));
    CHECK(core->parked_waits() == 0);
}
