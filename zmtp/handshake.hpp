// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `handshake`: the one security mechanism a connection runs (NULL, PLAIN,
    CURVE client or CURVE server), chosen from its security_options, behind
    one interface. The connection talks to this class only; each mechanism
    stays a small state machine of its own.
*/

#include "zmtp/command.hpp"
#include "zmtp/curve_client.hpp"
#include "zmtp/curve_codec.hpp"
#include "zmtp/curve_server.hpp"
#include "zmtp/null_mechanism.hpp"
#include "zmtp/plain_mechanism.hpp"
#include "zmtp/security.hpp"

#include <memory>
#include <variant>

namespace zmtp {

class handshake {
public:
    using status = handshake_status;

    handshake(socket_type type, const std::string& routing_id, const metadata& extra,
              const security_options& sec);

    mechanism kind() const noexcept { return kind_; }

    /// Our first commands, if we speak first; status::auth when a NULL server asks at once.
    status start(std::vector<std::byte>& out, std::error_code& ec);
    /// One command of the peer's handshake.
    status on_command(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);
    /// What the mechanism asks the caller after returning status::auth.
    const auth_request& request() const noexcept;
    /// The caller's answer.
    status on_auth(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                   std::error_code& ec);
    /// The reason text of an ERROR the peer sent.
    const std::string& error_reason() const noexcept;

    /// True for a PLAIN client, which must recognise libzmq's `5e 'RROR'`.
    bool is_plain_client() const noexcept { return kind_ == mechanism::plain && !server_; }
    /// The MESSAGE box codec of a CURVE connection (null for NULL and PLAIN).
    curve_codec* codec() noexcept { return codec_.get(); }

private:
    mechanism kind_;
    bool server_;
    std::unique_ptr<curve_codec> codec_; // before the mechanisms, which refer to it
    std::variant<null_mechanism, plain_mechanism, curve_client, curve_server> mech_;
};

} // namespace zmtp
