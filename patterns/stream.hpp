// SPDX-License-Identifier: MIT
#pragma once

/** @file
    STREAM (libzmq's ZMQ_STREAM): raw TCP peers -- an HTTP client, a device
    that speaks its own protocol -- with ZeroMQ's threading model. No ZMTP:
    the connections run transport/raw_engine.

    Every received message is [routing id, data], data being the bytes of
    one read. A new connection is announced by [id, empty] and a closed one
    by the same once what it sent has been read (stream_notify, on by
    default). Sending [id, data] writes data to that peer; [id, empty]
    closes its connection. An unknown id fails with host_unreachable; a
    peer whose queue is full makes a send wait (or fail with would_block),
    so a peer that never reads holds at most its SNDHWM messages.
*/

#include "patterns/detail/ring.hpp"
#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"
#include "patterns/router_table.hpp"

#include <unordered_set>

namespace zmtp::patterns {

class stream_pattern final : public pattern {
public:
    explicit stream_pattern(pattern_host& host) : pattern(host) {}

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override { table_.remove(p, true); }
    void connected(pipe& p) override;
    void disconnected(pipe& p) override { announce_gone(p); }
    void readable(pipe& p) override { fq_.activated(p); }
    void writable(pipe& p, std::size_t freed) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;
    bool blocks_on_send() const noexcept override { return false; }
    /// The outcome (no such peer, a full peer) is known on the strand only.
    bool sync_send() const noexcept override { return true; }

private:
    void announce(const pipe& p);
    void announce_gone(pipe& p);

    fq fq_;
    router_table table_;
    detail::ring<zmtp::message> notices_;  // [id, ""] of connections come and gone
    std::unordered_set<const pipe*> up_;    // announced as connected
};

} // namespace zmtp::patterns
