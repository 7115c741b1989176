// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `pipe`: the two message queues between a socket and one peer.

    A pipe counts whole messages against the high-water marks, as libzmq
    does. Its inbound side also counts what the messages cost beyond their
    number: frames (a message of thousands of empty frames costs tens of
    bytes per frame in memory and two on the wire), and the receive chunks
    they keep alive (a small body referencing a 64 KiB chunk whose other
    bytes were consumed keeps all of it). Reading from the peer pauses at
    `frames_per_message` x rcvhwm queued frames, or when the chunks kept
    alive pass twice the queued bytes plus `pin_slack`. The outbound queue is filled by the socket's routing strategy and
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
    /// Inbound frames allowed per message of rcvhwm, on average.
    static constexpr std::size_t frames_per_message = 4;
    /// Receive chunks queued messages may keep alive beyond twice their bytes.
    static constexpr std::size_t pin_slack = 256 * 1024;

    /// High-water marks in messages, and in bytes (0 = no limit).
    /// `conflate`: each queue keeps only its latest message (libzmq's ZMQ_CONFLATE).
    pipe(session& owner, std::size_t sndhwm, std::size_t rcvhwm, std::size_t sndhwm_bytes = 0,
         std::size_t rcvhwm_bytes = 0, bool conflate = false)
        : owner_(&owner), conflate_(conflate),
          // A conflating queue never fills: a write replaces what waits.
          sndhwm_(conflate ? 0 : sndhwm), rcvhwm_(rcvhwm), sndhwm_bytes_(conflate ? 0 : sndhwm_bytes),
          rcvhwm_bytes_(rcvhwm_bytes),
          // The inbound marks as plain limits (0 = none), so that in_full()
          // is four comparisons on the path of every received message.
          in_message_mark_(rcvhwm == 0 ? npos : rcvhwm),
          in_frame_mark_(rcvhwm == 0 ? npos : rcvhwm * frames_per_message),
          in_byte_mark_(rcvhwm_bytes == 0 ? npos : rcvhwm_bytes)
    {
    }

    //------------------------------------------------------------------------
    // Outbound

    /** Room for one more message: below both marks. A message that starts
        below the byte mark is taken whole, so the queue may exceed the byte
        mark by at most one message. */
    bool can_write() const noexcept { return free_slots() != 0; }
    /// Messages that can be written now (0 when either mark is reached).
    std::size_t free_slots() const noexcept
    {
        if (sndhwm_bytes_ != 0 && out_bytes_ >= sndhwm_bytes_)
            return 0;
        if (sndhwm_ == 0)
            return unlimited;
        return out_.size() >= sndhwm_ ? 0 : sndhwm_ - out_.size();
    }
    /// Queues a message for the peer and wakes its writer.
    void write(zmtp::message&& m);
    /** Queues a message ahead of those waiting (a probe), past the marks:
        the strategies count a pipe's room again from free_slots(). */
    void write_first(zmtp::message&& m);
    std::size_t out_size() const noexcept { return out_.size(); }
    std::size_t out_bytes() const noexcept { return out_bytes_; }
    /// Bytes that can be queued before the byte mark (unlimited without one).
    std::size_t byte_room() const noexcept
    {
        if (sndhwm_bytes_ == 0)
            return unlimited;
        return out_bytes_ >= sndhwm_bytes_ ? 0 : sndhwm_bytes_ - out_bytes_;
    }
    bool pop_out(zmtp::message& m)
    {
        if (out_.empty())
            return false;
        m = out_.pop_front();
        if (sndhwm_bytes_ != 0)
            out_bytes_ -= m.bytes();
        return true;
    }
    /// Drops every queued outbound message; returns how many.
    std::size_t drop_out() noexcept
    {
        const auto n = out_.size();
        out_.clear();
        out_.shrink();
        out_bytes_ = 0;
        return n;
    }

    //------------------------------------------------------------------------
    // Inbound

    void push_in(zmtp::message&& m)
    {
        if (conflate_)
            while (has_in())
                (void)pop_in(); // counted as taken (an inproc sender's credit comes back)
        if (rcvhwm_bytes_ != 0)
            in_bytes_ += m.bytes();
        in_frames_ += m.size();
        if (const auto* b = m.first_block()) // small messages are inline: no
            pin(b, m.bytes());                // counting on their path
        in_.push_back(std::move(m));
    }
    bool has_in() const noexcept { return !in_.empty(); }
    std::size_t in_size() const noexcept { return in_.size(); }
    std::size_t in_frames() const noexcept { return in_frames_; }
    /// Bytes of the blocks (receive chunks, mostly) the queued messages keep alive.
    std::size_t in_pinned_bytes() const noexcept { return pinned_bytes_; }
    bool in_full() const noexcept
    {
        return in_.size() >= in_message_mark_ || in_frames_ >= in_frame_mark_ ||
               in_bytes_ >= in_byte_mark_ || pin_excess_ > static_cast<std::ptrdiff_t>(pin_slack);
    }
    /// Takes the oldest inbound message; resumes a paused reader below the low-water mark.
    zmtp::message pop_in();

    //------------------------------------------------------------------------

    session& owner() const noexcept { return *owner_; }
    const zmtp::peer_info& peer() const noexcept { return peer_; }
    void set_peer(const zmtp::peer_info& p) { peer_ = p; }

    /// The routing id ROUTER knows the peer by (set by router_table).
    const std::string& routing_id() const noexcept { return routing_id_; }
    /// connect_routing_id: the id the socket gave this peer itself (empty = none).
    const std::string& given_id() const noexcept { return given_id_; }
    void set_given_id(std::string id) { given_id_ = std::move(id); }

    /** Marks the reader paused if the inbound queue is full: true means the
        engine must stop reading; pop_in() resumes it at the low-water mark. */
    bool pause_reader_if_full() noexcept
    {
        if (!in_full())
            return false;
        reader_paused_ = true;
        return true;
    }

    /// Tell the owner of every message taken (an inproc peer's flow control).
    void report_consumed(bool on) noexcept { report_consumed_ = on; }

    /// Messages dropped at the high-water mark (patterns that drop: PUB, ROUTER).
    std::uint64_t drops() const noexcept { return drops_; }
    void count_drop() noexcept { ++drops_; }

private:
    // The strategies' own bookkeeping, kept here so that they find a pipe's
    // place without a lookup; each touches only its own fields.
    friend class lb; // reads sndhwm_bytes_ too
    friend class fq;
    friend class router_table;
    std::size_t lb_slot_ = npos;          ///< lb: index in its array
    std::size_t lb_counted_ = 0;          ///< lb: free slots counted in the send credit
    std::size_t lb_counted_bytes_ = 0;    ///< lb: byte room counted in it
    std::size_t fq_slot_ = npos;          ///< fq: index in its array
    std::string routing_id_;              ///< router_table: the id routed by
    std::string given_id_;

    session* owner_;
    bool conflate_;
    std::size_t sndhwm_;
    std::size_t rcvhwm_;
    std::size_t sndhwm_bytes_;
    std::size_t rcvhwm_bytes_;
    void enqueue(zmtp::message&& m, bool first);
    /// Counts a message of `bytes` bytes keeping block `b` alive (the inbound
    /// queue is FIFO and messages from one chunk arrive together: consecutive runs).
    void pin(const zmtp::detail::block* b, std::size_t bytes);
    void unpin(const zmtp::detail::block* b, std::size_t bytes);

    struct pinned_run {
        const zmtp::detail::block* block;
        std::size_t messages;
    };

    std::size_t out_bytes_ = 0;
    std::size_t in_bytes_ = 0;
    std::size_t in_frames_ = 0;
    std::size_t in_message_mark_;
    std::size_t in_frame_mark_;
    std::size_t in_byte_mark_;
    std::size_t pinned_bytes_ = 0; // capacity of the blocks kept alive
    // pinned_bytes_ - 2 x the bytes of the messages keeping them
    std::ptrdiff_t pin_excess_ = 0;
    detail::ring<pinned_run> pinned_;
    detail::ring<zmtp::message> out_;
    detail::ring<zmtp::message> in_;
    zmtp::peer_info peer_;
    bool reader_paused_ = false; ///< the engine stopped reading at the HWM
    bool report_consumed_ = false;
    std::uint64_t drops_ = 0;
};

} // namespace zmtp::patterns
