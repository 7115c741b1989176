// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include "zmtp/metadata.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

TEST_CASE("names compare case-insensitively (ASCII)", "[zmtp][metadata]")
{
    CHECK(iequals("Socket-Type", "socket-type"));
    CHECK(iequals("SOCKET-TYPE", "Socket-Type"));
    CHECK(iequals("", ""));
    CHECK_FALSE(iequals("Identity", "Identit"));
    CHECK_FALSE(iequals("a", "b"));
    CHECK_FALSE(iequals("[", "{")); // not letters: no folding
    CHECK_FALSE(iequals("@", "`"));
}

TEST_CASE("set replaces case-insensitively, get finds case-insensitively", "[zmtp][metadata]")
{
    metadata md;
    CHECK(md.empty());
    md.set("Socket-Type", "PUSH");
    md.set("X-Foo", "1");
    md.set("socket-type", "PULL"); // replaces, keeps the first spelling and position
    REQUIRE(md.properties().size() == 2);
    CHECK(md.properties()[0].name == "Socket-Type");
    CHECK(md.properties()[0].value == "PULL");
    CHECK(md.get("SOCKET-TYPE") == "PULL");
    CHECK(md.get("x-foo") == "1");
    CHECK_FALSE(md.get("X-Bar"));
}

TEST_CASE("encode writes name-len name value-len(BE32) value in order", "[zmtp][metadata]")
{
    metadata md;
    md.set("Socket-Type", "PULL");
    bytes out;
    md.encode_to(out);
    CHECK(out.size() == md.encoded_size());
    CHECK(hex(out) == hex(std::span(vectors::ready_pull).subspan(8)));

    metadata two;
    two.set("A", "");
    two.set("B", std::string(300, 'v'));
    out.clear();
    two.encode_to(out);
    CHECK(out.size() == two.encoded_size());
    CHECK(hex(std::span(out).first(13)) == hex(cat(0x01, "A", 0, 0, 0, 0, 0x01, "B", 0, 0, 0x01, 0x2c, 'v')));
}

TEST_CASE("parse reads libzmq's READY properties", "[zmtp][metadata]")
{
    std::error_code ec;
    // ready_dealer_abc without its header and "\x05READY".
    const auto md = metadata::parse(std::span(vectors::ready_dealer_abc).subspan(8), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(md.properties().size() == 2);
    CHECK(md.properties()[0].name == "Socket-Type");
    CHECK(md.get("socket-type") == "DEALER");
    CHECK(md.get("IDENTITY") == "abc");
}

TEST_CASE("parse keeps unknown properties, binary values and order", "[zmtp][metadata]")
{
    const auto wire = cat(0x05, "X-Foo", 0, 0, 0, 3, "bar", 0x08, "Resource", 0, 0, 0, 0, 0x03,
                          "Bin", 0, 0, 0, 4, 0x00, 0xff, 0x00, 0x01);
    std::error_code ec;
    const auto md = metadata::parse(wire, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(md.properties().size() == 3);
    CHECK(md.properties()[0].name == "X-Foo");
    CHECK(md.properties()[1].name == "Resource");
    CHECK(md.get("resource") == "");
    CHECK(md.get("bin") == std::string_view("\0\xff\0\x01", 4));
    // Round trip.
    bytes out;
    md.encode_to(out);
    CHECK(hex(out) == hex(wire));
    // An empty list is valid.
    CHECK(metadata::parse({}, ec).empty());
    CHECK_FALSE(ec);
}

TEST_CASE("parse refuses properties that run past the body", "[zmtp][metadata]")
{
    const bytes bad[] = {
        cat(0x00, 0, 0, 0, 0),                  // empty name
        cat(0x0b, "Socket"),                    // name length past the body
        cat(0x04, "Name"),                      // no value length
        cat(0x04, "Name", 0, 0, 0),             // value length cut short
        cat(0x04, "Name", 0, 0, 0, 5, "abcd"),  // value past the body
        cat(0x04, "Name", 0xff, 0xff, 0xff, 0xff, "x"), // huge value length
        cat(0x01, "A", 0, 0, 0, 0, 0x01),       // trailing partial property
    };
    for (const auto& in : bad) {
        INFO(hex(in));
        std::error_code ec;
        const auto md = metadata::parse(in, ec);
        CHECK(ec == error::malformed_metadata);
        CHECK(md.empty());
    }
}
