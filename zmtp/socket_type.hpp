// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The eleven standard ZeroMQ socket types and RFC 37's compatibility table,
    and STREAM, libzmq's socket for raw TCP peers (no ZMTP at all).
*/

#include <optional>
#include <string_view>

namespace zmtp {

/** A socket type as announced in READY's `Socket-Type` property. */
enum class socket_type {
    pair,
    pub,
    sub,
    req,
    rep,
    dealer,
    router,
    pull,
    push,
    xpub,
    xsub,
    /// Not a ZMTP type: raw TCP peers (libzmq's ZMQ_STREAM); never handshakes.
    stream,
};

/** The wire name of a socket type ("PUSH", "XPUB", ...). */
std::string_view to_string(socket_type t) noexcept;

/** Parses a wire name. Names are matched exactly, as libzmq does. */
std::optional<socket_type> parse_socket_type(std::string_view name) noexcept;

/** True if a socket of type `local` may talk to a peer of type `peer`.
    @see RFC 37/ZMTP "The Socket-Type Property" */
bool is_compatible(socket_type local, socket_type peer) noexcept;

/** True for the types whose READY carries an `Identity` property
    (REQ, DEALER, ROUTER), matching what libzmq 4.3 sends. */
bool sends_identity(socket_type t) noexcept;

} // namespace zmtp
