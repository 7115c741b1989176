// SPDX-License-Identifier: MIT
#pragma once

/** @file
    DEALER (round-robin out, fair-queue in, no envelope), PAIR (the same
    over exactly one peer) and PUSH (the same, without a receive side).

    @see RFC 28/REQREP, RFC 31/EXPAIR
*/

#include "patterns/fq.hpp"
#include "patterns/lb.hpp"
#include "patterns/pattern.hpp"

namespace zmtp::patterns {

class dealer_pattern : public pattern {
public:
    /// `single_peer` makes it a PAIR: a second peer is turned away.
    dealer_pattern(pattern_host& host, bool single_peer) : pattern(host), single_(single_peer) {}

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override;
    void writable(pipe& p, std::size_t freed) override;
    void readable(pipe& p) override { fq_.activated(p); }
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override { return fq_.recv(m); }

protected:
    /** Routes to the next pipe with room; returns it, or null (nothing
        taken). `paid_bytes`: the bytes the sender paid credit for (the body
        before any envelope the pattern added). */
    pipe* send_lb(zmtp::message& m, std::size_t paid_bytes);
    /// As send_lb(), preferring a pipe whose peer is connected now.
    pipe* send_lb_connected_first(zmtp::message& m, std::size_t paid_bytes);
    /// Calls fn(pipe&) for every pipe that can be sent to.
    template <class Fn>
    void for_each_pipe(Fn&& fn)
    {
        lb_.for_each(fn);
    }
    /// Takes the next message and the pipe it came from.
    bool recv_fq(zmtp::message& m, pipe*& from) { return fq_.recv(m, &from); }

private:
    void drop_output(pipe& p);
    /** Passes the change in lb's room on to the socket's send credit, with
        what a sender paid for the message just routed. */
    void publish_credit(std::int64_t prepaid = 0, std::int64_t prepaid_bytes = 0);

    lb lb_;
    fq fq_;
    bool single_;
};

} // namespace zmtp::patterns
