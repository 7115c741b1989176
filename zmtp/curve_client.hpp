// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The CURVE client (RFC 26 CurveZMQ over RFC 25), as a pure state machine.

    @par Theory of operation
        HELLO    C' + Box[64 zeros](C'->S)                          ->
                                        <- WELCOME Box[S' + cookie](S->C')
        INITIATE cookie + Box[C + vouch + metadata](C'->S')         ->
                 vouch = Box[C' + S](C->S'), proving we own C
                                        <- READY Box[metadata](S'->C')  | ERROR
    C', S' are per-connection (transient) keys: once the handshake is done
    the connection's traffic depends only on them (forward secrecy). The
    command sizes and nonce prefixes are libzmq 4.3.4's: HELLO 200 bytes,
    WELCOME 168, INITIATE 257 + metadata. Short nonces count from 1 (HELLO)
    as libzmq's do.
*/

#include "zmtp/command.hpp"
#include "zmtp/curve_codec.hpp"
#include "zmtp/handshake_metadata.hpp"
#include "zmtp/security.hpp"

#include <string>
#include <system_error>
#include <vector>

namespace zmtp {

class curve_client {
public:
    using status = handshake_status;

    curve_client(socket_type type, std::string routing_id, metadata extra,
                 const security_options& sec, curve_codec& codec);
    ~curve_client();
    curve_client(const curve_client&) = delete;
    curve_client& operator=(const curve_client&) = delete;

    /// Appends HELLO.
    void start(std::vector<std::byte>& out, std::error_code& ec);
    status on_command(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);
    const std::string& error_reason() const noexcept { return reason_; }

private:
    enum class state { welcome, ready, failed };
    status on_welcome(const command_view& cmd, std::vector<std::byte>& out, std::error_code& ec);
    status on_ready(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                    std::error_code& ec);

    socket_type type_;
    std::string routing_id_;
    metadata extra_;
    curve_codec& codec_;
    curve_keypair permanent_;   // C, c
    curve_key server_key_;      // S
    curve_keypair transient_;   // C', c'
    state state_ = state::welcome;
    std::string reason_;
};

} // namespace zmtp
