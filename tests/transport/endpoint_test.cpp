// SPDX-License-Identifier: MIT
// endpoint::parse and endpoint::to_string: pure parsing, no resolution.

#include "support.hpp"

#include "transport/endpoint.hpp"

using zmtp::transport::endpoint;
using zmtp::transport::transport_error;

namespace {

endpoint parse_ok(std::string_view s)
{
    std::error_code ec = make_error_code(transport_error::unknown_endpoint); // must be cleared
    const auto ep = endpoint::parse(s, ec);
    INFO("endpoint: " << s);
    REQUIRE(ep.has_value());
    REQUIRE_FALSE(ec);
    return *ep;
}

std::error_code parse_fails(std::string_view s)
{
    std::error_code ec;
    const auto ep = endpoint::parse(s, ec);
    INFO("endpoint: " << s);
    REQUIRE_FALSE(ep.has_value());
    REQUIRE(ec);
    return ec;
}

} // namespace

TEST_CASE("endpoint parse accepts tcp with an IPv4 address and a port", "[endpoint]")
{
    const auto ep = parse_ok("tcp://127.0.0.1:5555");
    CHECK(ep.transport == endpoint::kind::tcp);
    CHECK(ep.host == "127.0.0.1");
    CHECK(ep.port == 5555);
    CHECK_FALSE(ep.is_wildcard_host());
    CHECK(ep.to_string() == "tcp://127.0.0.1:5555");

    const auto high = parse_ok("tcp://10.1.2.3:65535");
    CHECK(high.port == 65535);
}

TEST_CASE("endpoint parse accepts a bracketed IPv6 address and strips the brackets",
          "[endpoint]")
{
    const auto ep = parse_ok("tcp://[::1]:5555");
    CHECK(ep.transport == endpoint::kind::tcp);
    CHECK(ep.host == "::1");
    CHECK(ep.port == 5555);
    // The canonical form brackets IPv6 again so the port stays unambiguous.
    CHECK(ep.to_string() == "tcp://[::1]:5555");

    const auto full = parse_ok("tcp://[fe80::1:2]:1");
    CHECK(full.host == "fe80::1:2");
    CHECK(full.port == 1);
}

TEST_CASE("endpoint parse keeps DNS names unresolved", "[endpoint]")
{
    // Parsing is pure: names are resolved by the connector at every attempt,
    // so a name that does not resolve (here) still parses.
    const auto ep = parse_ok("tcp://localhost:80");
    CHECK(ep.host == "localhost");
    CHECK(ep.port == 80);

    const auto far = parse_ok("tcp://no-such-host.invalid:1234");
    CHECK(far.host == "no-such-host.invalid");
    CHECK(far.port == 1234);
    CHECK(far.to_string() == "tcp://no-such-host.invalid:1234");
}

TEST_CASE("endpoint parse takes a star host as every interface", "[endpoint]")
{
    const auto ep = parse_ok("tcp://*:5555");
    CHECK(ep.is_wildcard_host());
    CHECK(ep.host == "*");
    CHECK(ep.port == 5555);
    CHECK(ep.to_string() == "tcp://*:5555");
}

TEST_CASE("endpoint parse takes a star or zero port as any free port", "[endpoint]")
{
    const auto star = parse_ok("tcp://127.0.0.1:*");
    CHECK(star.port == 0);
    const auto zero = parse_ok("tcp://127.0.0.1:0");
    CHECK(zero.port == 0);
    // Both have the same canonical form.
    CHECK(star.to_string() == "tcp://127.0.0.1:0");
    CHECK(zero.to_string() == "tcp://127.0.0.1:0");

    const auto both = parse_ok("tcp://*:*");
    CHECK(both.is_wildcard_host());
    CHECK(both.port == 0);
}

TEST_CASE("endpoint parse accepts an ipc path", "[endpoint]")
{
    const auto ep = parse_ok("ipc:///tmp/some dir/x.sock");
    CHECK(ep.transport == endpoint::kind::ipc);
    CHECK(ep.path == "/tmp/some dir/x.sock");
    CHECK(ep.to_string() == "ipc:///tmp/some dir/x.sock");

    const auto relative = parse_ok("ipc://relative.sock");
    CHECK(relative.path == "relative.sock");
}

TEST_CASE("endpoint parse accepts an abstract ipc name", "[endpoint]")
{
    const auto ep = parse_ok("ipc://@abstract-name");
    CHECK(ep.transport == endpoint::kind::ipc);
    CHECK(ep.path == "@abstract-name");
    CHECK(ep.to_string() == "ipc://@abstract-name");
    // libzmq: "ipc://@" alone is EINVAL.
    CHECK(parse_fails("ipc://@") == transport_error::malformed_endpoint);
}

TEST_CASE("endpoint parse accepts an inproc name", "[endpoint][inproc]")
{
    const auto ep = parse_ok("inproc://workers/a:b");
    CHECK(ep.transport == endpoint::kind::inproc);
    CHECK(ep.path == "workers/a:b"); // any bytes: a name, not an address
    CHECK(ep.to_string() == "inproc://workers/a:b");
    CHECK(parse_fails("inproc://") == transport_error::malformed_endpoint);
}

TEST_CASE("endpoint parse rejects malformed endpoints", "[endpoint]")
{
    SECTION("missing scheme")
    {
        CHECK(parse_fails("127.0.0.1:5555") == transport_error::malformed_endpoint);
        CHECK(parse_fails("") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp:/127.0.0.1:5555") == transport_error::malformed_endpoint);
    }
    SECTION("unsupported scheme")
    {
        CHECK(parse_fails("udp://127.0.0.1:5555") == transport_error::unsupported_transport);
        CHECK(parse_fails("pgm://eth0;239.192.1.1:5555") == transport_error::unsupported_transport);
        CHECK(parse_fails("TCP://127.0.0.1:5555") == transport_error::unsupported_transport);
    }
    SECTION("no port")
    {
        CHECK(parse_fails("tcp://127.0.0.1") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp://127.0.0.1:") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://[::1]") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp://[::1]:") == transport_error::invalid_port);
    }
    SECTION("port out of range or not a number")
    {
        CHECK(parse_fails("tcp://127.0.0.1:70000") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://127.0.0.1:65536") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://127.0.0.1:-1") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://127.0.0.1:12ab") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://127.0.0.1: 80") == transport_error::invalid_port);
        CHECK(parse_fails("tcp://127.0.0.1:99999999999999999999") == transport_error::invalid_port);
    }
    SECTION("unbracketed IPv6")
    {
        CHECK(parse_fails("tcp://::1:5555") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp://fe80::1:5555") == transport_error::malformed_endpoint);
    }
    SECTION("bad brackets")
    {
        CHECK(parse_fails("tcp://[::1:5555") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp://[::1]5555") == transport_error::malformed_endpoint);
    }
    SECTION("empty host")
    {
        CHECK(parse_fails("tcp://:5555") == transport_error::malformed_endpoint);
        CHECK(parse_fails("tcp://[]:5555") == transport_error::malformed_endpoint);
    }
    SECTION("empty ipc path")
    {
        CHECK(parse_fails("ipc://") == transport_error::malformed_endpoint);
    }
}

TEST_CASE("endpoint to_string round-trips through parse", "[endpoint]")
{
    const char* canonical[] = {
        "tcp://127.0.0.1:5555", "tcp://[::1]:1",         "tcp://localhost:65535",
        "tcp://*:0",            "tcp://[fe80::1]:8080", "ipc:///tmp/x.sock",
        "ipc://@abstract",      "ipc://rel/path.sock",
    };
    for (const char* s : canonical) {
        INFO(s);
        const auto ep = parse_ok(s);
        CHECK(ep.to_string() == s);
        const auto again = parse_ok(ep.to_string());
        CHECK(again.transport == ep.transport);
        CHECK(again.host == ep.host);
        CHECK(again.port == ep.port);
        CHECK(again.path == ep.path);
    }
}

TEST_CASE("transport errors have a category and messages", "[endpoint]")
{
    const std::error_code ec = transport_error::invalid_port;
    CHECK(std::string(ec.category().name()) == "zmtp.transport");
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message() != std::error_code(transport_error::malformed_endpoint).message());
}
