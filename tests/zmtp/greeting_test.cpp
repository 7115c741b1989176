// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include "zmtp/greeting.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

// Feeds `in` to a fresh greeting decoder in pieces of `step` bytes.
struct decoded {
    greeting_decoder dec;
    std::error_code ec;
    std::size_t used = 0;
};

decoded decode_greeting(std::span<const std::byte> in, std::size_t step = 64)
{
    decoded d;
    while (d.used < in.size() && !d.ec && !d.dec.done())
        d.used += d.dec.feed(in.subspan(d.used, std::min(step, in.size() - d.used)), d.ec);
    return d;
}

} // namespace

TEST_CASE("we send exactly the 64-byte ZMTP 3.1 NULL greeting", "[zmtp][greeting]")
{
    std::array<std::byte, greeting_size> out;
    out.fill(std::byte{0xAA});
    encode_greeting(greeting::make(mechanism::null), out);
    CHECK(hex(out) == hex(vectors::our_greeting));

    // A connection queues it, and only it, at construction.
    connection c(options_for(socket_type::pull));
    CHECK(c.pending_output().size() == 64);
    CHECK(hex(c.pending_output()) == hex(vectors::our_greeting));
}

TEST_CASE("encode_greeting writes version, mechanism and as-server", "[zmtp][greeting]")
{
    std::array<std::byte, greeting_size> out;
    greeting g = greeting::make(mechanism::plain, true);
    g.version_minor = 0;
    encode_greeting(g, out);
    CHECK(hex(out) == hex(cat(0xff, zeros{8}, 0x7f, 0x03, 0x00, "PLAIN", zeros{15}, 0x01, zeros{31})));
}

TEST_CASE("mechanism names round-trip and match exactly", "[zmtp][greeting]")
{
    for (auto m : {mechanism::null, mechanism::plain, mechanism::curve, mechanism::gssapi}) {
        const auto g = greeting::make(m);
        CHECK(parse_mechanism(g.mechanism_field) == m);
    }
    CHECK(to_string(mechanism::null) == "NULL");
    CHECK(to_string(mechanism::gssapi) == "GSSAPI");

    auto field = [](std::string_view name) {
        std::array<std::byte, 20> f{};
        std::memcpy(f.data(), name.data(), name.size());
        return f;
    };
    CHECK_FALSE(parse_mechanism(field("null")));
    CHECK_FALSE(parse_mechanism(field("FOO")));
    CHECK_FALSE(parse_mechanism(field("NUL")));
    CHECK_FALSE(parse_mechanism(field("NULLX")));
    CHECK_FALSE(parse_mechanism(field(std::string_view("NULL\0X", 6))));
    CHECK_FALSE(parse_mechanism(field("")));
}

TEST_CASE("libzmq's greetings decode, whole and in any fragmentation", "[zmtp][greeting]")
{
    struct golden {
        const char* name;
        const bytes* wire;
        int minor;
    };
    const golden cases[] = {
        {"libzmq PULL", &vectors::libzmq_greeting, 1},
        {"libzmq with identity abc", &vectors::libzmq_greeting_identity_abc, 1},
        {"libzmq test greeting (3.0)", &vectors::libzmq_test_greeting_30, 0},
        {"ours", &vectors::our_greeting, 1},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{10}, std::size_t{11},
                                 std::size_t{63}, std::size_t{64}}) {
            INFO("step " << step);
            auto d = decode_greeting(*c.wire, step);
            REQUIRE_FALSE(d.ec);
            REQUIRE(d.dec.done());
            CHECK(d.used == 64);
            const auto g = d.dec.value();
            CHECK(g.version_major == 3);
            CHECK(g.version_minor == c.minor);
            CHECK(parse_mechanism(g.mechanism_field) == mechanism::null);
            CHECK_FALSE(g.as_server);
        }
    }
}

TEST_CASE("the decoder stops at the end of the greeting", "[zmtp][greeting]")
{
    const auto in = cat(vectors::libzmq_greeting, vectors::ready_pull);
    greeting_decoder dec;
    std::error_code ec;
    CHECK(dec.feed(in, ec) == 64);
    CHECK_FALSE(ec);
    CHECK(dec.done());
    CHECK(dec.bytes_seen() == 64);
    CHECK(dec.feed(in, ec) == 0); // done: nothing more is taken
}

TEST_CASE("padding bytes 1-8 are never validated", "[zmtp][greeting]")
{
    for (int byte = 1; byte <= 8; ++byte) {
        auto g = vectors::our_greeting;
        g[static_cast<std::size_t>(byte)] = std::byte{0xFF};
        INFO("padding byte " << byte);
        auto d = decode_greeting(g, 1);
        CHECK_FALSE(d.ec);
        CHECK(d.dec.done());
    }
    // Non-zero filler and every other byte-9 value with bit 0 set are fine too.
    auto g = vectors::our_greeting;
    std::fill(g.begin() + 1, g.begin() + 9, std::byte{0x5A});
    g[9] = std::byte{0x01};
    std::fill(g.begin() + 33, g.end(), std::byte{0x77});
    auto d = decode_greeting(g);
    CHECK_FALSE(d.ec);
    CHECK(d.dec.done());
}

TEST_CASE("as-server is parsed", "[zmtp][greeting]")
{
    auto d = decode_greeting(greeting_bytes(3, 1, "NULL", 1));
    REQUIRE(d.dec.done());
    CHECK(d.dec.value().as_server);
}

TEST_CASE("peer version: 3.0 and 3.1 accepted, 4.x treated as 3.1", "[zmtp][greeting]")
{
    struct version_case {
        int major, minor;
        bool commands;
    };
    for (auto v : {version_case{3, 0, false}, version_case{3, 1, true}, version_case{3, 7, true},
                   version_case{4, 0, true}, version_case{255, 255, true}}) {
        INFO(v.major << "." << v.minor);
        auto d = decode_greeting(greeting_bytes(v.major, v.minor));
        REQUIRE_FALSE(d.ec);
        REQUIRE(d.dec.done());

        // Through a connection: the version lands in peer().
        connection c(options_for(socket_type::sub));
        sink s;
        feed(c, cat(greeting_bytes(v.major, v.minor), vectors::ready_pub), s);
        REQUIRE(s.log == std::vector<std::string>{"handshake"});
        CHECK(c.peer().version_major == v.major);
        CHECK(c.peer().version_minor == v.minor);
        CHECK(c.peer().uses_subscribe_commands() == v.commands);
    }
}

TEST_CASE("versions below 3.0 are refused when byte 10 arrives", "[zmtp][greeting]")
{
    for (int major : {0, 1, 2}) {
        INFO("major " << major);
        const auto g = greeting_bytes(major, 0);
        greeting_decoder dec;
        std::error_code ec;
        CHECK(dec.feed(std::span(g).first(10), ec) == 10);
        CHECK_FALSE(ec);
        dec.feed(std::span(g).subspan(10, 1), ec);
        CHECK(ec == error::unsupported_version);
    }
}

TEST_CASE("a bad signature fails on the first byte that shows it", "[zmtp][greeting]")
{
    SECTION("an HTTP request fails after one byte")
    {
        const auto http = cat("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        greeting_decoder dec;
        std::error_code ec;
        CHECK(dec.feed(std::span(http).first(1), ec) == 1);
        CHECK(ec == error::bad_signature);

        // The same through a connection: one byte in, error out.
        connection c(options_for(socket_type::pull));
        sink s;
        CHECK(feed(c, std::span(http).first(1), s) == 1);
        CHECK(s.log == std::vector<std::string>{err(error::bad_signature)});
        CHECK(c.prepare().empty());
    }
    SECTION("byte 9 without bit 0 fails at byte 9")
    {
        auto g = vectors::our_greeting;
        g[9] = std::byte{0x7E};
        greeting_decoder dec;
        std::error_code ec;
        dec.feed(std::span(g).first(9), ec);
        CHECK_FALSE(ec);
        dec.feed(std::span(g).subspan(9, 1), ec);
        CHECK(ec == error::bad_signature);
    }
}

TEST_CASE("greeting errors are sticky", "[zmtp][greeting]")
{
    greeting_decoder dec;
    std::error_code ec;
    dec.feed(cat(0x00), ec);
    REQUIRE(ec == error::bad_signature);
    ec.clear();
    CHECK(dec.feed(vectors::our_greeting, ec) == 0);
    CHECK(ec == error::bad_signature);
    CHECK_FALSE(dec.done());
}

TEST_CASE("the mechanism is checked once the greeting is complete", "[zmtp][greeting]")
{
    struct mech_case {
        std::string_view name;
        error expected;
    };
    for (auto m : {mech_case{"FOO", error::unknown_mechanism},
                   mech_case{"null", error::unknown_mechanism},
                   mech_case{"PLAIN", error::mechanism_mismatch},
                   mech_case{"CURVE", error::mechanism_mismatch},
                   mech_case{"GSSAPI", error::mechanism_mismatch}}) {
        INFO(m.name);
        const auto g = greeting_bytes(3, 1, m.name);
        connection c(options_for(socket_type::pull));
        sink s;
        feed(c, std::span(g).first(63), s);
        CHECK(s.log.empty());
        feed(c, std::span(g).subspan(63), s);
        CHECK(s.log == std::vector<std::string>{err(m.expected)});
        CHECK(c.current_phase() == connection::phase::failed);
        // Nothing but our greeting was queued: no READY to a peer we refused.
        CHECK(hex(c.pending_output()) == hex(vectors::our_greeting));
    }
}

TEST_CASE("our READY is queued only after the peer's greeting", "[zmtp][greeting]")
{
    connection c(options_for(socket_type::pull));
    sink s;
    feed(c, std::span(vectors::libzmq_greeting).first(63), s);
    CHECK(c.current_phase() == connection::phase::greeting);
    CHECK(c.pending_output().size() == 64);
    feed(c, std::span(vectors::libzmq_greeting).subspan(63), s);
    CHECK(c.current_phase() == connection::phase::handshake);
    CHECK(hex(c.pending_output()) == hex(cat(vectors::our_greeting, vectors::ready_pull)));
    CHECK(s.log.empty());
}
