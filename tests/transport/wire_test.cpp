// SPDX-License-Identifier: MIT
// The engine on the wire: a raw TCP peer, written here with POSIX sockets,
// talks to our sockets byte by byte -- greeting, READY, staged greetings,
// the handshake deadline and heartbeats.

#include "support.hpp"

#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"

using namespace zmtp_test;
using zmtp::context;
using zmtp::pull_socket;
using zmtp::push_socket;

namespace {

/// What our PULL announces in READY: Socket-Type only (no Identity for PULL).
const bytes pull_ready_body = ready_body("PULL");

/// Plays a PUSH peer against a bound socket; returns the frame of our READY.
std::optional<raw_frame> raw_push_handshake(raw_conn& c)
{
    return raw_handshake(c, "PUSH");
}

} // namespace

TEST_CASE("greeting: a bound socket sends its whole 64-byte greeting at once", "[wire][greeting]")
{
    // RFC 37: "When a peer does not need backwards interoperability, it SHOULD
    // send its full greeting immediately upon establishing a new peer connection."
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());

    // We send nothing: the greeting must arrive unprompted, all 64 bytes.
    const auto g = c.read_n(64);
    INFO(hex(g));
    // Signature FF, 8 zero octets of padding (RFC 37: "the peer SHOULD set
    // the padding field to binary zeros"), 7F, version 3.1, "NULL", as-server 0.
    REQUIRE(g == greeting(1));
}

TEST_CASE("greeting: a connecting socket sends its whole greeting at once", "[wire][greeting]")
{
    raw_listener l;
    REQUIRE(l.ok());
    context ctx;
    push_socket push(ctx, test_options());
    push.connect(l.endpoint());
    raw_conn c = l.accept();
    REQUIRE(c.valid());
    const auto g = c.read_n(64);
    INFO(hex(g));
    REQUIRE(g == greeting(1));
}

TEST_CASE("handshake: READY is sent only after the peer's greeting", "[wire][handshake]")
{
    // RFC 37: "the client SHALL send a READY command and then wait for a READY
    // command in reply" -- after the greeting exchange.
    context ctx;
    pull_socket pull(ctx, test_options());
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());

    // Without our greeting the socket must not go on to READY.
    CHECK(c.quiet_for(300ms));

    REQUIRE(c.send(greeting()));
    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->flags == 0x04);
    INFO(hex(r->body));
    CHECK(r->body == pull_ready_body);

    // Our READY, then data: the message reaches the application.
    REQUIRE(c.send(cat(ready("PUSH"), data_frame("hello"))));
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"hello"});
    CHECK_FALSE(ec);
}

TEST_CASE("handshake: a libzmq-style staged greeting of 10, 1 and 53 bytes completes",
          "[wire][handshake]")
{
    // libzmq sends 10 octets (signature), then the major version once it has
    // seen ours, then the remaining 53 (zmtp-digest §1.2). Each stage is sent
    // only after reading the matching stage of ours; the quiet checks between
    // them both assert that nothing but the greeting comes before our READY
    // and give each stage its own read on our side.
    context ctx;
    pull_socket pull(ctx, test_options());
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());

    const bytes g = greeting();
    const bytes stage1(g.begin(), g.begin() + 10);
    const bytes stage2(g.begin() + 10, g.begin() + 11);
    const bytes stage3(g.begin() + 11, g.end());

    CHECK(c.read_n(10) == stage1);
    REQUIRE(c.send(stage1));
    CHECK(c.read_n(1) == stage2);
    REQUIRE(c.send(stage2));
    CHECK(c.read_n(53) == stage3);
    CHECK(c.quiet_for(100ms));
    REQUIRE(c.send(stage3));

    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->command_name() == "READY");
    REQUIRE(c.send(ready("PUSH")));
    REQUIRE(c.send(data_frame("staged")));
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"staged"});
}

TEST_CASE("handshake: handshake_ivl closes a peer that does not complete the handshake",
          "[wire][handshake][timer]")
{
    auto opts = test_options();
    opts.handshake_ivl = 200ms;
    context ctx;
    pull_socket pull(ctx, opts);
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());

    SECTION("a silent peer")
    {
        // Sends nothing at all.
    }
    SECTION("a peer that sends its greeting but no READY")
    {
        REQUIRE(c.send(greeting()));
    }

    const auto ev = log->wait_nth(kind::handshake_failed);
    INFO(log->describe());
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::handshake_timeout);
    CHECK(ev->endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
    CHECK(c.wait_closed());
    CHECK(log->count(kind::handshake_succeeded) == 0);
}

TEST_CASE("heartbeat: a PING is answered with a PONG echoing its context", "[wire][heartbeat]")
{
    // RFC 37: "When a peer receives a PING command it SHALL respond with a
    // PONG command that echoes the ping-context, which may be empty and MUST
    // not exceed 16 octets".
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    const auto r = raw_push_handshake(c);
    REQUIRE(r);
    REQUIRE(r->command_name() == "READY");

    SECTION("empty context")
    {
        REQUIRE(c.send(ping(0)));
        const auto pong = c.read_frame();
        REQUIRE(pong);
        CHECK(pong->flags == 0x04);
        CHECK(pong->body == cat(0x04, "PONG"));
    }
    SECTION("a short context")
    {
        REQUIRE(c.send(ping(0, "LOL")));
        const auto pong = c.read_frame();
        REQUIRE(pong);
        CHECK(pong->body == cat(0x04, "PONG", "LOL"));
    }
    SECTION("a 16-byte context")
    {
        REQUIRE(c.send(ping(50, "0123456789abcdef")));
        const auto pong = c.read_frame();
        REQUIRE(pong);
        CHECK(pong->body == cat(0x04, "PONG", "0123456789abcdef"));
    }
    SECTION("an oversized context is echoed truncated to 16 bytes, as libzmq does")
    {
        const std::string context = "LOL" + std::string(55, 'z');
        REQUIRE(c.send(ping(0, context)));
        const auto pong = c.read_frame();
        REQUIRE(pong);
        CHECK(pong->body == cat(0x04, "PONG", context.substr(0, 16)));
    }
}

TEST_CASE("heartbeat: with heartbeat_ivl the socket sends PINGs carrying heartbeat_ttl",
          "[wire][heartbeat][timer]")
{
    auto opts = test_options();
    opts.heartbeat_ivl = 100ms;
    opts.heartbeat_timeout = 10s; // never the subject here
    opts.heartbeat_ttl = 2000ms;  // announced as 20 deciseconds
    context ctx;
    pull_socket pull(ctx, opts);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(raw_push_handshake(c));

    for (int i = 0; i < 3; ++i) {
        const auto f = c.read_until([](const raw_frame& x) { return x.is_command(); });
        REQUIRE(f);
        INFO(hex(f->body));
        REQUIRE(f->command_name() == "PING");
        // ping = %d4 "PING" ping-ttl(2 octets, network order, deciseconds) ping-context
        CHECK(f->body == cat(0x04, "PING", 0x00, 20));
        REQUIRE(c.send(command_frame(cat(0x04, "PONG"))));
    }
}

TEST_CASE("heartbeat: a peer that stops sending is dropped after heartbeat_timeout",
          "[wire][heartbeat][timer]")
{
    // RFC 37: "A peer SHOULD consider the connection dead ... If it sends a
    // PING command and does not receive any traffic within some timeout."
    auto opts = test_options();
    opts.heartbeat_ivl = 100ms;
    opts.heartbeat_timeout = 300ms;
    context ctx;
    pull_socket pull(ctx, opts);
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(raw_push_handshake(c));
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));

    // From here on the peer sends nothing, PONGs included.
    const auto ev = log->wait_nth(kind::disconnected);
    INFO(log->describe());
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::heartbeat_timeout);
    CHECK(c.wait_closed());
}

TEST_CASE("heartbeat: a peer that answers PINGs is not dropped", "[wire][heartbeat][timer]")
{
    auto opts = test_options();
    opts.heartbeat_ivl = 50ms;
    opts.heartbeat_timeout = 3s; // generous: the raw peer answers from a busy test thread
    context ctx;
    pull_socket pull(ctx, opts);
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(raw_push_handshake(c));

    for (int i = 0; i < 10; ++i) {
        const auto f = c.read_until([](const raw_frame& x) { return x.command_name() == "PING"; });
        REQUIRE(f);
        REQUIRE(c.send(command_frame(cat(0x04, "PONG"))));
    }
    CHECK(log->count(kind::disconnected) == 0);
    // Still usable.
    REQUIRE(c.send(data_frame("alive")));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"alive"});
}

TEST_CASE("heartbeat: a PING with a TTL makes the socket drop a silent peer after the TTL",
          "[wire][heartbeat][timer]")
{
    // RFC 37: "A peer SHOULD consider the connection dead ... If it receives a
    // PING command with a non-zero TTL and then does not receive any further
    // traffic within that TTL."
    context ctx;
    pull_socket pull(ctx, test_options()); // no heartbeating of its own
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(raw_push_handshake(c));

    REQUIRE(c.send(ping(3))); // TTL 300 ms, then silence
    const auto pong = c.read_frame();
    REQUIRE(pong);
    CHECK(pong->command_name() == "PONG");

    const auto ev = log->wait_nth(kind::disconnected);
    INFO(log->describe());
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::heartbeat_timeout);
    CHECK(c.wait_closed());
}

TEST_CASE("heartbeat: without heartbeat options no PING is sent", "[wire][heartbeat]")
{
    // libzmq's default: heartbeat_ivl 0, no PINGs. A check of absence over a
    // short window (it can only pass wrongly, never fail wrongly).
    context ctx;
    pull_socket pull(ctx, test_options());
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(raw_push_handshake(c));
    CHECK(c.quiet_for(300ms));
}

TEST_CASE("wire: data from the socket is framed as RFC 37 says", "[wire]")
{
    // A PUSH sending to a raw PULL peer: short frames below 256 bytes, the
    // long form from 256, MORE on every frame but the last.
    raw_listener l;
    REQUIRE(l.ok());
    context ctx;
    push_socket push(ctx, test_options());
    push.connect(l.endpoint());
    raw_conn c = l.accept();
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());
    REQUIRE(c.send(cat(greeting(), ready("PULL"))));
    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->body == ready_body("PUSH"));

    push.send(make_message({"ab", "", std::string(256, 'x')}));
    const auto f1 = c.read_frame();
    const auto f2 = c.read_frame();
    const auto f3 = c.read_frame();
    REQUIRE(f1);
    REQUIRE(f2);
    REQUIRE(f3);
    CHECK(f1->flags == 0x01);
    CHECK(to_string(f1->body) == "ab");
    CHECK(f2->flags == 0x01);
    CHECK(f2->body.empty());
    CHECK(f3->flags == 0x02);
    CHECK(f3->body.size() == 256);
}

TEST_CASE("handshake: a connecting socket that times out its handshake reconnects",
          "[wire][handshake][timer]")
{
    // A handshake timeout is a temporary error (RFC 37: "The peer SHALL treat
    // an unexpected connection close as a temporary error, and SHOULD
    // reconnect"); libzmq reconnects after it too.
    raw_listener l;
    REQUIRE(l.ok());
    auto opts = test_options();
    opts.handshake_ivl = 200ms;
    opts.reconnect_ivl = 50ms;
    opts.reconnect_ivl_max = 50ms;
    context ctx;
    push_socket push(ctx, opts);
    auto log = event_log::attach(push);
    push.connect(l.endpoint());

    raw_conn first = l.accept();
    REQUIRE(first.valid());
    REQUIRE(first.read_n(64) == greeting()); // and then silence
    const auto ev = log->wait_nth(kind::handshake_failed);
    INFO(log->describe());
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::handshake_timeout);
    CHECK(ev->endpoint == l.endpoint());
    CHECK(first.wait_closed());

    raw_conn second = l.accept();
    REQUIRE(second.valid());
    CHECK(second.read_n(64) == greeting());
}

TEST_CASE("handshake: an incompatible Socket-Type gets an ERROR command and the connection closes",
          "[wire][handshake]")
{
    // RFC 37: "When a peer validates the socket type, it SHOULD handle errors
    // by returning an ERROR command, and then disconnecting the peer."
    context ctx;
    push_socket push(ctx, test_options());
    auto log = event_log::attach(push);
    const auto ep = push.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());
    REQUIRE(c.send(greeting()));
    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->body == ready_body("PUSH"));
    REQUIRE(c.send(ready("PUSH"))); // PUSH may not talk to PUSH

    const auto err = c.read_frame();
    REQUIRE(err);
    CHECK(err->command_name() == "ERROR");
    CHECK(c.wait_closed());
    const auto ev = log->wait_nth(kind::handshake_failed);
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::incompatible_socket_type);
    CHECK(log->count(kind::handshake_succeeded) == 0);
}

TEST_CASE("handshake: a bad signature closes the connection", "[wire][handshake]")
{
    context ctx;
    pull_socket pull(ctx, test_options());
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());
    bytes bad = greeting();
    bad[0] = 0x00; // not 0xFF
    REQUIRE(c.send(bad));
    CHECK(c.wait_closed());
    const auto ev = log->wait_nth(kind::handshake_failed);
    REQUIRE(ev);
    CHECK(ev->reason == zmtp::error::bad_signature);
}

TEST_CASE("wire: messages that arrive just before the peer closes are still delivered",
          "[wire]")
{
    // RFC 37: "All messages between two immediate peers SHALL be delivered in order."
    context ctx;
    pull_socket pull(ctx, test_options());
    auto log = event_log::attach(pull);
    const auto ep = pull.bind("tcp://127.0.0.1:0");
    {
        raw_conn c = raw_conn::connect_tcp(port_of(ep));
        REQUIRE(c.valid());
        REQUIRE(c.read_n(64) == greeting());
        // Everything in one write, then the connection closes.
        REQUIRE(c.send(cat(greeting(), ready("PUSH"), data_frame("m1"), data_frame("m2", true),
                           data_frame("m2b"), data_frame("m3"))));
        REQUIRE(c.read_frame()); // our READY
    }
    REQUIRE(log->wait_count(kind::disconnected, 1));
    std::error_code ec;
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"m1"});
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"m2", "m2b"});
    CHECK(recv_parts(pull, ec) == std::vector<std::string>{"m3"});
    CHECK_FALSE(ec);
}

TEST_CASE("wire: SUB sends SUBSCRIBE commands to ZMTP 3.1 and 0x01 data frames to ZMTP 3.0",
          "[wire][pubsub]")
{
    // RFC 37: "To create a subscription, the SUB or XSUB peer SHALL send a
    // SUBSCRIBE command"; a ZMTP 3.0 peer expects the older form, a message
    // starting with 0x01 (0x00 to cancel), as libzmq sends it.
    const int minor = GENERATE(0, 1);
    INFO("peer announces ZMTP 3." << minor);
    raw_listener l;
    REQUIRE(l.ok());
    context ctx;
    zmtp::sub_socket sub(ctx, test_options());
    auto log = event_log::attach(sub);
    sub.connect(l.endpoint());
    raw_conn c = l.accept();
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());
    REQUIRE(c.send(cat(greeting(minor), ready("PUB"))));
    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->body == ready_body("SUB"));
    REQUIRE(log->wait_count(kind::handshake_succeeded, 1));

    sub.subscribe("A");
    sub.unsubscribe("A");
    const auto s = c.read_frame();
    const auto u = c.read_frame();
    REQUIRE(s);
    REQUIRE(u);
    if (minor == 1) {
        CHECK(s->flags == 0x04);
        CHECK(s->body == cat(0x09, "SUBSCRIBE", "A"));
        CHECK(u->flags == 0x04);
        CHECK(u->body == cat(0x06, "CANCEL", "A"));
    } else {
        CHECK(s->flags == 0x00);
        CHECK(s->body == cat(0x01, "A"));
        CHECK(u->flags == 0x00);
        CHECK(u->body == cat(0x00, "A"));
    }
}

TEST_CASE("wire: PUB accepts SUBSCRIBE commands and 0x01 data frames and filters with them",
          "[wire][pubsub]")
{
    // libzmq's PUB accepts both forms from any peer version (zmtp-digest §0.4).
    const bool legacy = GENERATE(false, true);
    INFO("legacy form " << legacy);
    context ctx;
    zmtp::pub_socket pub(ctx, test_options());
    const auto ep = pub.bind("tcp://127.0.0.1:0");
    raw_conn c = raw_conn::connect_tcp(port_of(ep));
    REQUIRE(c.valid());
    REQUIRE(c.read_n(64) == greeting());
    REQUIRE(c.send(cat(greeting(), ready("SUB"))));
    const auto r = c.read_frame();
    REQUIRE(r);
    CHECK(r->body == ready_body("PUB"));
    REQUIRE(c.send(legacy ? data_frame(std::string("\x01", 1) + "A")
                          : command_frame(cat(0x09, "SUBSCRIBE", "A"))));

    // Publish until the subscription has taken effect; "B" never matches.
    std::optional<raw_frame> f;
    const auto deadline = steady::now() + generous;
    while (!f && steady::now() < deadline) {
        pub.send(zmtp::message("B-no"));
        pub.send(zmtp::message("A-yes"));
        f = c.read_frame(20ms);
    }
    REQUIRE(f);
    CHECK(f->flags == 0x00);
    CHECK(to_string(f->body) == "A-yes");
}
