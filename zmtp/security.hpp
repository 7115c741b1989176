// SPDX-License-Identifier: MIT
#pragma once

/** @file
    What a connection needs to run PLAIN or CURVE, and the authentication
    exchange between a server mechanism and its caller.

    A server mechanism does not decide who may connect. Once it has the
    client's credentials (PLAIN's user name and password, CURVE's long-term
    public key) it reports an `auth_request`; the caller answers with an
    `auth_reply` whenever it likes (ZAP, RFC 27, is asynchronous), and the
    handshake goes on. The reply's status codes are ZAP's: 200 accepts, 300
    (temporary), 400 (refused) and 500 (internal error) refuse.
*/

#include "zmtp/curve_keys.hpp"
#include "zmtp/greeting.hpp"
#include "zmtp/metadata.hpp"

#include <string>
#include <vector>

namespace zmtp {

/** The security settings of one connection. The role (client or server)
    comes from here, never from the peer's greeting (libzmq's as-server
    byte is unreliable). */
struct security_options {
    mechanism mech = mechanism::null;
    /// PLAIN or CURVE server; NULL ignores it.
    bool as_server = false;
    /// NULL server: authenticate the peer too (libzmq does when ZAP_DOMAIN is set).
    bool authenticate_null = false;
    /// PLAIN client's credentials (each at most 255 bytes).
    std::string plain_username;
    std::string plain_password;
    /// CURVE: our long-term key pair (both roles).
    curve_keypair curve;
    /// CURVE client: the server's long-term public key.
    curve_key curve_server_key{};

    security_options() = default;
    security_options(const security_options&) = default;
    security_options& operator=(const security_options&) = default;
    ~security_options() { wipe({reinterpret_cast<std::byte*>(plain_password.data()), plain_password.size()}); }
};

/** A server mechanism's question to its caller. */
struct auth_request {
    mechanism mech = mechanism::null;
    /// PLAIN: user name, password. CURVE: the client's 32-byte public key. NULL: none.
    std::vector<std::string> credentials;
};

/** The caller's answer (ZAP's reply, RFC 27). */
struct auth_reply {
    /// 200 accepts; 300, 400 and 500 refuse.
    int status_code = 200;
    /// Becomes the peer's `User-Id` property.
    std::string user_id;
    /// Properties the authenticator attaches to the peer.
    metadata properties;
};

} // namespace zmtp
