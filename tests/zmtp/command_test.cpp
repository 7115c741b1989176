// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include "zmtp/command.hpp"

#include <catch2/catch.hpp>

using namespace zmtp;
using namespace zmtp::test;

namespace {

// A command frame's body (drops the 2-byte short header).
std::span<const std::byte> body_of(const bytes& frame_bytes)
{
    return std::span(frame_bytes).subspan(2);
}

} // namespace

TEST_CASE("parse_command splits name and data", "[zmtp][command]")
{
    std::error_code ec = error::bad_signature; // cleared on success
    const auto cmd = parse_command(body_of(vectors::subscribe_a), ec);
    REQUIRE(cmd);
    CHECK_FALSE(ec);
    CHECK(cmd->name == "SUBSCRIBE");
    CHECK(to_string(cmd->data) == "A");

    const auto ready_body = cat(0x05, "READY");
    const auto empty_data = parse_command(ready_body, ec);
    REQUIRE(empty_data);
    CHECK(empty_data->name == "READY");
    CHECK(empty_data->data.empty());

    const auto max_name = cat(0xff, repeat{255, 'N'}, "data");
    const auto longest = parse_command(max_name, ec);
    REQUIRE(longest);
    CHECK(longest->name.size() == 255);
    CHECK(to_string(longest->data) == "data");
}

TEST_CASE("parse_command refuses bodies its name does not fit", "[zmtp][command]")
{
    for (const auto& body : {bytes{}, cat(0x00), cat(0x00, "READY"), cat(0x05, "READ"),
                             cat(0x09, "PIN"), cat(0xff, "X")}) {
        INFO(hex(body));
        std::error_code ec;
        CHECK_FALSE(parse_command(body, ec));
        CHECK(ec == error::malformed_command);
    }
}

TEST_CASE("parse_ping reads the TTL and context", "[zmtp][command]")
{
    std::error_code ec;
    auto cmd = parse_command(body_of(vectors::ping_ttl50), ec);
    REQUIRE(cmd);
    CHECK(cmd->name == "PING");
    auto ping = parse_ping(cmd->data, ec);
    REQUIRE(ping);
    CHECK(ping->ttl_ds == 50);
    CHECK(ping->context.empty());

    cmd = parse_command(body_of(vectors::ping_lol), ec);
    ping = parse_ping(cmd->data, ec);
    REQUIRE(ping);
    CHECK(ping->ttl_ds == 0);
    CHECK(to_string(ping->context) == "LOL");

    // A context over 16 bytes is accepted (it is truncated when echoed).
    cmd = parse_command(body_of(vectors::ping_ctx58), ec);
    ping = parse_ping(cmd->data, ec);
    REQUIRE(ping);
    CHECK(ping->context.size() == 58);

    const auto max_ttl = cat(0xff, 0xfe);
    ping = parse_ping(max_ttl, ec);
    REQUIRE(ping);
    CHECK(ping->ttl_ds == 0xfffe);
}

TEST_CASE("parse_ping requires the 2-byte TTL", "[zmtp][command]")
{
    for (const auto& data : {bytes{}, cat(0x00)}) {
        std::error_code ec;
        CHECK_FALSE(parse_ping(data, ec));
        CHECK(ec == error::malformed_command);
    }
}

TEST_CASE("parse_error_reason", "[zmtp][command]")
{
    std::error_code ec;
    const auto code = cat(0x03, "400");
    auto reason = parse_error_reason(code, ec);
    REQUIRE(reason);
    CHECK(*reason == "400");
    CHECK(reason->data() == reinterpret_cast<const char*>(code.data() + 1)); // a view
    const auto empty = cat(0x00);
    reason = parse_error_reason(empty, ec);
    REQUIRE(reason);
    CHECK(reason->empty());
    // Trailing bytes after the reason are ignored.
    const auto trailing = cat(0x02, "no", "junk");
    reason = parse_error_reason(trailing, ec);
    REQUIRE(reason);
    CHECK(*reason == "no");

    for (const auto& data : {bytes{}, cat(0x04, "400"), cat(0xff)}) {
        CHECK_FALSE(parse_error_reason(data, ec));
        CHECK(ec == error::malformed_command);
    }
}

TEST_CASE("encoders produce libzmq's bytes", "[zmtp][command]")
{
    bytes out;
    encode_ping(50, {}, out);
    CHECK(hex(out) == hex(vectors::ping_ttl50));

    out.clear();
    encode_ping(0, span_of("LOL"), out);
    CHECK(hex(out) == hex(vectors::ping_lol));

    out.clear();
    encode_pong(span_of("LOL"), out);
    CHECK(hex(out) == hex(vectors::pong_lol));

    out.clear();
    encode_pong({}, out);
    CHECK(hex(out) == hex(vectors::pong_empty));

    out.clear();
    encode_pong(std::span(vectors::ping_ctx58).subspan(9), out); // 58-byte context
    CHECK(hex(out) == hex(vectors::pong_ctx16));

    out.clear();
    encode_subscribe(span_of("A"), out);
    CHECK(hex(out) == hex(vectors::subscribe_a));

    out.clear();
    encode_cancel(span_of("A"), out);
    CHECK(hex(out) == hex(vectors::cancel_a));

    out.clear();
    encode_error("400", out);
    CHECK(hex(out) == hex(cat(0x04, 0x0a, 0x05, "ERROR", 0x03, "400")));
}

TEST_CASE("encoders append, and truncate what must be short", "[zmtp][command]")
{
    bytes out = cat("prefix");
    encode_ping(0x1234, std::span(vectors::ping_ctx58).subspan(9), out);
    CHECK(to_string(std::span(out).first(6)) == "prefix");
    // 16 bytes of context at most.
    CHECK(hex(std::span(out).subspan(6)) ==
          hex(cat(0x04, 0x17, 0x04, "PING", 0x12, 0x34, "LOL", repeat{13, 'z'})));

    out.clear();
    encode_error(std::string(300, 'r'), out);
    REQUIRE(out.size() == 9 + 1 + 5 + 1 + 255);
    CHECK(hex(std::span(out).first(9)) == "06 00 00 00 00 00 00 01 06");
    CHECK(std::to_integer<int>(out[15]) == 255);

    // Commands over 255 bytes use the long form with the COMMAND flag.
    out.clear();
    encode_subscribe(pattern(400), out);
    CHECK(hex(std::span(out).first(9)) == "06 00 00 00 00 00 00 01 9a"); // 1 + 9 + 400
    std::error_code ec;
    const auto cmd = parse_command(std::span(out).subspan(9), ec);
    REQUIRE(cmd);
    CHECK(cmd->name == "SUBSCRIBE");
    CHECK(hex(cmd->data) == hex(pattern(400)));
}
