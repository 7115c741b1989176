// SPDX-License-Identifier: MIT
#pragma once

#include "zmtp/metadata.hpp"
#include "zmtp/socket_type.hpp"

#include <cstdint>
#include <string>

namespace zmtp {

/** What the handshake learned about the peer. */
struct peer_info {
    std::uint8_t version_major = 0;
    std::uint8_t version_minor = 0;
    socket_type type = socket_type::pair;
    /// The peer's `Identity` property (empty if absent).
    std::string identity;
    /// Every property of the peer's READY, unknown ones included.
    metadata properties;
    /// The `User-Id` the authenticator gave the peer (empty if none ran).
    std::string user_id;
    /// Properties the authenticator attached to the peer (ZAP metadata).
    metadata auth_properties;
    /// The peer's long-term CURVE public key (CURVE servers only; else empty).
    std::string curve_public_key;

    /** True when the peer speaks ZMTP 3.1 (or later), and so expects
        SUBSCRIBE/CANCEL as commands. libzmq treats only 3.0 as the old form. */
    bool uses_subscribe_commands() const noexcept
    {
        return !(version_major == 3 && version_minor == 0);
    }
};

} // namespace zmtp
