// SPDX-License-Identifier: MIT
#pragma once

/** @file
    ZAP (RFC 27) as libzmq serves it: the C API's contexts authenticate
    through whatever socket the application binds at
    inproc://zeromq.zap.01 (pyzmq's zmq.auth, CZMQ's zauth). Each request
    goes out on one DEALER of the context:

        "" "1.0" request-id domain address identity mechanism credentials...

    and the handler's REP answers

        "" "1.0" request-id status-code status-text user-id metadata

    A reply is matched to its connection by the request id. With no handler
    bound, a connection gets libzmq's answer for that case: PLAIN refused,
    CURVE and NULL accepted. A handler that never answers holds a
    connection no longer than its handshake_ivl.
*/

#include "zmtp/authenticator.hpp"
#include "zmtp/context.hpp"
#include "zmtp/socket.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace zmtp::capi {

class zap_client final : public zmtp::authenticator,
                         public std::enable_shared_from_this<zap_client> {
public:
    explicit zap_client(zmtp::context& ctx) : ctx_(ctx) {}
    void authenticate(const zmtp::zap_request& r, std::function<void(zmtp::zap_reply)> answer) override;
    /// Closes the DEALER (the context is ending); unanswered requests are dropped.
    void stop();

private:
    void receive();
    void on_reply(const zmtp::message& m);

    zmtp::context& ctx_;
    std::mutex mutex_;
    std::unique_ptr<zmtp::socket> dealer_;
    std::uint64_t next_id_ = 1;
    std::map<std::string, std::function<void(zmtp::zap_reply)>> waiting_;
    bool stopped_ = false;
};

} // namespace zmtp::capi
