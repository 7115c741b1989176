// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::socket_event`: what happened to a socket's endpoints and connections.
*/

#include <string>
#include <string_view>
#include <system_error>

namespace zmtp {

/** One socket event. */
struct socket_event {
    enum class kind {
        listening,           ///< bind() succeeded; endpoint is the bound one
        bind_failed,         ///< bind() failed (reason)
        accept_failed,       ///< accepting a connection failed (reason: EMFILE, say); retried after a pause
        accepted,            ///< a connection was accepted; endpoint is the remote
        connected,           ///< an outgoing connection was established
        connect_retried,     ///< a connection attempt failed (reason); another follows
        handshake_succeeded, ///< the ZMTP handshake with a peer completed
        handshake_failed,    ///< the handshake failed (reason: the zmtp::error)
        disconnected,        ///< an established connection ended (reason)
        closed,              ///< an endpoint (or the socket itself) was closed; a
                             ///< connect endpoint too, when it will not be retried
    };
    kind what;
    std::string endpoint;
    std::error_code reason;
    /** handshake_failed: the ZAP status of a refusal ("400"), ours or the
        peer's, or the reason text of the peer's ERROR; else empty. */
    std::string detail = {};
    /** The socket's own endpoint the event concerns, where it differs from
        `endpoint`: for a connection accepted by a listener, the bound
        endpoint (libzmq's monitor reports that one); else empty. */
    std::string local = {};
};

/// "listening", "connect-retried", "handshake-failed", ...
std::string_view to_string(socket_event::kind k) noexcept;

} // namespace zmtp
