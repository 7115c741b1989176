// SPDX-License-Identifier: MIT
#include "zmtp/error.hpp"

#include <string>

namespace zmtp {
namespace {

class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp"; }

    std::string message(int ev) const override
    {
        switch (static_cast<error>(ev)) {
        case error::bad_signature: return "bad greeting signature";
        case error::unsupported_version: return "unsupported ZMTP version (3.0 or later required)";
        case error::unknown_mechanism: return "unknown security mechanism";
        case error::mechanism_mismatch: return "security mechanism mismatch";
        case error::reserved_flags: return "frame sets reserved flag bits";
        case error::more_on_command: return "command frame has the MORE flag";
        case error::frame_too_large: return "frame exceeds the maximum frame size";
        case error::message_too_large: return "message exceeds the maximum message size";
        case error::too_many_frames: return "message exceeds the maximum number of frames";
        case error::command_too_large: return "command exceeds the maximum command size";
        case error::malformed_command: return "malformed command";
        case error::malformed_metadata: return "malformed metadata property";
        case error::unexpected_command: return "unexpected command";
        case error::data_before_ready: return "data frame before the handshake completed";
        case error::missing_socket_type: return "READY without Socket-Type";
        case error::incompatible_socket_type: return "incompatible socket type";
        case error::peer_error: return "peer sent ERROR";
        case error::unexpected_eof: return "connection closed inside a greeting or frame";
        case error::handshake_timeout: return "handshake timed out";
        case error::heartbeat_timeout: return "heartbeat timed out";
        case error::not_ready: return "handshake not complete";
        case error::output_backlog: return "peer does not read: control output backlog over its limit";
        case error::auth_refused: return "authentication refused";
        case error::auth_failed_by_peer: return "the peer refused our credentials";
        case error::bad_box: return "CURVE box failed to open";
        case error::bad_nonce: return "CURVE nonce not increasing (replay)";
        case error::bad_cookie: return "CURVE cookie not issued by this connection";
        case error::bad_vouch: return "CURVE vouch does not match the keys";
        case error::unencrypted_frame: return "a frame that is not a MESSAGE box on a CURVE connection";
        case error::missing_credentials: return "security mechanism not configured: key or name missing";
        }
        return "unknown zmtp error";
    }

    std::error_condition default_error_condition(int ev) const noexcept override
    {
        switch (static_cast<error>(ev)) {
        case error::unsupported_version:
        case error::unknown_mechanism:
        case error::mechanism_mismatch:
        case error::missing_socket_type:
        case error::incompatible_socket_type:
        case error::peer_error:
        case error::auth_refused:
        case error::auth_failed_by_peer:
        case error::bad_vouch:
        case error::missing_credentials:
            return condition::handshake_failed;
        case error::frame_too_large:
        case error::message_too_large:
        case error::too_many_frames:
        case error::command_too_large:
        case error::output_backlog:
            return condition::limit_exceeded;
        case error::handshake_timeout:
        case error::heartbeat_timeout:
            return condition::timeout;
        case error::not_ready:
            return {ev, *this};
        default:
            return condition::protocol_violation;
        }
    }
};

class condition_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "zmtp.condition"; }

    std::string message(int ev) const override
    {
        switch (static_cast<condition>(ev)) {
        case condition::protocol_violation: return "protocol violation";
        case condition::handshake_failed: return "handshake failed";
        case condition::limit_exceeded: return "limit exceeded";
        case condition::timeout: return "timeout";
        }
        return "unknown zmtp condition";
    }
};

} // namespace

const std::error_category& error_category() noexcept
{
    static const error_category_impl instance;
    return instance;
}

const std::error_category& condition_category() noexcept
{
    static const condition_category_impl instance;
    return instance;
}

} // namespace zmtp
