// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

namespace {

// A PULL that has completed its handshake with a raw libzmq-like PUSH.
struct ready_pull {
    connection c{options_for(t::pull)};
    sink s;
    ready_pull()
    {
        feed(c, cat(vectors::libzmq_greeting, vectors::ready_push), s);
        REQUIRE(s.log == log_t{"handshake"});
        take_pending(c); // our greeting and READY
    }
};

const auto push_peer = [] { return cat(vectors::libzmq_greeting, vectors::ready_push); };

} // namespace

TEST_CASE("phases: greeting, handshake, ready", "[zmtp][connection]")
{
    connection c(options_for(t::pull));
    sink s;
    CHECK(c.current_phase() == connection::phase::greeting);
    feed(c, vectors::libzmq_greeting, s);
    CHECK(c.current_phase() == connection::phase::handshake);
    CHECK_FALSE(c.is_ready());
    feed(c, vectors::ready_push, s);
    CHECK(c.current_phase() == connection::phase::ready);
    CHECK(c.is_ready());
    CHECK(s.log == log_t{"handshake"});
    CHECK_FALSE(c.error());
    CHECK(c.options().type == t::pull);
}

TEST_CASE("nothing can be sent before the peer's READY", "[zmtp][connection]")
{
    connection c(options_for(t::push));
    sink s;
    write_batch batch;
    const auto topic = span_of("A");
    auto refused = [&] {
        CHECK(c.encode(message{"data"}, batch) == error::not_ready);
        CHECK(c.send_subscribe(topic) == error::not_ready);
        CHECK(c.send_cancel(topic) == error::not_ready);
        CHECK(c.send_ping(10) == error::not_ready);
        CHECK(batch.empty());
    };
    refused(); // fresh
    feed(c, vectors::libzmq_greeting, s);
    refused(); // our READY is queued but the peer's has not come
    CHECK(hex(c.pending_output()) == hex(cat(vectors::our_greeting, ready_for(t::push))));
    feed(c, vectors::ready_pull, s);
    REQUIRE(s.log == log_t{"handshake"});
    // The control bytes go first, in the same batch.
    CHECK_FALSE(c.encode(message{"data"}, batch));
    CHECK(hex(flatten(batch)) ==
          hex(cat(vectors::our_greeting, ready_for(t::push), data_frame("data"))));
    CHECK(c.pending_output().empty());
    CHECK(batch.message_count() == 1);
}

TEST_CASE("READY and the first data frame in one buffer: accepted", "[zmtp][connection]")
{
    const auto tr = grind(make_connection(t::pull),
                          cat(vectors::libzmq_greeting, vectors::ready_push, vectors::data_hello));
    CHECK(tr.events == log_t{"handshake", "msg:Hello"});
    // Everything in a single commit, too.
    connection c(options_for(t::pull));
    sink s;
    const auto all = cat(vectors::libzmq_greeting, vectors::ready_push, vectors::data_multipart,
                         vectors::data_hello);
    auto buf = c.prepare();
    REQUIRE(buf.size() >= all.size());
    std::memcpy(buf.data(), all.data(), all.size());
    c.commit(all.size());
    drain(c, s);
    CHECK(s.log == log_t{"handshake", "msg:ABC||DEF", "msg:Hello"});
}

TEST_CASE("a data frame before READY fails", "[zmtp][connection]")
{
    const auto tr =
        grind(make_connection(t::pull), cat(vectors::libzmq_greeting, vectors::data_hello));
    CHECK(tr.events == log_t{err(error::data_before_ready)});
    // Not even a multipart start or an empty frame.
    CHECK(grind(make_connection(t::pull), cat(vectors::libzmq_greeting, 0x01, 0x00)).events ==
          log_t{err(error::data_before_ready)});
}

TEST_CASE("READY metadata: unknown properties kept, names case-insensitive", "[zmtp][connection]")
{
    const auto ready = cat(0x04, 0x39, 0x05, "READY", 0x0b, "socket-TYPE", 0, 0, 0, 4, "PUSH",
                           0x05, "X-Foo", 0, 0, 0, 3, "bar", 0x08, "Resource", 0, 0, 0, 5,
                           "/path");
    REQUIRE(ready.size() == 2 + 0x39);
    connection c(options_for(t::pull));
    sink s;
    feed(c, cat(vectors::libzmq_greeting, ready), s);
    REQUIRE(s.log == log_t{"handshake"});
    const auto& props = c.peer().properties;
    CHECK(c.peer().type == t::push);
    CHECK(props.properties().size() == 3);
    CHECK(props.get("Socket-Type") == "PUSH");
    CHECK(props.get("x-foo") == "bar");
    CHECK(props.get("X-FOO") == "bar");
    CHECK(props.get("resource") == "/path");
    CHECK(c.peer().identity.empty());
}

TEST_CASE("READY with Identity", "[zmtp][connection]")
{
    connection c(options_for(t::router));
    sink s;
    feed(c, cat(vectors::libzmq_greeting_identity_abc, vectors::ready_dealer_abc), s);
    REQUIRE(s.log == log_t{"handshake"});
    CHECK(c.peer().type == t::dealer);
    CHECK(c.peer().identity == "abc");
    CHECK(c.peer().properties.get("identity") == "abc");
}

TEST_CASE("PING is answered with a PONG and reported with its TTL", "[zmtp][connection]")
{
    ready_pull p;
    feed(p.c, vectors::ping_ttl50, p.s);
    CHECK(p.s.log == log_t{"handshake", "ping:50"});
    CHECK(hex(take_pending(p.c)) == hex(vectors::pong_empty));

    feed(p.c, vectors::ping_lol, p.s);
    CHECK(p.s.log.back() == "ping:0");
    CHECK(hex(take_pending(p.c)) == hex(vectors::pong_lol));

    feed(p.c, vectors::ping_ctx58, p.s);
    CHECK(hex(take_pending(p.c)) == hex(vectors::pong_ctx16));

    // The TTL is an unsigned 16-bit count of deciseconds.
    feed(p.c, cat(0x04, 0x07, 0x04, "PING", 0xff, 0xff), p.s);
    CHECK(p.s.log.back() == "ping:65535");
    take_pending(p.c);
}

TEST_CASE("PONG is reported, and send_ping queues a PING", "[zmtp][connection]")
{
    ready_pull p;
    feed(p.c, cat(vectors::pong_lol, vectors::pong_empty), p.s);
    CHECK(p.s.log == log_t{"handshake", "pong", "pong"});
    CHECK(p.c.pending_output().empty()); // nothing to answer

    CHECK_FALSE(p.c.send_ping(50));
    CHECK(hex(take_pending(p.c)) == hex(vectors::ping_ttl50));
    CHECK_FALSE(p.c.send_ping(0, span_of("LOL")));
    CHECK(hex(take_pending(p.c)) == hex(vectors::ping_lol));
}

TEST_CASE("a PING between frames of a message leaves the message intact", "[zmtp][connection]")
{
    const auto tr = grind(make_connection(t::pull),
                          cat(push_peer(), data_frame("A", true), vectors::ping_lol,
                              data_frame("B")));
    CHECK(tr.events == log_t{"handshake", "ping:0", "msg:A|B"});
    CHECK(tr.output == hex(cat(vectors::our_greeting, vectors::ready_pull, vectors::pong_lol)));
}

TEST_CASE("unknown commands and a second READY are ignored after the handshake",
          "[zmtp][connection]")
{
    const auto tr = grind(make_connection(t::pull),
                          cat(push_peer(), command("XXXX"), vectors::data_hello,
                              command("FOOBAR", "some data"), vectors::ready_push,
                              vectors::ready_pull, // even with another type
                              vectors::subscribe_a, vectors::cancel_a, // not for a PULL
                              data_frame("after")));
    CHECK(tr.events == log_t{"handshake", "msg:Hello", "msg:after"});
    CHECK(tr.output == hex(cat(vectors::our_greeting, vectors::ready_pull)));
}

TEST_CASE("ERROR after the handshake fails the connection with its reason", "[zmtp][connection]")
{
    const auto tr =
        grind(make_connection(t::pull), cat(push_peer(), vectors::data_hello,
                                            command("ERROR", cat(0x0b, "going away!")),
                                            vectors::data_hello));
    CHECK(tr.events == log_t{"handshake", "msg:Hello", err(error::peer_error)});
    connection c(options_for(t::pull));
    sink s;
    feed(c, cat(push_peer(), command("ERROR", cat(0x0b, "going away!"))), s);
    CHECK(c.peer_error_reason() == "going away!");
    CHECK(c.error() == error::peer_error);
}

TEST_CASE("ERROR during the handshake", "[zmtp][connection]")
{
    const auto tr = grind(make_connection(t::pull),
                          cat(vectors::libzmq_greeting, command("ERROR", cat(0x03, "400"))));
    // A ZAP status as the reason (libzmq's refusal) is an authentication failure.
    CHECK(tr.events == log_t{err(error::auth_failed_by_peer)});
    connection c(options_for(t::pull));
    sink s;
    feed(c, cat(vectors::libzmq_greeting, command("ERROR", cat(0x03, "400"))), s);
    CHECK(c.peer_error_reason() == "400");
    CHECK(c.current_phase() == connection::phase::failed);
}

TEST_CASE("EOF at a message boundary closes, and closed is repeated", "[zmtp][connection]")
{
    ready_pull p;
    feed(p.c, vectors::data_multipart, p.s);
    feed_eof(p.c, p.s);
    CHECK(p.s.log == log_t{"handshake", "msg:ABC||DEF", "closed"});
    CHECK(p.c.current_phase() == connection::phase::closed);
    CHECK_FALSE(p.c.error());
    std::error_code ec;
    CHECK(std::holds_alternative<events::closed>(p.c.next_event(ec)));
    CHECK(std::holds_alternative<events::closed>(p.c.next_event(ec)));
    CHECK_FALSE(ec);
    CHECK(p.c.prepare().empty());
}

TEST_CASE("EOF inside a message, frame or handshake is unexpected", "[zmtp][connection]")
{
    // A multipart message cut after its first frame is never delivered.
    CHECK(grind(make_connection(t::pull), cat(push_peer(), data_frame("A", true)), true).events ==
          log_t{"handshake", err(error::unexpected_eof)});
    CHECK(grind(make_connection(t::pull),
                cat(push_peer(), vectors::data_hello, data_frame("A", true), data_frame("B", true)),
                true)
              .events == log_t{"handshake", "msg:Hello", err(error::unexpected_eof)});
    // Inside a header and inside a body.
    CHECK(grind(make_connection(t::pull), cat(push_peer(), 0x02, 0x00, 0x00), true).events ==
          log_t{"handshake", err(error::unexpected_eof)});
    CHECK(grind(make_connection(t::pull), cat(push_peer(), 0x00, 0x05, "Hel"), true).events ==
          log_t{"handshake", err(error::unexpected_eof)});
    // Inside the greeting, before READY, and with no bytes at all.
    CHECK(grind(make_connection(t::pull), std::span(vectors::libzmq_greeting).first(20), true)
              .events == log_t{err(error::unexpected_eof)});
    CHECK(grind(make_connection(t::pull), vectors::libzmq_greeting, true).events ==
          log_t{err(error::unexpected_eof)});
    connection c(options_for(t::pull));
    sink s;
    feed_eof(c, s);
    CHECK(s.log == log_t{err(error::unexpected_eof)});
}

TEST_CASE("errors are sticky", "[zmtp][connection]")
{
    ready_pull p;
    feed(p.c, cat(0x40, 0x00), p.s);
    REQUIRE(p.s.ec == error::reserved_flags);
    for (int i = 0; i < 3; ++i) {
        std::error_code ec;
        const auto ev = p.c.next_event(ec);
        CHECK(ec == error::reserved_flags);
        CHECK(std::holds_alternative<events::need_more>(ev));
    }
    CHECK(p.c.error() == error::reserved_flags);
    CHECK(p.c.current_phase() == connection::phase::failed);
    CHECK(p.c.prepare().empty());
    // Nothing more can be sent either.
    write_batch batch;
    CHECK(p.c.encode(message{"x"}, batch) == error::not_ready);
}

TEST_CASE("pending_output, consume_output and take_output", "[zmtp][connection]")
{
    connection c(options_for(t::pull));
    CHECK(c.pending_output().size() == 64);
    c.consume_output(10);
    CHECK(hex(c.pending_output()) == hex(std::span(vectors::our_greeting).subspan(10)));
    c.consume_output(1000); // clamped
    CHECK(c.pending_output().empty());
    c.consume_output(1);
    CHECK(c.pending_output().empty());

    connection d(options_for(t::pull));
    d.consume_output(60);
    write_batch batch;
    d.take_output(batch);
    CHECK(hex(flatten(batch)) == hex(std::span(vectors::our_greeting).subspan(60)));
    CHECK(d.pending_output().empty());
}

TEST_CASE("partially written control output is not repeated by encode", "[zmtp][connection]")
{
    ready_pull p;
    feed(p.c, vectors::ping_lol, p.s);
    p.c.consume_output(3); // the transport wrote 3 bytes of the PONG
    write_batch batch;
    REQUIRE_FALSE(p.c.encode(message{"m"}, batch));
    CHECK(hex(flatten(batch)) ==
          hex(cat(std::span(vectors::pong_lol).subspan(3), data_frame("m"))));
}

TEST_CASE("messages round-trip through a pair, multipart and empty frames included",
          "[zmtp][connection]")
{
    connection_pair p(t::dealer, t::router);
    p.pump();
    REQUIRE(p.a.is_ready());
    REQUIRE_FALSE(p.send(p.a, message{"", "a", ""}));
    REQUIRE_FALSE(p.send(p.b, message{""}));
    REQUIRE_FALSE(p.send(p.b, message{std::string(70, 'L')}));
    REQUIRE(p.b_sink.messages.size() == 1);
    CHECK(p.b_sink.messages[0] == message{"", "a", ""});
    REQUIRE(p.a_sink.messages.size() == 2);
    CHECK(p.a_sink.messages[0] == message{""});
    CHECK(p.a_sink.messages[1] == message{std::string(70, 'L')});
}

TEST_CASE("PING and PONG between two connections", "[zmtp][connection]")
{
    connection_pair p(t::req, t::rep);
    p.pump();
    REQUIRE(p.a.is_ready());
    REQUIRE_FALSE(p.a.send_ping(30, span_of("ctx")));
    p.pump();
    CHECK(p.b_sink.log == log_t{"handshake", "ping:30"});
    CHECK(p.a_sink.log == log_t{"handshake", "pong"});
}
