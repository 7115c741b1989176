// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The CURVE server (RFC 26 CurveZMQ over RFC 25), as a pure state machine.

    @par Theory of operation
    HELLO is checked (version 1.0, its box opens with C' and our secret
    key), WELCOME carries our transient key S' and a cookie: Box[C' + s']
    under a key only this connection knows, so an INITIATE can only answer
    a WELCOME this connection sent. INITIATE is checked in order -- cookie,
    its box under C'/s', then the vouch Box[C' + S] under C/s', which proves
    the client holds the secret half of C -- and only then is the caller
    asked about C (status auth; ZAP gets C as the credential). An accepted
    client gets READY; a refused one ERROR with the ZAP status (libzmq's
    reason text), then the connection ends.
*/

#include "zmtp/command.hpp"
#include "zmtp/curve_codec.hpp"
#include "zmtp/handshake_metadata.hpp"
#include "zmtp/security.hpp"

#include <string>
#include <system_error>
#include <vector>

namespace zmtp {

class curve_server {
public:
    using status = handshake_status;

    curve_server(socket_type type, std::string routing_id, metadata extra,
                 const security_options& sec, curve_codec& codec);
    ~curve_server();
    curve_server(const curve_server&) = delete;
    curve_server& operator=(const curve_server&) = delete;

    /// A server sends nothing first.
    void start(std::vector<std::byte>& out, std::error_code& ec);
    status on_command(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);
    const auth_request& request() const noexcept { return request_; }
    status on_auth(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                   std::error_code& ec);
    const std::string& error_reason() const noexcept { return reason_; }

private:
    enum class state { hello, initiate, auth, failed, ready };
    status on_hello(const command_view& cmd, std::vector<std::byte>& out, std::error_code& ec);
    status on_initiate(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                       std::error_code& ec);

    socket_type type_;
    std::string routing_id_;
    metadata extra_;
    curve_codec& codec_;
    curve_keypair permanent_;      // S, s
    curve_keypair transient_;      // S', s'
    curve_key client_transient_{}; // C'
    unsigned char cookie_key_[32]{};
    state state_ = state::hello;
    auth_request request_;
    std::string reason_;
};

} // namespace zmtp
