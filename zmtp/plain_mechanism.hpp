// SPDX-License-Identifier: MIT
#pragma once

/** @file
    The PLAIN security mechanism (RFC 24), both roles, as a pure state machine.

    @par Theory of operation
        client                         server
        HELLO user password   ->
                                       (auth_request: the caller decides)
                              <-       WELCOME            | ERROR "400"
        INITIATE metadata     ->
                              <-       READY metadata
    The server hands the credentials to its caller (status auth) and goes
    on when the caller answers with on_auth(). PLAIN sends the password in
    clear: it authenticates, it does not protect.

    libzmq 4.3.4's PLAIN server sends its ERROR with a broken name octet
    (`5e 'RROR'`, a C escape gone wrong); the connection recognises that
    form too, so a refusal from libzmq is reported as one.
*/

#include "zmtp/command.hpp"
#include "zmtp/handshake_metadata.hpp"
#include "zmtp/security.hpp"

#include <string>
#include <system_error>
#include <vector>

namespace zmtp {

class plain_mechanism {
public:
    using status = handshake_status;

    plain_mechanism(socket_type type, std::string routing_id, metadata extra,
                    const security_options& sec);
    ~plain_mechanism();
    plain_mechanism(const plain_mechanism&) = delete;
    plain_mechanism& operator=(const plain_mechanism&) = delete;

    /// A client's HELLO; a server sends nothing first.
    void start(std::vector<std::byte>& out, std::error_code& ec);
    status on_command(const command_view& cmd, peer_info& peer, std::vector<std::byte>& out,
                      std::error_code& ec);
    /// The credentials, valid after on_command() returned status::auth.
    const auth_request& request() const noexcept { return request_; }
    /// The caller's answer to request().
    status on_auth(const auth_reply& reply, peer_info& peer, std::vector<std::byte>& out,
                   std::error_code& ec);
    const std::string& error_reason() const noexcept { return reason_; }

private:
    enum class state { hello, auth, welcome, initiate, ready, failed };
    status peer_error(const command_view& cmd, std::error_code& ec);

    socket_type type_;
    std::string routing_id_;
    metadata extra_;
    bool server_;
    std::string username_;
    std::string password_;
    state state_;
    auth_request request_;
    std::string reason_;
};

} // namespace zmtp
