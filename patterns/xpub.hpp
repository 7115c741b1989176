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
    interop). Each peer's set is also kept on its own, so that its departure
    costs what it subscribed, not what every peer did, and so that it can be
    bounded: past `max_subscription_bytes` the peer is disconnected. With xpub_nodrop, a message for a full subscriber waits, and
    the messages sent after it wait in the socket's send queue, whose
    senders then block (or get would_block): the publisher's memory stays
    bounded, and nothing is dropped. XPUB hands `0x01 topic` to the application on the first
    subscription to a topic across all peers and `0x00 topic` when the last
    one goes (every one with xpub_verbose / xpub_verboser); data that
    subscribers send upstream reaches XPUB's application too. A
    notification is queued in the inbound queue of the peer that caused it,
    so it counts against that peer's receive high-water mark: a peer that
    churns subscriptions faster than the application reads is paused like
    one that sends data too fast, and its notifications stay in order.

    @see RFC 29/PUBSUB
*/

#include "patterns/detail/ring.hpp"
#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"
#include "patterns/prefix_tree.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace zmtp::patterns {

class xpub_pattern final : public pattern {
public:
    xpub_pattern(pattern_host& host, bool is_xpub) : pattern(host), xpub_(is_xpub) {}

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override;
    void disconnected(pipe& p) override;
    void connected(pipe& p) override;
    void readable(pipe& p) override;
    void writable(pipe& p, std::size_t freed) override;
    void subscription(pipe& p, bool subscribe, zmtp::frame topic) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;
    bool blocks_on_send() const noexcept override { return false; }
    bool can_recv() const noexcept override { return xpub_; }

    /// Number of peers (pipes) attached.
    std::size_t peers() const noexcept { return subscribers_.size(); }
    /// True if some peer's subscription matches `topic`.
    bool has_subscriber(std::string_view topic);
    /** xpub_manual: applies a subscription (or its cancel) for the peer
        whose message the application received last; nothing if none. */
    void manual_subscription(bool subscribe, std::string_view topic);

private:
    struct topic_hash {
        using is_transparent = void; // look up by string_view, no copy
        std::size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };
    /// One peer: its pipe, its own subscriptions and what they cost.
    struct subscriber {
        pipe* p;
        std::unordered_set<std::string, topic_hash, std::equal_to<>> topics;
        std::size_t cost = 0;
        std::uint64_t stamp = 0; ///< the last send that matched it
    };
    subscriber* find(pipe& p);
    /// Drops all of `s`'s subscriptions, telling the application of each
    /// topic left without a subscriber (through s's own queue).
    void forget(subscriber& s);
    /// Removes `s` from `topic`'s subscribers; true if it was the last one.
    bool unlink(subscriber& s, std::string_view topic);
    /// Queues `0x01/0x00 topic` for the application, behind p's messages.
    void notify(pipe& p, bool subscribe, std::string_view topic);
    /// Adds or removes one of `s`'s subscriptions; `report` tells the application.
    void apply(subscriber& s, bool subscribe, std::string_view key, bool report);

    bool xpub_;
    prefix_tree<std::vector<subscriber*>> subs_;
    std::unordered_map<pipe*, std::unique_ptr<subscriber>> subscribers_;
    fq fq_;
    // What detached peers left unread (their pipes are gone): read first.
    detail::ring<zmtp::message> orphans_;
    pipe* last_ = nullptr; // whose message recv() returned last (xpub_manual)
    std::uint64_t stamp_ = 0;
    std::vector<subscriber*> matched_;
};

} // namespace zmtp::patterns
