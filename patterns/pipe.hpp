// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pipe`: the two message queues between a socket and one peer.

    A pipe counts whole messages against the high-water marks, as libzmq
    does. The outbound queue is filled by the socket's routing strategy and
    drained by the peer's engine; the inbound queue is filled by the engine
    and drained by the socket. Both ends run on the socket's strand.

    A connecting socket creates its pipe at connect() time, so messages
    queue while the peer is not up yet and survive a reconnect; a binding
    socket creates one per accepted peer once its handshake is done.
*/

#include "patterns/detail/ring.hpp"
#include "zmtp/message.hpp"
#include "zmtp/peer_info.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace zmtp::patterns {

class session;

class pipe {
public:
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
    /// Free slots reported for an unlimited (hwm = 0) queue.
    static constexpr std::size_t unlimited = std::size_t{1} << 40;

    pipe(session& owner, std::size_t sndhwm, std::size_t rcvhwm)
        : owner_(&owner), sndhwm_(sndhwm), rcvhwm_(rcvhwm)
    {
    }

    //------------------------------------------------------------------------
    // Outbound

    bool can_write() const noexcept { return sndhwm_ == 0 || out_.size() < sndhwm_; }
    std::size_t free_slots() const noexcept
    {
        if (sndhwm_ == 0)
            return unlimited;
        return out_.size() >= sndhwm_ ? 0 : sndhwm_ - out_.size();
    }
    /// Queues a message for the peer and wakes its writer.
    void write(zmtp::message&& m);
    std::size_t out_size() const noexcept { return out_.size(); }
    bool pop_out(zmtp::message& m)
    {
        if (out_.empty())
            return false;
        m = out_.pop_front();
        return true;
    }
    /// Puts a message back at the head (a writer that could not take it).
    void unpop_out(zmtp::message&& m) { out_.push_front(std::move(m)); }
    /// Drops every queued outbound message; returns how many.
    std::size_t drop_out() noexcept
    {
        const auto n = out_.size();
        out_.clear();
        out_.shrink();
        return n;
    }

    //------------------------------------------------------------------------
    // Inbound

    void push_in(zmtp::message&& m) { in_.push_back(std::move(m)); }
    bool has_in() const noexcept { return !in_.empty(); }
    std::size_t in_size() const noexcept { return in_.size(); }
    bool in_full() const noexcept { return rcvhwm_ != 0 && in_.size() >= rcvhwm_; }
    /// Takes the oldest inbound message; resumes a paused reader below the low-water mark.
    zmtp::message pop_in();

    //------------------------------------------------------------------------

    session& owner() const noexcept { return *owner_; }
    const zmtp::peer_info& peer() const noexcept { return peer_; }
    void set_peer(const zmtp::peer_info& p) { peer_ = p; }

    /// Routing id used by ROUTER (the peer's Identity, or a generated one).
    std::string routing_id;

    // Bookkeeping of the strategies that hold this pipe.
    std::size_t lb_slot = npos;
    std::size_t fq_slot = npos;
    bool reader_paused = false;    ///< the engine stopped reading at the HWM
    bool member = false;           ///< counted as a peer by the pattern
    std::uint64_t match_stamp = 0; ///< PUB: last send that matched this pipe
    std::uint64_t dropped = 0;     ///< messages dropped at the HWM (PUB)

private:
    session* owner_;
    std::size_t sndhwm_;
    std::size_t rcvhwm_;
    detail::ring<zmtp::message> out_;
    detail::ring<zmtp::message> in_;
    zmtp::peer_info peer_;
};

} // namespace zmtp::patterns
