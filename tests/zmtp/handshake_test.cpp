// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include "zmtp/null_mechanism.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

namespace {

const t all_types[] = {t::pair, t::pub,  t::sub,  t::req,  t::rep, t::dealer,
                       t::router, t::pull, t::push, t::xpub, t::xsub};

std::string id_for(t type) { return "id-" + std::string(to_string(type)); }

const bytes invalid_type_error = cat(0x04, 0x1a, 0x05, "ERROR", 0x13, "Invalid socket type");

} // namespace

TEST_CASE("every compatible pair of socket types completes the handshake", "[zmtp][handshake]")
{
    int completed = 0;
    for (t a : all_types) {
        for (t b : all_types) {
            if (!is_compatible(a, b))
                continue;
            INFO(to_string(a) << " <-> " << to_string(b));
            connection_pair p(options_for(a, id_for(a)), options_for(b, id_for(b)));
            CHECK_FALSE(p.a.is_ready());
            p.pump();
            CHECK(p.a_sink.log == log_t{"handshake"});
            CHECK(p.b_sink.log == log_t{"handshake"});
            REQUIRE(p.a.is_ready());
            REQUIRE(p.b.is_ready());

            for (auto [self, other] : {std::pair{&p.a, &p.b}, std::pair{&p.b, &p.a}}) {
                const peer_info& peer = self->peer();
                const t other_type = other->options().type;
                CHECK(peer.type == other_type);
                CHECK(peer.version_major == 3);
                CHECK(peer.version_minor == 1);
                CHECK(peer.uses_subscribe_commands());
                CHECK(peer.properties.get("Socket-Type") == to_string(other_type));
                if (sends_identity(other_type)) {
                    CHECK(peer.identity == id_for(other_type));
                    CHECK(peer.properties.get("Identity") == id_for(other_type));
                } else {
                    CHECK(peer.identity.empty());
                    CHECK_FALSE(peer.properties.get("Identity"));
                }
                CHECK(self->pending_output().empty());
            }

            // Data now flows both ways.
            CHECK_FALSE(p.send(p.a, message{"ping", "from a"}));
            CHECK_FALSE(p.send(p.b, message{"from b"}));
            CHECK(p.b_sink.log == log_t{"handshake", "msg:ping|from a"});
            CHECK(p.a_sink.log == log_t{"handshake", "msg:from b"});
            ++completed;
        }
    }
    CHECK(completed == 21);
}

TEST_CASE("every incompatible pair is refused on both sides with an ERROR", "[zmtp][handshake]")
{
    int refused = 0;
    for (t a : all_types) {
        for (t b : all_types) {
            if (is_compatible(a, b))
                continue;
            INFO(to_string(a) << " <-> " << to_string(b));
            connection_pair p(a, b);
            // Pump by hand to watch the ERROR leave each side.
            auto ga = take_pending(p.a);
            auto gb = take_pending(p.b);
            feed(p.b, ga, p.b_sink);
            feed(p.a, gb, p.a_sink);
            const auto ready_a = take_pending(p.a);
            const auto ready_b = take_pending(p.b);
            CHECK(hex(ready_a) == hex(ready_for(a)));
            CHECK(hex(ready_b) == hex(ready_for(b)));
            feed(p.b, ready_a, p.b_sink);
            feed(p.a, ready_b, p.a_sink);

            CHECK(p.a_sink.log == log_t{err(error::incompatible_socket_type)});
            CHECK(p.b_sink.log == log_t{err(error::incompatible_socket_type)});
            CHECK(p.a.current_phase() == connection::phase::failed);
            CHECK(p.b.current_phase() == connection::phase::failed);
            // The side that saw the bad type queued an ERROR command (RFC 37).
            CHECK(hex(take_pending(p.a)) == hex(invalid_type_error));
            CHECK(hex(take_pending(p.b)) == hex(invalid_type_error));
            write_batch batch;
            CHECK(p.a.encode(message{"x"}, batch) == error::not_ready);
            ++refused;
        }
    }
    CHECK(refused == 121 - 21);
}

TEST_CASE("a raw peer with a bad Socket-Type gets an ERROR", "[zmtp][handshake]")
{
    for (std::string_view type : {"PUSH", "FOO", "pull", ""}) {
        INFO("peer type '" << type << "'");
        metadata md;
        md.set("Socket-Type", type);
        const auto tr = grind(make_connection(t::push), cat(vectors::libzmq_greeting, ready_bytes(md)));
        CHECK(tr.events == log_t{err(error::incompatible_socket_type)});
        CHECK(tr.output == hex(cat(vectors::our_greeting, ready_for(t::push), invalid_type_error)));
    }
}

TEST_CASE("READY order does not matter: either side may finish first", "[zmtp][handshake]")
{
    connection_pair p(t::push, t::pull);
    // a gets everything from b before b hears anything from a.
    feed(p.a, take_pending(p.b), p.a_sink); // b's greeting
    CHECK(p.a_sink.log.empty());
    CHECK(p.b.pending_output().empty()); // b waits for a's greeting
    feed(p.b, take_pending(p.a), p.b_sink); // a's greeting + READY
    CHECK(p.b_sink.log == log_t{"handshake"});
    CHECK(p.b.is_ready());
    CHECK_FALSE(p.a.is_ready());
    // b may send data at once; it arrives right behind b's READY.
    write_batch batch;
    REQUIRE_FALSE(p.b.encode(message{"early"}, batch));
    CHECK(p.b.pending_output().empty()); // the READY moved into the batch, first
    feed(p.a, flatten(batch), p.a_sink);
    CHECK(p.a_sink.log == log_t{"handshake", "msg:early"});
}

TEST_CASE("READY carries Socket-Type, Identity (REQ/DEALER/ROUTER) and our properties",
          "[zmtp][handshake]")
{
    connection_options o = options_for(t::dealer, "abc");
    o.properties.set("X-Trace", "on");
    o.properties.set("Socket-Type", "PAIR"); // cannot override the real type
    connection c(o);
    sink s;
    feed(c, vectors::libzmq_greeting, s);
    const auto out = take_pending(c);
    metadata expected;
    expected.set("Socket-Type", "DEALER");
    expected.set("Identity", "abc");
    expected.set("X-Trace", "on");
    CHECK(hex(out) == hex(cat(vectors::our_greeting, ready_bytes(expected))));
}

TEST_CASE("null_mechanism on its own", "[zmtp][handshake]")
{
    metadata extra;
    extra.set("X-A", "1");
    null_mechanism mech(t::router, "r", extra);
    bytes out;
    mech.start(out);
    CHECK(hex(out) == hex(ready_bytes(mech.local_metadata())));
    REQUIRE(mech.local_metadata().properties().size() == 3);
    CHECK(mech.local_metadata().properties()[0].name == "Socket-Type");
    CHECK(mech.local_metadata().properties()[1].name == "Identity");
    CHECK(mech.local_metadata().properties()[2].name == "X-A");

    std::error_code ec;
    peer_info peer;
    out.clear();
    const auto ready = std::span(vectors::ready_dealer_abc).subspan(2);
    auto cmd = parse_command(ready, ec);
    REQUIRE(cmd);
    CHECK(mech.on_command(*cmd, peer, out, ec) == null_mechanism::status::ready);
    CHECK_FALSE(ec);
    CHECK(peer.type == t::dealer);
    CHECK(peer.identity == "abc");
    CHECK(out.empty());

    const auto error_body = cat(0x05, "ERROR", 0x03, "400");
    cmd = parse_command(error_body, ec);
    CHECK(mech.on_command(*cmd, peer, out, ec) == null_mechanism::status::failed);
    CHECK(ec == error::auth_failed_by_peer);
    CHECK(mech.error_reason() == "400");

    const auto hello = cat(0x05, "HELLO", 0x01, "u", 0x01, "p");
    cmd = parse_command(hello, ec);
    CHECK(mech.on_command(*cmd, peer, out, ec) == null_mechanism::status::failed);
    CHECK(ec == error::unexpected_command);
}

TEST_CASE("identity is taken from READY whatever our own type", "[zmtp][handshake]")
{
    // libzmq honours Identity only on a ROUTER; we record it always and let
    // the socket layer decide.
    const auto tr = grind(make_connection(t::rep), cat(vectors::libzmq_greeting_identity_abc,
                                                       vectors::ready_dealer_abc, vectors::data_hello));
    CHECK(tr.events == log_t{"handshake", "msg:Hello"});
    connection c(options_for(t::rep));
    sink s;
    feed(c, cat(vectors::libzmq_greeting_identity_abc, vectors::ready_dealer_abc), s);
    CHECK(c.peer().identity == "abc");
    CHECK(c.peer().type == t::dealer);
}
