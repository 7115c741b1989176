// SPDX-License-Identifier: MIT
#pragma once

/** @file
    CURVE's MESSAGE boxes (RFC 26 "MESSAGE"): after the handshake every
    frame travels as a MESSAGE command whose box holds a flags octet and the
    frame's body, under the connection's transient keys.

    @par Wire form (libzmq 4.3.4's, byte for byte)
        00|02 size  07 'MESSAGE'  short-nonce(8, BE)  MAC(16)  box(flags(1) body)
    The frame itself is a plain frame (flags 0), as libzmq 4.3.4 sends it
    (RFC 26 names MESSAGE a command; libzmq accepts either framing, and so
    does the decoder's sealed mode).
    The box's 24-byte nonce is "CurveZMQMESSAGEC" (client to server) or
    "CurveZMQMESSAGES" (server to client) followed by the short nonce.
    Flags: bit 0 MORE; bit 1 "command" (PING, PONG, SUBSCRIBE ... ride in
    MESSAGE boxes too: a libzmq extension RFC 26 leaves reserved).

    Each direction's short nonce is a counter that must strictly increase
    ("The server SHALL verify that the short nonce ... is strictly greater
    than the previous"); a repeat or a step back is a replay and fails.
    Boxes are sealed and opened in place: libsodium allows the plaintext
    and the ciphertext to overlap, so no buffer is copied twice.
*/

#include "zmtp/curve_keys.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

namespace zmtp {

class curve_codec {
public:
    /// Bytes a MESSAGE adds to a body: name (8) + short nonce (8) + MAC (16) + flags (1).
    static constexpr std::size_t overhead = 33;
    static constexpr std::uint8_t flag_more = 0x01;
    static constexpr std::uint8_t flag_command = 0x02;

    curve_codec() = default;
    curve_codec(const curve_codec&) = delete;
    curve_codec& operator=(const curve_codec&) = delete;
    ~curve_codec();

    /** Precomputes the shared key of `peer_public` and `our_secret` (the
        transient keys) and sets the direction: a client seals with the
        "...C" prefix and opens "...S", a server the reverse. */
    [[nodiscard]] bool init(const curve_key& peer_public, const curve_key& our_secret,
                            bool as_server) noexcept;

    /// The precomputed key, for the handshake's own boxes (INITIATE, READY).
    const unsigned char* shared_key() const noexcept { return key_; }

    /// The next short nonce of ours (the handshake's boxes take theirs here too).
    std::uint64_t next_nonce() noexcept { return ++sent_; }
    /// Sets where our counter stands (a client's HELLO took nonce 1).
    void set_sent(std::uint64_t n) noexcept { sent_ = n; }
    /** Accepts `n` as the peer's next short nonce: false (a replay) unless it
        is greater than every one before. */
    bool accept_peer_nonce(std::uint64_t n) noexcept;

    /// Size of the whole command frame, header included, for a body of `n` bytes.
    static std::size_t frame_size(std::size_t n) noexcept;

    /** Writes the MESSAGE command frame for `body` to `dst` (frame_size()
        bytes). `body` may not overlap `dst`. */
    void seal(std::uint8_t flags, std::span<const std::byte> body, std::byte* dst) noexcept;

    /** Opens a MESSAGE command in place. `cmd` is the whole command body
        (name included). On success `flags` and `body` (a view into `cmd`)
        are set. Fails with bad_nonce, bad_box or malformed_command. */
    bool open(std::span<std::byte> cmd, std::uint8_t& flags, std::span<std::byte>& body,
              std::error_code& ec) noexcept;

private:
    alignas(16) unsigned char key_[32]{};
    bool as_server_ = false;
    std::uint64_t sent_ = 0;
    std::uint64_t peer_ = 0;
};

/** Builds a 24-byte nonce from a 16- or 8-byte ASCII prefix and the rest. */
void make_nonce(unsigned char (&nonce)[24], std::string_view prefix,
                std::span<const std::byte> rest) noexcept;

} // namespace zmtp
