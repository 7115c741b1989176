// SPDX-License-Identifier: MIT
#pragma once

/** @file
    PUB and XPUB: distribute each message to the peers subscribed to a
    prefix of its first frame.

    Filtering happens here, at the publisher: one prefix tree maps each
    subscribed prefix to the peers that asked for it, so a send walks at
    most the length of the topic. A message goes whole to each matching
    peer with room and is dropped (and counted in pipe::dropped) for a peer
    at its high-water mark; send never blocks, unless xpub_nodrop is set,
    in which case it waits (or fails with would_block) while any matching
    peer is full.

    Subscriptions are a per-peer *set*, as in libzmq: a duplicate SUBSCRIBE
    from the same peer changes nothing, and one CANCEL removes it (RFC 37
    says subscriptions are not idempotent; libzmq's behaviour wins, for
    interop). With xpub_nodrop, a message for a full subscriber waits, and
    the messages sent after it wait in the socket's send queue, whose
    senders then block (or get would_block): the publisher's memory stays
    bounded, and nothing is dropped. XPUB hands `0x01 topic` to the application on the first
    subscription to a topic across all peers and `0x00 topic` when the last
    one goes (every one with xpub_verbose / xpub_verboser); data that
    subscribers send upstream reaches XPUB's application too.

    @see RFC 29/PUBSUB
*/

#include "patterns/detail/ring.hpp"
#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"
#include "patterns/prefix_tree.hpp"

#include <cstdint>
#include <vector>

namespace zmtp::patterns {

class xpub_pattern final : public pattern {
public:
    xpub_pattern(socket_core& core, bool is_xpub) : pattern(core), xpub_(is_xpub) {}

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override;
    void readable(pipe& p) override;
    void writable(pipe& p, std::size_t freed) override;
    void subscription(pipe& p, bool subscribe, zmtp::frame topic) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;
    bool blocks_on_send() const noexcept override { return false; }
    bool can_recv() const noexcept override { return xpub_; }

    /// Number of peers (pipes) attached.
    std::size_t peers() const noexcept { return peers_; }
    /// True if some peer's subscription matches `topic`.
    bool has_subscriber(std::string_view topic);

private:
    void forget(pipe& p);
    void notify(bool subscribe, std::string_view topic);

    bool xpub_;
    prefix_tree<std::vector<pipe*>> subs_;
    fq fq_;
    detail::ring<zmtp::message> notifications_;
    std::uint64_t stamp_ = 0;
    std::vector<pipe*> matched_;
    std::size_t peers_ = 0;
};

} // namespace zmtp::patterns
