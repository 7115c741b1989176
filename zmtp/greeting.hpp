// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The 64-octet ZMTP greeting.

    @see RFC 37/ZMTP "Greeting"
*/

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

namespace zmtp {

inline constexpr std::size_t greeting_size = 64;

/** The security mechanisms ZMTP names. Only NULL is implemented. */
enum class mechanism { null, plain, curve, gssapi };

/// The wire name ("NULL", "PLAIN", ...).
std::string_view to_string(mechanism m) noexcept;

/** Maps a greeting's 20-octet mechanism field (NUL padded) to a mechanism.
    Matching is exact and case-sensitive, as in libzmq. */
std::optional<mechanism> parse_mechanism(std::span<const std::byte, 20> field) noexcept;

/** The fields of a greeting. */
struct greeting {
    std::uint8_t version_major = 3;
    std::uint8_t version_minor = 1;
    std::array<std::byte, 20> mechanism_field{}; ///< NUL-padded name as sent
    bool as_server = false;

    /// A ZMTP 3.1 greeting for `m`.
    static greeting make(mechanism m, bool as_server = false) noexcept;
};

/** Writes the 64-octet wire form: signature FF 00*8 7F, version, mechanism,
    as-server, 31 zero octets of filler. */
void encode_greeting(const greeting& g, std::span<std::byte, greeting_size> out) noexcept;

/** Incremental greeting parser: accepts the peer's greeting in any
    fragmentation, and fails as early as the bytes allow.

    It checks only what identifies a ZMTP 3.x peer: octet 0 is 0xFF, octet 9
    has bit 0 set (the only bit libzmq tests), and the major version is at
    least 3. RFC 37: "A peer SHALL NOT assign any significance to the padding
    field" -- octets 1..8 are never inspected (libzmq puts the identity length
    there). The mechanism is checked by the caller, which knows its own.
*/
class greeting_decoder {
public:
    /** Consumes bytes up to the end of the greeting and returns how many it
        used. Sets `ec` on a bad signature or version; errors are sticky. */
    std::size_t feed(std::span<const std::byte> in, std::error_code& ec) noexcept;

    bool done() const noexcept { return have_ == greeting_size; }
    std::size_t bytes_seen() const noexcept { return have_; }

    /// The parsed greeting. Precondition: done().
    greeting value() const noexcept;

private:
    std::array<std::byte, greeting_size> buf_{};
    std::size_t have_ = 0;
    std::error_code ec_;
};

} // namespace zmtp
