// SPDX-License-Identifier: MIT
#pragma once

/** @file
    ZMTP commands: parsing a command body and encoding whole command frames.

    A command frame's body is `name-len(1) name data` (RFC 37 ABNF
    `command-name = short-size 1*255command-name-char`; the prose's "null
    octet separator" is contradicted by the grammar and by libzmq's bytes).
*/

#include "zmtp/metadata.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp {

/// Command names are compared as exact, case-sensitive bytes.
namespace command_name {
inline constexpr std::string_view ready = "READY";
inline constexpr std::string_view error = "ERROR";
inline constexpr std::string_view ping = "PING";
inline constexpr std::string_view pong = "PONG";
inline constexpr std::string_view subscribe = "SUBSCRIBE";
inline constexpr std::string_view cancel = "CANCEL";
} // namespace command_name

/// RFC 37: "ping-context = 0*16OCTET".
inline constexpr std::size_t max_ping_context = 16;

/** A command body split into its name and data (views into the body). */
struct command_view {
    std::string_view name;
    std::span<const std::byte> data;
};

/** Splits a command body. Fails with error::malformed_command when the name
    is empty or its length runs past the body. */
std::optional<command_view> parse_command(std::span<const std::byte> body, std::error_code& ec);

/** The data of a PING: a TTL in deciseconds and an opaque context. */
struct ping_view {
    std::uint16_t ttl_ds = 0;
    std::span<const std::byte> context;
};

/** Parses PING data. RFC 37 requires the 2-octet TTL; a shorter body is
    error::malformed_command. A context longer than 16 octets is accepted
    and later truncated when echoed, as libzmq does. */
std::optional<ping_view> parse_ping(std::span<const std::byte> data, std::error_code& ec);

/** Parses ERROR data (reason-len(1) reason); error::malformed_command if the
    length runs past the body. */
std::optional<std::string_view> parse_error_reason(std::span<const std::byte> data,
                                                   std::error_code& ec);

// Encoders append one complete command frame, header included, to `out`.

void encode_command(std::string_view name, std::span<const std::byte> data,
                    std::vector<std::byte>& out);
void encode_ready(const metadata& properties, std::vector<std::byte>& out);
/// The reason is truncated to 255 bytes.
void encode_error(std::string_view reason, std::vector<std::byte>& out);
/// The context is truncated to 16 bytes.
void encode_ping(std::uint16_t ttl_ds, std::span<const std::byte> context,
                 std::vector<std::byte>& out);
/// The context is truncated to 16 bytes.
void encode_pong(std::span<const std::byte> context, std::vector<std::byte>& out);
void encode_subscribe(std::span<const std::byte> topic, std::vector<std::byte>& out);
void encode_cancel(std::span<const std::byte> topic, std::vector<std::byte>& out);

/// View of a string's bytes.
inline std::span<const std::byte> as_bytes(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

} // namespace zmtp
