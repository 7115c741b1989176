// SPDX-License-Identifier: MIT
#pragma once

/** @file
    ROUTER: every received message is prefixed with the routing id of the
    peer it came from; a sent message's first frame names the peer to send
    it to.

    Unroutable messages (no such peer, or the peer is full) are dropped, or,
    with router_mandatory, refused with host_unreachable / would_block. A
    peer announcing an identity already in use is given a generated id
    instead (libzmq leaves it anonymous and silently never delivers its
    messages, libzmq#4503); with router_handover it takes the id over.

    @see RFC 28/REQREP
*/

#include "patterns/fq.hpp"
#include "patterns/pattern.hpp"
#include "patterns/router_table.hpp"

#include <atomic>

namespace zmtp::patterns {

class router_pattern : public pattern {
public:
    /// `use_identities` = false ignores the peers' Identity (REP's inner ROUTER).
    router_pattern(pattern_host& host, bool use_identities);

    void attach(pipe& p) override;
    void detach(pipe& p) override;
    void terminated(pipe& p) override { table_.remove(p, true); }
    void connected(pipe& p) override;
    void readable(pipe& p) override { fq_.activated(p); }
    void writable(pipe& p, std::size_t freed) override;
    std::error_code send(zmtp::message& m) override;
    bool recv(zmtp::message& m) override;
    bool blocks_on_send() const noexcept override { return false; }
    bool sync_send() const noexcept override;
    void options_changed(const socket_options& o) override;

private:
    fq fq_;
    router_table table_;
    bool use_identities_;
    std::atomic<bool> mandatory_; // router_mandatory, read by senders on any thread
};

} // namespace zmtp::patterns
