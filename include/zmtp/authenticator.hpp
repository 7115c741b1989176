// SPDX-License-Identifier: MIT
#pragma once

/** @file
    Authentication (ZAP, RFC 27, in-process): who may connect to a server
    socket.

    A context can have one authenticator (context::set_authenticator()).
    A server socket -- `plain_server`, `curve_server`, or any socket with a
    `zap_domain` -- asks it about each peer once the peer's handshake has
    shown its credentials, and the connection waits for the answer, at most
    `handshake_ivl` (a silent authenticator cannot hold a connection for
    ever). Without an authenticator a server behaves as libzmq does
    without a ZAP handler: PLAIN refuses every client, CURVE accepts every
    client key (encryption without authentication), NULL accepts.

    `standard_authenticator` covers what pyzmq's zmq.auth and CZMQ's zauth
    offer: address allow/deny lists, PLAIN users, CURVE keys, per domain.
*/

#include "zmtp/curve_keys.hpp"
#include "zmtp/security.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace zmtp {

/** A ZAP request: what a server socket knows about a peer. */
struct zap_request {
    /// The socket's zap_domain.
    std::string domain;
    /// The peer's IP address ("127.0.0.1", "::1"), or empty for ipc.
    std::string address;
    /// The server socket's own routing id.
    std::string routing_id;
    mechanism mech = mechanism::null;
    /// PLAIN: user name, password. CURVE: the client's 32-byte public key. NULL: none.
    std::vector<std::string> credentials;
};

/// A ZAP reply: status_code 200 accepts; 300, 400 and 500 refuse.
using zap_reply = auth_reply;

/** Decides on peers. authenticate() runs on a socket's I/O thread and must
    not block it for long; `answer` may be called once, from any thread,
    at once or later. */
class authenticator {
public:
    virtual ~authenticator() = default;
    virtual void authenticate(const zap_request& request, std::function<void(zap_reply)> answer) = 0;
};

/** An authenticator that answers at once with `decide(request)`. */
std::shared_ptr<authenticator> make_authenticator(std::function<zap_reply(const zap_request&)> decide);

/** The usual policy, thread-safe. Checks, in order: the address lists
    (with an allow list, only listed addresses pass; otherwise listed deny
    addresses are refused), then the mechanism -- NULL passes; PLAIN needs
    a user and password configured for the request's domain (or for "*");
    CURVE needs the key allowed for the domain (or "*"), or allow_any_curve.
    Refusals are status 400. The user id is the PLAIN user name, or the
    Z85 form of the CURVE key. */
class standard_authenticator : public authenticator {
public:
    void allow(std::string address);
    void deny(std::string address);
    void add_plain_user(std::string user, std::string password, std::string domain = "*");
    void allow_curve_key(const curve_key& key, std::string domain = "*");
    void allow_any_curve(std::string domain = "*");

    void authenticate(const zap_request& request, std::function<void(zap_reply)> answer) override;

    /// The decision, synchronously.
    zap_reply decide(const zap_request& request) const;

private:
    mutable std::mutex mutex_;
    std::set<std::string> allow_;
    std::set<std::string> deny_;
    std::map<std::string, std::map<std::string, std::string>> users_; // domain -> user -> password
    std::map<std::string, std::set<std::string>> keys_;               // domain -> raw keys
    std::set<std::string> any_curve_;                                  // domains
};

} // namespace zmtp
