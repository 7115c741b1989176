// SPDX-License-Identifier: MIT
#include "test_util.hpp"
#include "vectors.hpp"

#include <catch2/catch.hpp>

// Each malformed input yields its typed error and nothing else: the events
// before the error are exactly those the valid prefix earns, whatever the
// fragmentation of the input.

using namespace zmtp;
using namespace zmtp::test;
using t = socket_type;
using log_t = std::vector<std::string>;

namespace {

struct bad_input {
    bad_input(const char* w, bytes in, log_t ex, bool at_eof = false,
              connection_options o = options_for(t::pull))
        : what(w), wire(std::move(in)), expected(std::move(ex)), eof(at_eof), opts(std::move(o))
    {
    }
    const char* what;
    bytes wire;
    log_t expected;
    bool eof;
    connection_options opts;
};

bytes greeting_with(std::size_t index, int value)
{
    auto g = vectors::libzmq_greeting;
    g[index] = std::byte(static_cast<unsigned char>(value));
    return g;
}

const bytes& g() { return vectors::libzmq_greeting; }
bytes peer() { return cat(vectors::libzmq_greeting, vectors::ready_push); }

// READY whose properties are `props` (raw bytes).
bytes ready_raw(const bytes& props) { return command("READY", props); }

void check(const bad_input& c)
{
    INFO(c.what << "\n  input: " << hex(c.wire));
    const auto tr = grind(make_connection(c.opts), c.wire, c.eof);
    CHECK(tr.events == c.expected);
}

} // namespace

TEST_CASE("malformed greetings", "[zmtp][malformed]")
{
    const std::string_view http = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const bad_input cases[] = {
        {"HTTP request", cat(http), {err(error::bad_signature)}},
        {"byte 0 is 0x00", greeting_with(0, 0x00), {err(error::bad_signature)}},
        {"byte 0 is 0xFE", greeting_with(0, 0xFE), {err(error::bad_signature)}},
        {"byte 9 lacks bit 0", greeting_with(9, 0x7E), {err(error::bad_signature)}},
        {"byte 9 is 0x00", greeting_with(9, 0x00), {err(error::bad_signature)}},
        {"ZMTP 1.0 (major 0)", greeting_bytes(0, 0), {err(error::unsupported_version)}},
        {"ZMTP 2.0 (major 1)", greeting_bytes(1, 0), {err(error::unsupported_version)}},
        {"major 2", greeting_bytes(2, 0), {err(error::unsupported_version)}},
        {"mechanism FOO", greeting_bytes(3, 1, "FOO"), {err(error::unknown_mechanism)}},
        {"mechanism null", greeting_bytes(3, 1, "null"), {err(error::unknown_mechanism)}},
        {"mechanism NULL with junk padding",
         cat(std::span(g()).first(16), 0x00, 'X', std::span(g()).subspan(18)),
         {err(error::unknown_mechanism)}},
        {"mechanism PLAIN", greeting_bytes(3, 1, "PLAIN"), {err(error::mechanism_mismatch)}},
        {"mechanism CURVE", greeting_bytes(3, 1, "CURVE"), {err(error::mechanism_mismatch)}},
        {"truncated greeting, EOF", cat(std::span(g()).first(40)), {err(error::unexpected_eof)}, true},
        {"one byte, EOF", cat(0xff), {err(error::unexpected_eof)}, true},
        {"nothing, EOF", bytes{}, {err(error::unexpected_eof)}, true},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("malformed commands and metadata during the handshake", "[zmtp][malformed]")
{
    const bad_input cases[] = {
        {"empty command body", cat(g(), 0x04, 0x00), {err(error::malformed_command)}},
        {"zero-length name", cat(g(), 0x04, 0x01, 0x00), {err(error::malformed_command)}},
        {"name length past the body", cat(g(), 0x04, 0x05, 0x05, "READ"),
         {err(error::malformed_command)}},
        {"name length 255, body 3", cat(g(), 0x04, 0x03, 0xff, "RE"), {err(error::malformed_command)}},
        {"property name length past the body", cat(g(), ready_raw(cat(0x20, "Socket-Type"))),
         {err(error::malformed_metadata)}},
        {"property value length past the body",
         cat(g(), ready_raw(cat(0x0b, "Socket-Type", 0, 0, 0, 0x10, "PUSH"))),
         {err(error::malformed_metadata)}},
        {"value length cut short", cat(g(), ready_raw(cat(0x0b, "Socket-Type", 0, 0))),
         {err(error::malformed_metadata)}},
        {"trailing byte after the properties",
         cat(g(), ready_raw(cat(0x0b, "Socket-Type", 0, 0, 0, 4, "PUSH", 0x01))),
         {err(error::malformed_metadata)}},
        {"READY without properties", cat(g(), command("READY")), {err(error::missing_socket_type)}},
        {"READY without Socket-Type",
         cat(g(), ready_raw(cat(0x08, "Identity", 0, 0, 0, 0, 0x05, "X-Foo", 0, 0, 0, 1, "1"))),
         {err(error::missing_socket_type)}},
        {"unknown Socket-Type value",
         cat(g(), ready_raw(cat(0x0b, "Socket-Type", 0, 0, 0, 3, "FOO"))),
         {err(error::incompatible_socket_type)}},
        {"incompatible Socket-Type", cat(g(), vectors::ready_pull),
         {err(error::incompatible_socket_type)}},
        {"ERROR with a ZAP status", cat(g(), command("ERROR", cat(0x03, "400"))),
         {err(error::auth_failed_by_peer)}},
        {"ERROR with another reason", cat(g(), command("ERROR", cat(0x04, "gone"))),
         {err(error::peer_error)}},
        {"ERROR with a reason past its body", cat(g(), command("ERROR", cat(0x09, "400"))),
         {err(error::malformed_command)}},
        {"ERROR without a reason length", cat(g(), command("ERROR")), {err(error::malformed_command)}},
        {"libzmq PLAIN's ^RROR (name length 0x5e past the body)", cat(g(), 0x04, 0x09, 0x5e, "RROR", 0x03, "400"),
         {err(error::malformed_command)}},
        {"PING during the handshake", cat(g(), vectors::ping_ttl50), {err(error::unexpected_command)}},
        {"SUBSCRIBE during the handshake", cat(g(), vectors::subscribe_a),
         {err(error::unexpected_command)}},
        {"HELLO during the handshake", cat(g(), command("HELLO", cat(0x01, "u", 0x01, "p"))),
         {err(error::unexpected_command)}},
        {"lower-case ready", cat(g(), command("ready", std::span(vectors::ready_push).subspan(8))),
         {err(error::unexpected_command)}},
        {"data frame before READY", cat(g(), vectors::data_hello), {err(error::data_before_ready)}},
        {"EOF before READY", cat(g(), std::span(vectors::ready_push).first(10)),
         {err(error::unexpected_eof)}, true},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("malformed frames after the handshake", "[zmtp][malformed]")
{
    connection_options small = options_for(t::pull);
    small.limits.max_frame_size = 100;
    connection_options lenient = options_for(t::pull);
    lenient.limits.lenient_flags = true;
    const bad_input cases[] = {
        {"oversized frame", cat(peer(), data_frame(std::string(101, 'x'))),
         {"handshake", err(error::frame_too_large)}, false, small},
        {"MORE on a command", cat(peer(), 0x05, 0x07, 0x04, "PING", 0x00, 0x00),
         {"handshake", err(error::more_on_command)}},
        {"MORE on a long command", cat(peer(), 0x07, zeros{7}, 0x07, 0x04, "PING", 0x00, 0x00),
         {"handshake", err(error::more_on_command)}},
        {"reserved flag 0x08", cat(peer(), 0x08, 0x01, "x"), {"handshake", err(error::reserved_flags)}},
        {"reserved flag 0x80", cat(peer(), vectors::data_hello, 0x80, 0x01, "x"),
         {"handshake", "msg:Hello", err(error::reserved_flags)}},
        {"reserved flags accepted when lenient", cat(peer(), 0x08, 0x01, "x", 0x84, 0x05, 0x04, "PONG"),
         {"handshake", "msg:x", "pong"}, false, lenient},
        {"PING with one TTL byte", cat(peer(), command("PING", cat(0x00))),
         {"handshake", err(error::malformed_command)}},
        {"PING without TTL", cat(peer(), command("PING")), {"handshake", err(error::malformed_command)}},
        {"empty command body", cat(peer(), 0x04, 0x00), {"handshake", err(error::malformed_command)}},
        {"command name past its body", cat(peer(), 0x04, 0x03, 0x07, "PI"),
         {"handshake", err(error::malformed_command)}},
        {"ERROR after the handshake", cat(peer(), command("ERROR", cat(0x02, "no"))),
         {"handshake", err(error::peer_error)}},
        {"EOF inside a multipart message", cat(peer(), data_frame("part 1", true), data_frame("part 2", true)),
         {"handshake", err(error::unexpected_eof)}, true},
        {"EOF inside a long header", cat(peer(), 0x02, 0x00, 0x00, 0x00), {"handshake", err(error::unexpected_eof)}, true},
        {"EOF inside a command", cat(peer(), std::span(vectors::ping_lol).first(6)),
         {"handshake", err(error::unexpected_eof)}, true},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("nothing after an error is processed", "[zmtp][malformed]")
{
    // Valid traffic behind the bad frame never surfaces, and no PONG is queued.
    const auto tr = grind(make_connection(t::pull),
                          cat(peer(), 0x10, 0x00, vectors::data_hello, vectors::ping_lol));
    CHECK(tr.events == log_t{"handshake", err(error::reserved_flags)});
    CHECK(tr.output == hex(cat(vectors::our_greeting, vectors::ready_pull)));
}
