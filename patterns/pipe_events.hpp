// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pipe_events`: what happens to a socket's pipes, as the pattern hears of
    it (libzmq's i_pipe_events). A session reports its pipe's events here,
    to the pattern directly. All calls come on the socket's strand.
*/

#include "zmtp/frame.hpp"

#include <cstddef>

namespace zmtp::patterns {

class pipe;

class pipe_events {
public:
    /// A pipe joins the socket (connect time, or after an accepted handshake).
    virtual void attach(pipe& p) = 0;
    /// A pipe leaves the socket (idempotent).
    virtual void detach(pipe& p) = 0;
    /** The pipe's peer is gone for good, but messages it already delivered
        may still be read: stop routing output to it. detach() follows once
        its inbound queue is empty. */
    virtual void terminated(pipe& p) = 0;
    /// The pipe's peer completed a handshake (again, after a reconnect).
    virtual void connected(pipe& p) = 0;
    /// A connecting pipe lost its connection (it stays, and reconnects).
    virtual void disconnected(pipe& p) = 0;
    /// The pipe received a message.
    virtual void readable(pipe& p) = 0;
    /// The pipe's writer took `freed` messages from its outbound queue.
    virtual void writable(pipe& p, std::size_t freed) = 0;
    /// A subscription arrived on the pipe (PUB/XPUB).
    virtual void subscription(pipe& p, bool subscribe, zmtp::frame topic) = 0;

protected:
    ~pipe_events() = default;
};

} // namespace zmtp::patterns
