// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Typed errors of the ZMTP protocol core.

    Every failure the core can observe on peer input maps to exactly one
    `zmtp::error` value; related values are grouped by `zmtp::condition`
    so callers can test "was this a protocol violation?" without listing
    codes. Both are standard `std::error_code` / `std::error_condition`
    enums, so they mix freely with Asio's and the system's codes.
*/

#include <system_error>

namespace zmtp {

/** Errors produced by the sans-IO core (greeting, framing, handshake). */
enum class error {
    // greeting
    bad_signature = 1,      ///< byte 0 is not 0xFF or byte 9 lacks bit 0
    unsupported_version,    ///< peer's major version is below 3
    unknown_mechanism,      ///< mechanism name is not one ZMTP defines
    mechanism_mismatch,     ///< peer's mechanism differs from ours
    // framing
    reserved_flags,         ///< a frame sets flag bits 3..7
    more_on_command,        ///< a command frame has the MORE flag
    frame_too_large,        ///< a frame declares more than max_frame_size
    message_too_large,      ///< a message's frames add up past max_message_size
    too_many_frames,        ///< a message has more than max_frames_per_message
    command_too_large,      ///< a command frame exceeds max_command_size
    // commands and handshake
    malformed_command,      ///< name length or body does not fit the frame
    malformed_metadata,     ///< a property's name or value runs past the body
    unexpected_command,     ///< a command not allowed in the current state
    data_before_ready,      ///< a data frame arrived before the peer's READY
    missing_socket_type,    ///< READY without a Socket-Type property
    incompatible_socket_type, ///< RFC 37 forbids this socket-type pairing
    peer_error,             ///< the peer sent an ERROR command
    unexpected_eof,         ///< the stream ended inside a greeting or frame
    // timers (raised by the transport, reported through the same enum)
    handshake_timeout,      ///< the handshake did not finish in time
    heartbeat_timeout,      ///< no traffic within the heartbeat timeout or TTL
    // misuse of the core by its caller
    not_ready,              ///< data sent before the handshake completed
    // resource bounds
    output_backlog,         ///< control output the peer does not read passed max_control_output
    // security mechanisms (PLAIN, CURVE) and authentication
    auth_refused,           ///< the authenticator (ZAP) refused the peer, or no authenticator for PLAIN
    auth_failed_by_peer,    ///< the peer refused us: ERROR with a 3-digit ZAP status (400 ...)
    bad_box,                ///< a CURVE box did not open: wrong key, tampered or truncated
    bad_nonce,              ///< a CURVE short nonce that does not increase (a replay)
    bad_cookie,             ///< a CURVE INITIATE whose cookie this connection did not issue
    bad_vouch,              ///< a CURVE INITIATE whose vouch names other keys
    unencrypted_frame,      ///< a frame that is not a MESSAGE box on a CURVE connection after its handshake
    missing_credentials,    ///< a mechanism's required key or name is not configured
};

/** Broad classes of `zmtp::error`. */
enum class condition {
    protocol_violation = 1, ///< the peer broke the ZMTP grammar or rules
    handshake_failed,       ///< the peer cannot be talked to (version, mechanism, type)
    limit_exceeded,         ///< a configured size or count limit was hit
    timeout,                ///< a handshake or heartbeat timer expired
};

/** The category of `zmtp::error` (name "zmtp"). */
const std::error_category& error_category() noexcept;
/** The category of `zmtp::condition` (name "zmtp.condition"). */
const std::error_category& condition_category() noexcept;

inline std::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

inline std::error_condition make_error_condition(condition c) noexcept
{
    return {static_cast<int>(c), condition_category()};
}

} // namespace zmtp

template <>
struct std::is_error_code_enum<zmtp::error> : std::true_type {};
template <>
struct std::is_error_condition_enum<zmtp::condition> : std::true_type {};
