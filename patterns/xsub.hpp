// SPDX-License-Identifier: MIT
#pragma once

/** @file
    SUB and XSUB: receive from publishers, telling them what to send.

    Subscriptions are reference counted locally: subscribing twice to "A"
    needs two unsubscribes, and only the last one sends CANCEL. Every
    (re)connected publisher is sent all current subscriptions as soon as its
    handshake completes (libzmq waits until the application next calls into
    the socket). In the form the peer expects: SUBSCRIBE/CANCEL commands to
    ZMTP 3.1, `0x01`/`0x00` data frames to ZMTP 3.0.

    SUB also filters on receipt, so a publisher that does not filter is
    harmless; the empty subscription matches everything and no subscription
    matches nothing. XSUB delivers everything, and its application sends
    subscriptions itself as `0x01 topic` / `0x00 topic` messages; any other
    message it sends goes to every publisher.

    @see RFC 29/PUBSUB
*/

#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"
#include "patterns/prefix_tree.hpp"

#include <string_view>
#include <vector>

namespace zmtp::patterns {

class xsub_pattern final : public pattern {
public:
    xsub_pattern(pattern_host& host, bool is_xsub) : pattern(host), xsub_(is_xsub) {}

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override;
    void connected(pipe& p) override;
    void readable(pipe& p) override { fq_.activated(p); }
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;
    bool blocks_on_send() const noexcept override { return false; }
    bool can_send() const noexcept override { return xsub_; }

    /// SUB: adds a reference to `topic`; the first one subscribes upstream.
    void subscribe(std::string_view topic);
    /// SUB: drops a reference; the last one cancels upstream. Unknown topics are ignored.
    void unsubscribe(std::string_view topic);

private:
    bool matches(std::string_view topic);
    void broadcast(bool subscribe, std::string_view topic);
    void forget(pipe& p);

    bool xsub_;
    prefix_tree<std::size_t> subs_;
    fq fq_;
    std::vector<pipe*> pipes_; // the publishers subscriptions go to
};

} // namespace zmtp::patterns
