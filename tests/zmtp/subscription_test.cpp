// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

TEST_CASE("PUB and XPUB report SUBSCRIBE and CANCEL commands", "[zmtp][subscription]")
{
    const bytes ready_xsub = ready_for(t::xsub);
    for (t local : {t::pub, t::xpub}) {
        for (const bytes* peer_ready : {&vectors::ready_sub, &ready_xsub}) {
            INFO(to_string(local));
            const auto tr = grind(make_connection(local),
                                  cat(vectors::libzmq_greeting, *peer_ready, vectors::subscribe_a,
                                      vectors::cancel_a, command("SUBSCRIBE"), command("CANCEL"),
                                      command("SUBSCRIBE", pattern(300))));
            CHECK(tr.events == log_t{"handshake", "sub:A", "cancel:A", "sub:", "cancel:",
                                     "sub:" + printable(pattern(300))});
        }
    }
}

TEST_CASE("PUB and XPUB accept the 3.0 data-frame form from any version", "[zmtp][subscription]")
{
    for (t local : {t::pub, t::xpub}) {
        for (const bytes* greeting : {&vectors::libzmq_test_greeting_30, &vectors::libzmq_greeting}) {
            INFO(to_string(local) << " peer minor " << std::to_integer<int>((*greeting)[11]));
            const auto tr =
                grind(make_connection(local),
                      cat(*greeting, vectors::ready_sub, vectors::legacy_subscribe_a,
                          vectors::legacy_cancel_a, 0x00, 0x01, 0x01, // subscribe to everything
                          vectors::subscribe_a));
            CHECK(tr.events == log_t{"handshake", "sub:A", "cancel:A", "sub:", "sub:A"});
        }
    }
}

TEST_CASE("only single-frame messages starting with 0 or 1 are subscriptions",
          "[zmtp][subscription]")
{
    const auto tr = grind(make_connection(t::xpub),
                          cat(vectors::libzmq_greeting, vectors::ready_sub,
                              data_frame(cat(0x02, "A")),           // not a subscription
                              data_frame(""),                       // empty
                              data_frame(cat(0x01, "A"), true),     // multipart
                              data_frame("x")));
    CHECK(tr.events == log_t{"handshake", "msg:\\x02A", "msg:", "msg:\\x01A|x"});
}

TEST_CASE("other socket types get subscription frames as plain messages", "[zmtp][subscription]")
{
    const auto tr = grind(make_connection(t::sub),
                          cat(vectors::libzmq_greeting, vectors::ready_pub,
                              vectors::legacy_subscribe_a, vectors::subscribe_a, data_frame("news")));
    CHECK(tr.events == log_t{"handshake", "msg:\\x01A", "msg:news"});
}

TEST_CASE("send_subscribe/send_cancel: commands to a 3.1 peer", "[zmtp][subscription]")
{
    for (int major : {3, 4}) {
        INFO("peer major " << major);
        connection c(options_for(t::sub));
        sink s;
        feed(c, cat(greeting_bytes(major, major == 3 ? 1 : 0), vectors::ready_pub), s);
        REQUIRE(s.log == log_t{"handshake"});
        take_pending(c);
        CHECK_FALSE(c.send_subscribe(span_of("A")));
        CHECK_FALSE(c.send_cancel(span_of("A")));
        CHECK_FALSE(c.send_subscribe({}));
        CHECK(hex(take_pending(c)) ==
              hex(cat(vectors::subscribe_a, vectors::cancel_a, 0x04, 0x0a, 0x09, "SUBSCRIBE")));
    }
}

TEST_CASE("send_subscribe/send_cancel: 0x01/0x00 data frames to a 3.0 peer",
          "[zmtp][subscription]")
{
    connection c(options_for(t::xsub));
    sink s;
    feed(c, cat(vectors::libzmq_test_greeting_30, vectors::ready_xpub), s);
    REQUIRE(s.log == log_t{"handshake"});
    CHECK(c.peer().version_minor == 0);
    CHECK_FALSE(c.peer().uses_subscribe_commands());
    take_pending(c);
    CHECK_FALSE(c.send_subscribe(span_of("A")));
    CHECK_FALSE(c.send_subscribe(span_of("A")));
    CHECK_FALSE(c.send_subscribe({}));
    CHECK_FALSE(c.send_cancel(span_of("A")));
    // Byte for byte what libzmq's SUB sends to a 3.0 peer (probe P2).
    CHECK(hex(take_pending(c)) == hex(cat(vectors::legacy_subscribe_a, vectors::legacy_subscribe_a,
                                          0x00, 0x01, 0x01, vectors::legacy_cancel_a)));
    // A long topic takes the long frame form.
    CHECK_FALSE(c.send_subscribe(pattern(300)));
    CHECK(hex(take_pending(c)) == hex(cat(0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2d,
                                          0x01, pattern(300))));
}

TEST_CASE("subscriptions reach a PUB through a pair, in either form", "[zmtp][subscription]")
{
    connection_pair p(t::sub, t::pub);
    p.pump();
    REQUIRE(p.a.is_ready());
    REQUIRE_FALSE(p.a.send_subscribe(span_of("weather.")));
    REQUIRE_FALSE(p.a.send_cancel(span_of("weather.")));
    p.pump();
    CHECK(p.b_sink.log == log_t{"handshake", "sub:weather.", "cancel:weather."});
    REQUIRE_FALSE(p.send(p.b, message{"weather.paris", "12C"}));
    CHECK(p.a_sink.log == log_t{"handshake", "msg:weather.paris|12C"});
}
