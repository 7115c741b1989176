// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pattern`: what makes a socket a PUSH, a PULL, a PUB ...

    Each socket type is a small class that composes the routing strategies
    (lb: round-robin, fq: fair queueing, router_table, subscriptions) and
    overrides a few hooks. It hears of its pipes through pipe_events, and
    sees its socket through pattern_host. All hooks run on the socket's
    strand, except the front-end hooks (below).
*/

#include "patterns/pattern_host.hpp"
#include "patterns/pipe.hpp"
#include "patterns/pipe_events.hpp"
#include "zmtp/frame.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_type.hpp"

#include <memory>
#include <system_error>

namespace zmtp::patterns {

class pattern : public pipe_events {
public:
    explicit pattern(pattern_host& host) : host_(host) {}
    virtual ~pattern() = default;

    // pipe_events: the defaults of a pattern that does not care.
    void terminated(pipe& p) override { detach(p); }
    void connected(pipe&) override {}
    void disconnected(pipe&) override {}
    void readable(pipe&) override {}
    void writable(pipe&, std::size_t /*freed*/) override {}
    void subscription(pipe&, bool /*subscribe*/, zmtp::frame /*topic*/) override {}

    /** Routes a message. On success `m` is consumed (sent or, where the
        pattern says so, dropped). socket_error::would_block leaves `m` intact. */
    virtual std::error_code send(zmtp::message& m) = 0;
    /// Takes the next message to deliver, if any.
    virtual bool recv(zmtp::message& m) = 0;

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
    /// Would front_send() accept a message now (for socket::events())?
    virtual bool front_send_allowed() const noexcept { return true; }
    /** Finishes a received message: true delivers it -- or, if `ec` was set,
        delivers that error instead (REQ's request_lost); false drops it (a
        stale reply, for example). */
    virtual bool front_received(zmtp::message&, std::error_code& /*ec*/) { return true; }

    /// The options changed (socket::set_options, on the strand).
    virtual void options_changed(const socket_options&) {}

    /** True if blocking sends must run on the strand to learn their outcome
        (ROUTER with router_mandatory, XPUB with xpub_nodrop). */
    virtual bool sync_send() const noexcept { return false; }

    /** True if send() blocks when peers are full (PUSH, DEALER, REQ, PAIR);
        false if it drops instead (PUB, ROUTER). Blocking patterns keep the
        socket's send credit up to date through pattern_host::add_credit(). */
    virtual bool blocks_on_send() const noexcept { return true; }
    virtual bool can_send() const noexcept { return true; }
    virtual bool can_recv() const noexcept { return true; }

protected:
    pattern_host& host_;
};

/// Creates the pattern of socket type `t`.
std::unique_ptr<pattern> make_pattern(zmtp::socket_type t, pattern_host& host);

} // namespace zmtp::patterns
