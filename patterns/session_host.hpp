// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `session_host`: what a session tells the socket that owns it about its
    connection's life. The socket (socket_core) implements it; what the
    session's pipe carries goes to the pattern instead (pipe_events).
*/

#include "zmtp/authenticator.hpp"
#include "zmtp/socket_event.hpp"
#include "zmtp/socket_options.hpp"
#include "zmtp/socket_type.hpp"

#include "transport/inproc_engine.hpp"

#include <asio/any_io_executor.hpp>

#include <string>
#include <system_error>

namespace zmtp::patterns {

class inproc_registry;
class session;

class session_host {
public:
    virtual const socket_options& options() const noexcept = 0;
    virtual zmtp::socket_type type() const noexcept = 0;
    virtual const asio::any_io_executor& executor() const noexcept = 0;
    /// The context's inproc:// names.
    virtual inproc_registry& inproc() const noexcept = 0;
    /// Who may do the socket's work now (an inproc peer's application thread, too).
    virtual std::shared_ptr<transport::inproc_gate> gate() const = 0;
    /// True once close() was called: no new peer may join.
    virtual bool closing() const noexcept = 0;
    virtual void emit(socket_event::kind k, std::string endpoint, std::error_code reason = {},
                      std::string detail = {}, std::string local = {}) = 0;
    /// The context's authenticator (ZAP), or null.
    virtual std::shared_ptr<zmtp::authenticator> authenticator() const = 0;

    /// The handshake completed (again, after a reconnect).
    virtual void session_ready(session& s) = 0;
    /// A connection that had completed its handshake ended.
    virtual void session_lost(session& s) = 0;
    /// An accepted session lost its connection; it stays while it has messages to read.
    virtual void session_terminated(session& s) = 0;
    /// A terminated session has nothing left to read: it can go.
    virtual void session_drained(session& s) = 0;
    /// A writer went idle (closing waits for that).
    virtual void output_idle() = 0;
    /// A read batch delivered messages: receivers may be served.
    virtual void incoming() = 0;

protected:
    ~session_host() = default;
};

} // namespace zmtp::patterns
