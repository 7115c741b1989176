// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

// Every golden vector is fed to a connection whole, byte by byte and split at
// every offset (grind), and must give the same events and output each time.

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;
namespace v = zmtp::test::vectors;

namespace {

const bytes& ours_ready(t type)
{
    static const bytes pull = v::ready_pull, push = v::ready_push, pub = v::ready_pub,
                       sub = v::ready_sub, xpub = v::ready_xpub, req = v::ready_req,
                       dealer = v::ready_dealer, router = v::ready_router;
    switch (type) {
    case t::pull: return pull;
    case t::push: return push;
    case t::pub: return pub;
    case t::sub: return sub;
    case t::xpub: return xpub;
    case t::req: return req;
    case t::dealer: return dealer;
    case t::router: return router;
    default: FAIL("no golden READY for this type"); return pull;
    }
}

} // namespace

TEST_CASE("golden greetings drive a handshake in any fragmentation", "[zmtp][vectors]")
{
    auto tr = grind(make_connection(t::push), cat(v::libzmq_greeting, v::ready_pull));
    CHECK(tr.events == log_t{"handshake"});
    CHECK(tr.output == hex(cat(v::our_greeting, v::ready_push)));

    tr = grind(make_connection(t::router),
               cat(v::libzmq_greeting_identity_abc, v::ready_dealer_abc, v::data_hello));
    CHECK(tr.events == log_t{"handshake", "msg:Hello"});
    CHECK(tr.output == hex(cat(v::our_greeting, v::ready_router)));

    tr = grind(make_connection(t::xpub), cat(v::libzmq_test_greeting_30, v::ready_sub));
    CHECK(tr.events == log_t{"handshake"});
    CHECK(tr.output == hex(cat(v::our_greeting, v::ready_xpub)));
}

TEST_CASE("libzmq's READY for each type is accepted, and is what we send", "[zmtp][vectors]")
{
    struct ready_case {
        t peer;  // the type whose golden READY is fed
        t local; // a compatible type for us
    };
    for (auto c : {ready_case{t::pull, t::push}, ready_case{t::push, t::pull},
                   ready_case{t::pub, t::sub}, ready_case{t::sub, t::xpub},
                   ready_case{t::xpub, t::sub}, ready_case{t::req, t::router},
                   ready_case{t::dealer, t::dealer}, ready_case{t::router, t::req}}) {
        INFO(to_string(c.peer) << " READY to our " << to_string(c.local));
        const auto tr =
            grind(make_connection(c.local), cat(v::libzmq_greeting, ours_ready(c.peer)));
        CHECK(tr.events == log_t{"handshake"});
        // Our READY for the local type is byte for byte libzmq's.
        CHECK(tr.output == hex(cat(v::our_greeting, ours_ready(c.local))));

        connection conn(options_for(c.local));
        sink s;
        feed(conn, cat(v::libzmq_greeting, ours_ready(c.peer)), s);
        CHECK(conn.peer().type == c.peer);
        CHECK(conn.peer().identity.empty());
        CHECK(conn.peer().properties.get("Identity").has_value() == sends_identity(c.peer));
    }
}

TEST_CASE("golden PINGs get golden PONGs in any fragmentation", "[zmtp][vectors]")
{
    const auto peer = cat(v::libzmq_greeting, v::ready_push);
    const auto base = cat(v::our_greeting, v::ready_pull);

    auto tr = grind(make_connection(t::pull), cat(peer, v::ping_ttl50));
    CHECK(tr.events == log_t{"handshake", "ping:50"});
    CHECK(tr.output == hex(cat(base, v::pong_empty)));

    tr = grind(make_connection(t::pull), cat(peer, v::ping_lol));
    CHECK(tr.events == log_t{"handshake", "ping:0"});
    CHECK(tr.output == hex(cat(base, v::pong_lol)));

    tr = grind(make_connection(t::pull), cat(peer, v::ping_ctx58));
    CHECK(tr.events == log_t{"handshake", "ping:0"});
    CHECK(tr.output == hex(cat(base, v::pong_ctx16)));
}

TEST_CASE("golden subscriptions in any fragmentation", "[zmtp][vectors]")
{
    auto tr = grind(make_connection(t::xpub),
                    cat(v::libzmq_greeting, v::ready_sub, v::subscribe_a, v::cancel_a));
    CHECK(tr.events == log_t{"handshake", "sub:A", "cancel:A"});

    tr = grind(make_connection(t::pub), cat(v::libzmq_test_greeting_30, v::ready_sub,
                                            v::legacy_subscribe_a, v::legacy_cancel_a));
    CHECK(tr.events == log_t{"handshake", "sub:A", "cancel:A"});
}

TEST_CASE("golden data frames in any fragmentation", "[zmtp][vectors]")
{
    const auto peer = cat(v::libzmq_greeting, v::ready_push);
    const auto tr = grind(make_connection(t::pull),
                          cat(peer, v::data_hello, v::data_multipart, v::data_long_300,
                              v::data_long_small));
    CHECK(tr.events == log_t{"handshake", "msg:Hello", "msg:ABC||DEF",
                             describe(message{std::string(300, 'x')}), "msg:abc"});
}

TEST_CASE("our encoders emit the golden data frames", "[zmtp][vectors]")
{
    connection_pair p(t::push, t::pull);
    p.pump();
    REQUIRE(p.a.is_ready());
    write_batch batch;
    REQUIRE_FALSE(p.a.encode(message{"Hello"}, batch));
    REQUIRE_FALSE(p.a.encode(message{"ABC", "", "DEF"}, batch));
    REQUIRE_FALSE(p.a.encode(message{std::string(300, 'x')}, batch));
    CHECK(hex(flatten(batch)) == hex(cat(v::data_hello, v::data_multipart, v::data_long_300)));
}
