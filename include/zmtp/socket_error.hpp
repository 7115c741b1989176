// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `zmtp::socket_error`: errors of the socket API.
*/

#include <system_error>

namespace zmtp {

/** Errors returned by socket operations. */
enum class socket_error {
    would_block = 1,   ///< try_send/try_recv: nothing can be done right now (EAGAIN)
    timed_out,         ///< sndtimeo/rcvtimeo expired (libzmq reports EAGAIN)
    closed,            ///< the socket (or its context) is closed (ETERM)
    not_supported,     ///< the operation does not exist for this socket type (ENOTSUP)
    bad_state,         ///< the pattern's state machine forbids it now (EFSM)
    request_lost,      ///< REQ: the connection carrying the request is gone
    retries_exhausted, ///< REQ: the last resend timed out too
    host_unreachable,  ///< ROUTER with router_mandatory: no peer with that id (EHOSTUNREACH)
    invalid_argument,  ///< a malformed option value or message (EINVAL)
    would_deadlock,    ///< a blocking call that would have to wait, made on the socket's own thread
    subscription_limit, ///< a peer's subscriptions passed max_subscription_bytes (it is dropped)
    not_a_socket,      ///< the socket object was moved from, or never opened (ENOTSOCK)
};

/// The category of socket_error (name "zmtp.socket").
const std::error_category& socket_category() noexcept;

inline std::error_code make_error_code(socket_error e) noexcept
{
    return {static_cast<int>(e), socket_category()};
}

} // namespace zmtp

template <>
struct std::is_error_code_enum<zmtp::socket_error> : std::true_type {};
