// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The metadata every mechanism exchanges (NULL's READY, PLAIN's INITIATE
    and READY, CURVE's boxed INITIATE and READY), and the checks on the
    peer's, in one place.
*/

#include "zmtp/peer_info.hpp"
#include "zmtp/security.hpp"

#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace zmtp {

/** How one step of a mechanism's handshake ended. */
enum class handshake_status {
    in_progress, ///< more commands to come
    ready,       ///< the handshake is complete
    auth,        ///< waiting for the caller's auth_reply (servers only)
    failed,      ///< see the error code
};

/** Our properties: `Socket-Type`, then `Identity` (REQ, DEALER and ROUTER
    only, even when empty), then the application's, in libzmq's order. */
metadata make_local_metadata(socket_type type, std::string_view routing_id, const metadata& extra);

/** Parses the peer's property list into `peer` and checks its
    `Socket-Type` against `ours`. An incompatible type appends an ERROR to
    `out` (RFC 37 recommends one) and fails. */
bool accept_peer_metadata(std::span<const std::byte> data, socket_type ours, peer_info& peer,
                          std::vector<std::byte>& out, std::error_code& ec);

/** Applies the caller's answer to an auth_request: on 200 the peer gets
    the reply's user id and properties and true is returned; otherwise an
    ERROR carrying the status code is queued (none for 300, as libzmq) and
    `ec` is error::auth_refused. */
bool apply_auth_reply(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);

/** Reads an ERROR the peer sent during the handshake into `reason`; `ec`
    becomes auth_failed_by_peer for a ZAP status ("400"), else peer_error
    (or malformed_command). Always returns status::failed. */
handshake_status peer_refused(std::span<const std::byte> data, std::string& reason,
                              std::error_code& ec);

/** Status code of an ERROR reason that is a ZAP status ("300", "400",
    "500"), or 0. */
int zap_status_of(std::string_view reason) noexcept;

} // namespace zmtp
