// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The NULL security mechanism as a pure state machine.

    @par Theory of operation
    NULL is symmetric (RFC 37 "The NULL Security Mechanism"): each side sends
    READY with its metadata and waits for the peer's. start() produces our
    READY; on_command() consumes the peer's handshake commands until READY
    (handshake complete) or ERROR (failed). Anything else during the
    handshake -- another command, or a data frame -- is a protocol error.

    READY must carry `Socket-Type`, and its value must be compatible with
    ours (RFC 37 table). An incompatible peer gets an ERROR command before
    the connection closes, as RFC 37 recommends; libzmq sends none, but
    treats either the same.
*/

#include "zmtp/command.hpp"
#include "zmtp/handshake_metadata.hpp"
#include "zmtp/peer_info.hpp"
#include "zmtp/security.hpp"

#include <string>
#include <system_error>
#include <vector>

namespace zmtp {

class null_mechanism {
public:
    using status = handshake_status;

    null_mechanism(socket_type type, std::string routing_id, metadata extra,
                   bool authenticate = false)
        : type_(type),
          routing_id_(std::move(routing_id)),
          extra_(std::move(extra)),
          authenticate_(authenticate)
    {
    }

    /** Appends our READY to `out` -- or, when authenticating, returns
        status::auth and sends READY only once on_auth() accepts (libzmq
        asks ZAP before its READY too). */
    status start(std::vector<std::byte>& out);

    /// The caller's answer to the request start() made.
    status on_auth(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                   std::error_code& ec);
    const auth_request& request() const noexcept { return request_; }

    /** Consumes one handshake command from the peer, filling `peer` and
        appending any reply to `out`. On failure `ec` says why; the reason
        text of a received ERROR is then in error_reason(). */
    status on_command(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);

    /// The reason text of an ERROR the peer sent.
    const std::string& error_reason() const noexcept { return reason_; }

    /// The metadata our READY carries.
    metadata local_metadata() const;

private:
    socket_type type_;
    std::string routing_id_;
    metadata extra_;
    bool authenticate_ = false;
    bool auth_pending_ = false;
    bool peer_ready_ = false;
    auth_request request_;
    std::string reason_;
};

} // namespace zmtp
