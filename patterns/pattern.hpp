// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pattern`: what makes a socket a PUSH, a PULL, a PUB ...

    Each socket type is a small class that composes the routing strategies
    (lb, fq, ...) and overrides a few hooks. All hooks run on the socket's
    strand.
*/

#include "patterns/pipe.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"

#include <memory>
#include <system_error>

namespace zmtp::patterns {

class socket_core;

class pattern {
public:
    explicit pattern(socket_core& core) : core_(core) {}
    virtual ~pattern() = default;

    /// A pipe joins the socket (connect time, or after an accepted handshake).
    virtual void attach(pipe& p) = 0;
    /// A pipe leaves the socket (idempotent).
    virtual void detach(pipe& p) = 0;
    /** The pipe's peer is gone for good, but messages it already delivered
        may still be read: stop routing output to it. detach() follows once
        its inbound queue is empty. The default detaches at once. */
    virtual void terminated(pipe& p) { detach(p); }
    /// The pipe's writer took `freed` messages from its outbound queue.
    virtual void writable(pipe&, std::size_t /*freed*/) {}
    /// The pipe received a message.
    virtual void readable(pipe&) {}
    /// The pipe's peer completed a handshake (again, after a reconnect).
    virtual void connected(pipe&) {}
    /// A subscription arrived on the pipe (PUB/XPUB).
    virtual void subscription(pipe&, bool /*subscribe*/, zmtp::frame /*topic*/) {}

    /** Routes a message. On success `m` is consumed (sent or, where the
        pattern says so, dropped). socket_error::would_block leaves `m` intact. */
    virtual std::error_code send(zmtp::message& m) = 0;
    /// Takes the next message to deliver, if any.
    virtual bool recv(zmtp::message& m) = 0;

    /// A connecting pipe lost its connection (it stays, and reconnects).
    virtual void disconnected(pipe&) {}

    //------------------------------------------------------------------------
    // Front-end hooks: run on the thread that calls send/recv (the strand for
    // the async API). They keep the lockstep state of REQ and REP, which must
    // answer at call time, and move envelopes on and off messages, so that
    // messages can be queued ahead of the caller without losing track of
    // which request a reply belongs to.

    /// Checks and prepares an outgoing message (REQ/REP state, envelopes).
    virtual std::error_code front_send(zmtp::message&) { return {}; }
    /// The message given to front_send() was accepted.
    virtual void front_sent() {}
    /// The message given to front_send() was refused: undo its changes.
    virtual void front_send_failed(zmtp::message&) {}
    /// May the caller receive now?
    virtual std::error_code front_recv_allowed() { return {}; }
    /** Finishes a received message: true delivers it -- or, if `ec` was set,
        delivers that error instead (REQ's request_lost); false drops it (a
        stale reply, for example). */
    virtual bool front_received(zmtp::message&, std::error_code& /*ec*/) { return true; }

    /** True if blocking sends must run on the strand to learn their outcome
        (ROUTER with router_mandatory, XPUB with xpub_nodrop). */
    virtual bool sync_send() const noexcept { return false; }

    /** True if send() blocks when peers are full (PUSH, DEALER, REQ, PAIR);
        false if it drops instead (PUB, ROUTER). Blocking patterns keep the
        socket's send credit up to date through socket_core::add_credit(). */
    virtual bool blocks_on_send() const noexcept { return true; }
    virtual bool can_send() const noexcept { return true; }
    virtual bool can_recv() const noexcept { return true; }

protected:
    socket_core& core_;
};

/// Creates the pattern of socket type `t`.
std::unique_ptr<pattern> make_pattern(zmtp::socket_type t, socket_core& core);

} // namespace zmtp::patterns
