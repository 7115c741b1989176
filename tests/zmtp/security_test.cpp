// SPDX-License-Identifier: MIT
// PLAIN, CURVE and authentication in the sans-IO core: two connections
// wired back to back, and hostile input fed to each role.
#include "test_util.hpp"

#include "zmtp/curve_keys.hpp"
#include "zmtp/z85.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

/// Client and server connections joined by a loop that moves their output.
struct duo {
    std::unique_ptr<connection> client;
    std::unique_ptr<connection> server;
    sink cs, ss;
    /// The server's authenticator: the request in, the reply out.
    std::function<auth_reply(const auth_request&)> auth = [](const auth_request&) {
        return auth_reply{};
    };
    std::vector<auth_request> asked;

    duo(connection_options c, connection_options s)
        : client(std::make_unique<connection>(std::move(c))),
          server(std::make_unique<connection>(std::move(s)))
    {
    }

    bytes out_of(connection& c)
    {
        write_batch b;
        c.take_output(b);
        return flatten(b);
    }

    void answer(connection& c, sink& s)
    {
        while (c.awaiting_auth() && !s.ec) {
            asked.push_back(c.auth_request());
            // A refusal fails the connection (the error shows in the sink).
            (void)c.authenticate(auth(c.auth_request()));
            drain(c, s);
        }
    }

    /// Moves bytes both ways until neither side has anything to say.
    void run()
    {
        for (int i = 0; i < 100; ++i) {
            answer(*server, ss);
            answer(*client, cs);
            const bytes a = out_of(*client);
            const bytes b = out_of(*server);
            if (a.empty() && b.empty())
                return;
            feed(*server, a, ss);
            feed(*client, b, cs);
        }
        FAIL("the two connections never went quiet");
    }

    /// Encodes `m` on `from` and returns its wire bytes.
    bytes wire(connection& from, message m)
    {
        write_batch b;
        REQUIRE(!from.encode(std::move(m), b));
        return flatten(b);
    }
};

connection_options plain_client(socket_type t, std::string user, std::string pass)
{
    auto o = options_for(t);
    o.security.mech = mechanism::plain;
    o.security.plain_username = std::move(user);
    o.security.plain_password = std::move(pass);
    return o;
}

connection_options plain_server(socket_type t)
{
    auto o = options_for(t);
    o.security.mech = mechanism::plain;
    o.security.as_server = true;
    return o;
}

struct curve_pair {
    curve_keypair server = generate_curve_keypair();
    curve_keypair client = generate_curve_keypair();

    connection_options client_opts(socket_type t) const
    {
        auto o = options_for(t);
        o.security.mech = mechanism::curve;
        o.security.curve = client;
        o.security.curve_server_key = server.public_key;
        return o;
    }
    connection_options server_opts(socket_type t) const
    {
        auto o = options_for(t);
        o.security.mech = mechanism::curve;
        o.security.as_server = true;
        o.security.curve = server;
        return o;
    }
};

bool has(const sink& s, std::string_view what)
{
    return std::find(s.log.begin(), s.log.end(), what) != s.log.end();
}

/// Splits the wire bytes of whole frames (no greeting) into frames.
std::vector<bytes> frames_of(const bytes& wire)
{
    std::vector<bytes> out;
    std::size_t at = 0;
    while (at < wire.size()) {
        const auto flags = std::to_integer<unsigned>(wire[at]);
        std::size_t header = 2, size = std::to_integer<std::size_t>(wire[at + 1]);
        if (flags & 0x02) {
            header = 9;
            size = 0;
            for (int i = 1; i <= 8; ++i)
                size = size << 8 | std::to_integer<std::size_t>(wire[at + i]);
        }
        out.emplace_back(wire.begin() + at, wire.begin() + at + header + size);
        at += header + size;
    }
    return out;
}

} // namespace

TEST_CASE("Z85 matches RFC 32's test vector and refuses bad input", "[zmtp][security]")
{
    const bytes hello = cat(0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B);
    CHECK(z85_encode(hello) == "HelloWorld");
    CHECK(z85_decode("HelloWorld") == hello);
    CHECK_FALSE(z85_encode(cat(1, 2, 3)));
    CHECK_FALSE(z85_decode("Hell"));
    CHECK_FALSE(z85_decode("Hell~"));  // not in the alphabet
    CHECK_FALSE(z85_decode("%%%%%")); // past 2^32
    const auto kp = generate_curve_keypair();
    const auto text = curve_key_to_z85(kp.public_key);
    CHECK(text.size() == 40);
    CHECK(parse_curve_key(text) == kp.public_key);
    CHECK(curve_public_from_secret(kp.secret_key) == kp.public_key);
    CHECK_FALSE(parse_curve_key("short"));
}

TEST_CASE("PLAIN: accepted credentials, metadata and data both ways", "[zmtp][security]")
{
    duo d(plain_client(socket_type::dealer, "admin", "secret"), plain_server(socket_type::router));
    d.auth = [](const auth_request& r) {
        auth_reply rep;
        rep.user_id = r.credentials.at(0);
        rep.properties.set("X-Role", "ops");
        return rep;
    };
    d.run();
    REQUIRE(has(d.cs, "handshake"));
    REQUIRE(has(d.ss, "handshake"));
    REQUIRE(d.asked.size() == 1);
    CHECK(d.asked[0].mech == mechanism::plain);
    CHECK(d.asked[0].credentials == std::vector<std::string>{"admin", "secret"});
    CHECK(d.server->peer().user_id == "admin");
    CHECK(d.server->peer().auth_properties.get("X-Role") == "ops");
    CHECK(d.server->peer().type == socket_type::dealer);
    CHECK(d.client->peer().type == socket_type::router);
    feed(*d.server, d.wire(*d.client, message{"hello"}), d.ss);
    REQUIRE(d.ss.messages.size() == 1);
    CHECK(d.ss.messages[0][0] == "hello");
}

TEST_CASE("PLAIN: refused credentials end both sides with typed errors", "[zmtp][security]")
{
    duo d(plain_client(socket_type::push, "admin", "wrong"), plain_server(socket_type::pull));
    d.auth = [](const auth_request&) { return auth_reply{400, {}, {}}; };
    d.run();
    CHECK(d.ss.ec == error::auth_refused);
    CHECK(d.cs.ec == error::auth_failed_by_peer);
    CHECK(d.client->peer_error_reason() == "400");
}

TEST_CASE("PLAIN: a 255-byte password works; a HELLO with trailing bytes does not",
          "[zmtp][security]")
{
    const std::string pass(255, 'p');
    duo d(plain_client(socket_type::push, std::string(255, 'u'), pass), plain_server(socket_type::pull));
    d.run();
    REQUIRE(has(d.ss, "handshake"));
    CHECK(d.asked.at(0).credentials.at(1) == pass);

    connection server(plain_server(socket_type::pull));
    sink s;
    bytes hello;
    encode_command("HELLO", cat(1, "u", 1, "p", "extra"), hello);
    feed(server, cat(greeting_bytes(3, 1, "PLAIN"), hello), s);
    CHECK(s.ec == error::malformed_command);

    // A client with a user name longer than PLAIN can carry fails at once.
    connection client(plain_client(socket_type::push, std::string(256, 'u'), "p"));
    sink cs;
    feed(client, greeting_bytes(3, 1, "PLAIN", 1), cs);
    CHECK(cs.ec == error::missing_credentials);
}

TEST_CASE("PLAIN client reads libzmq 4.3.4's malformed ERROR (5e 'RROR')", "[zmtp][security]")
{
    connection client(plain_client(socket_type::push, "admin", "wrong"));
    sink s;
    // The bytes libzmq's PLAIN server sends when ZAP refuses: 04 09 5e 'RROR' 03 '400'.
    feed(client, cat(greeting_bytes(3, 1, "PLAIN", 0), 0x04, 0x09, 0x5e, "RROR", 3, "400"), s);
    CHECK(s.ec == error::auth_failed_by_peer);
    CHECK(client.peer_error_reason() == "400");
}

TEST_CASE("PLAIN: data before the handshake and commands out of order fail", "[zmtp][security]")
{
    connection server(plain_server(socket_type::pull));
    sink s;
    feed(server, cat(greeting_bytes(3, 1, "PLAIN"), 0x00, 0x01, "x"), s);
    CHECK(s.ec == error::data_before_ready);

    connection server2(plain_server(socket_type::pull));
    sink s2;
    bytes init;
    encode_command("INITIATE", {}, init);
    feed(server2, cat(greeting_bytes(3, 1, "PLAIN"), init), s2);
    CHECK(s2.ec == error::unexpected_command);

    // A NULL peer meeting a PLAIN server: mechanism mismatch.
    connection server3(plain_server(socket_type::pull));
    sink s3;
    feed(server3, greeting_bytes(3, 1, "NULL"), s3);
    CHECK(s3.ec == error::mechanism_mismatch);
}

TEST_CASE("CURVE: handshake, multipart, large, commands and subscriptions boxed", "[zmtp][security]")
{
    curve_pair keys;
    duo d(keys.client_opts(socket_type::sub), keys.server_opts(socket_type::xpub));
    d.run();
    INFO(Catch::rangeToString(d.cs.log) << " / " << Catch::rangeToString(d.ss.log));
    REQUIRE(has(d.cs, "handshake"));
    REQUIRE(has(d.ss, "handshake"));
    REQUIRE(d.asked.size() == 1);
    CHECK(d.asked[0].mech == mechanism::curve);
    CHECK(d.asked[0].credentials.at(0) ==
          std::string(reinterpret_cast<const char*>(keys.client.public_key.data()), 32));

    // A subscription travels as a boxed command.
    REQUIRE(!d.client->send_subscribe(span_of("topic")));
    const bytes sub = d.out_of(*d.client);
    CHECK(sub.size() == 2 + 33 + 1 + 9 + 5); // header + MESSAGE overhead + name-len 'SUBSCRIBE' topic
    CHECK(std::to_integer<int>(sub[0]) == 0); // a plain frame, as libzmq sends MESSAGE
    CHECK(to_string(std::span(sub).subspan(2, 8)) == "\x07MESSAGE");
    feed(*d.server, sub, d.ss);
    CHECK(has(d.ss, "sub:topic"));

    // Ping and pong, boxed both ways.
    REQUIRE(!d.client->send_ping(10));
    feed(*d.server, d.out_of(*d.client), d.ss);
    CHECK(has(d.ss, "ping:10"));
    feed(*d.client, d.out_of(*d.server), d.cs);
    CHECK(has(d.cs, "pong"));

    const bytes big = pattern(200 * 1024);
    message m;
    m.push_back(frame("part1"));
    m.push_back(frame(std::span<const std::byte>(big)));
    const bytes w = d.wire(*d.server, std::move(m));
    // The plaintext does not appear on the wire.
    CHECK(std::search(w.begin(), w.end(), big.begin(), big.begin() + 64) == w.end());
    feed(*d.client, w, d.cs);
    REQUIRE(d.cs.messages.size() == 1);
    REQUIRE(d.cs.messages[0].size() == 2);
    CHECK(d.cs.messages[0][0] == "part1");
    CHECK(bytes(d.cs.messages[0][1].bytes().begin(), d.cs.messages[0][1].bytes().end()) == big);
}

TEST_CASE("CURVE: hostile input is refused with typed errors", "[zmtp][security]")
{
    curve_pair keys;

    SECTION("a client with the wrong server key is refused at HELLO")
    {
        auto copts = keys.client_opts(socket_type::push);
        copts.security.curve_server_key = generate_curve_keypair().public_key;
        duo d(copts, keys.server_opts(socket_type::pull));
        d.run();
        CHECK(d.ss.ec == error::bad_box);
        CHECK(d.asked.empty());
    }
    SECTION("a refused client gets ERROR 400")
    {
        duo d(keys.client_opts(socket_type::push), keys.server_opts(socket_type::pull));
        d.auth = [](const auth_request&) { return auth_reply{400, {}, {}}; };
        d.run();
        CHECK(d.ss.ec == error::auth_refused);
        CHECK(d.cs.ec == error::auth_failed_by_peer);
    }
    SECTION("a replayed MESSAGE is a bad nonce; a tampered one a bad box")
    {
        duo d(keys.client_opts(socket_type::push), keys.server_opts(socket_type::pull));
        d.run();
        REQUIRE(has(d.ss, "handshake"));
        const bytes one = d.wire(*d.client, message{"once"});
        SECTION("replay")
        {
            feed(*d.server, one, d.ss);
            CHECK(d.ss.messages.size() == 1);
            feed(*d.server, one, d.ss);
            CHECK(d.ss.ec == error::bad_nonce);
        }
        SECTION("tamper")
        {
            bytes bad = one;
            bad.back() ^= std::byte{1};
            feed(*d.server, bad, d.ss);
            CHECK(d.ss.ec == error::bad_box);
            CHECK(d.ss.messages.empty());
        }
        SECTION("a frame in clear after the handshake")
        {
            feed(*d.server, cat(0x00, 0x01, "x"), d.ss);
            CHECK(d.ss.ec == error::unencrypted_frame);
        }
        SECTION("a command in clear after the handshake")
        {
            bytes ping;
            encode_ping(0, {}, ping);
            feed(*d.server, ping, d.ss);
            CHECK(d.ss.ec == error::unencrypted_frame);
        }
        SECTION("a truncated MESSAGE")
        {
            bytes cmd;
            encode_command("MESSAGE", cat(zeros{8}), cmd);
            feed(*d.server, cmd, d.ss);
            CHECK(d.ss.ec == error::unencrypted_frame);
        }
        SECTION("MESSAGE framed as a command is read too")
        {
            bytes w = one;
            w[0] = std::byte{0x04};
            feed(*d.server, w, d.ss);
            CHECK(d.ss.messages.size() == 1);
            CHECK_FALSE(d.ss.ec);
        }
    }
    SECTION("a cookie from another connection is refused")
    {
        // Two handshakes with the same server key: the INITIATE of the first
        // client goes to the second server.
        auto c1 = std::make_unique<connection>(keys.client_opts(socket_type::push));
        auto s1 = std::make_unique<connection>(keys.server_opts(socket_type::pull));
        auto s2 = std::make_unique<connection>(keys.server_opts(socket_type::pull));
        sink cs1, ss1, ss2;
        const bytes greeting = take_pending(*c1);
        feed(*c1, take_pending(*s1), cs1); // s1's greeting: the client says HELLO
        (void)take_pending(*s2);
        const bytes hello = cat(greeting, take_pending(*c1));
        feed(*s1, hello, ss1);
        feed(*s2, hello, ss2); // s2 issues a cookie of its own
        (void)take_pending(*s2);
        feed(*c1, take_pending(*s1), cs1); // WELCOME from s1
        const bytes initiate = take_pending(*c1);
        feed(*s2, initiate, ss2);
        CHECK(ss2.ec == error::bad_cookie);
    }
    SECTION("a truncated HELLO and a bad version")
    {
        connection server(keys.server_opts(socket_type::pull));
        sink s;
        bytes hello;
        encode_command("HELLO", cat(1, 0, zeros{100}), hello);
        feed(server, cat(greeting_bytes(3, 1, "CURVE"), hello), s);
        CHECK(s.ec == error::malformed_command);

        connection server2(keys.server_opts(socket_type::pull));
        sink s2;
        bytes hello2;
        encode_command("HELLO", cat(2, 0, zeros{192}), hello2);
        feed(server2, cat(greeting_bytes(3, 1, "CURVE"), hello2), s2);
        CHECK(s2.ec == error::malformed_command);
    }
    SECTION("a server without its secret key fails every handshake, typed")
    {
        auto opts = keys.server_opts(socket_type::pull);
        opts.security.curve.secret_key = curve_key{};
        connection server(opts);
        sink s;
        feed(server, greeting_bytes(3, 1, "CURVE"), s);
        CHECK(s.ec == error::missing_credentials);
    }
    SECTION("commands out of order")
    {
        connection server(keys.server_opts(socket_type::pull));
        sink s;
        bytes ready;
        encode_ready({}, ready);
        feed(server, cat(greeting_bytes(3, 1, "CURVE"), ready), s);
        CHECK(s.ec == error::unexpected_command);
    }
}

TEST_CASE("CURVE command sizes are libzmq's", "[zmtp][security]")
{
    curve_pair keys;
    connection client(keys.client_opts(socket_type::dealer));
    connection server(keys.server_opts(socket_type::router));
    sink cs, ss;
    bytes c = take_pending(client);
    bytes s = take_pending(server);
    REQUIRE(c.size() == 64);
    CHECK(to_string(std::span(c).subspan(12, 5)) == std::string("CURVE", 5));
    CHECK(std::to_integer<int>(s[32]) == 1); // as-server
    CHECK(std::to_integer<int>(c[32]) == 0);
    feed(client, s, cs);
    c = take_pending(client);
    REQUIRE(c.size() == 2 + 200); // HELLO: 200 bytes, a short frame
    CHECK(std::to_integer<int>(c[1]) == 200);
    CHECK(to_string(std::span(c).subspan(2, 6)) == "\x05HELLO");
    feed(server, cat(greeting_bytes(3, 1, "CURVE"), c), ss);
    s = take_pending(server);
    REQUIRE(s.size() == 2 + 168); // WELCOME: 168 bytes
    feed(client, s, cs);
    c = take_pending(client);
    const auto f = frames_of(c);
    REQUIRE(f.size() == 1);
    CHECK(f[0].size() - 2 >= 257); // INITIATE: 257 + metadata
}

TEST_CASE("NULL server that authenticates: READY only after the answer", "[zmtp][security]")
{
    auto sopts = options_for(socket_type::rep);
    sopts.security.as_server = true;
    sopts.security.authenticate_null = true;
    SECTION("accepted")
    {
        duo d(options_for(socket_type::req), sopts);
        d.auth = [](const auth_request& r) {
            CHECK(r.mech == mechanism::null);
            CHECK(r.credentials.empty());
            return auth_reply{200, "anon", {}};
        };
        d.run();
        CHECK(has(d.cs, "handshake"));
        CHECK(has(d.ss, "handshake"));
        CHECK(d.server->peer().user_id == "anon");
    }
    SECTION("refused: ERROR 400, no READY")
    {
        duo d(options_for(socket_type::req), sopts);
        d.auth = [](const auth_request&) { return auth_reply{400, {}, {}}; };
        d.run();
        CHECK(d.ss.ec == error::auth_refused);
        CHECK(d.cs.ec == error::auth_failed_by_peer);
        CHECK(d.client->peer_error_reason() == "400");
        CHECK_FALSE(has(d.cs, "handshake"));
    }
}
