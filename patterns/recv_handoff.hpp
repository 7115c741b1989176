// SPDX-License-Identifier: MIT
#pragma once

/** @file
    `recv_handoff`: how a received message gets from the pattern, on the
    socket's strand, to the caller of recv().

    @par Theory of operation
    - A receiver on the strand (an async_recv, a coroutine on the socket's
      executor) takes the pattern's next message at once.
    - For receivers on other threads, the strand moves messages, in the
      pattern's fair order, into a bounded lock-free queue while they have
      asked for more (a refill); a receiver pops, and asks again when the
      queue runs low (below half). With nothing there, it sleeps until a
      refill brings some.
    - The queue counts against the receive bounds, as the pipes do: a
      refill stops at min(256, rcvhwm) messages, 4 x that many frames,
      rcvhwm_bytes, or when the receive chunks the queued messages keep
      alive pass twice their bytes plus 256 KiB. A reader that stalls thus
      lets the pipes fill and the engines pause.
    - A receiver on another thread that finds the socket free takes
      ownership (socket_owner.hpp) and takes the pattern's next message
      itself, ahead of the queue's refill. It does not read the
      connections itself: tried, that cost the receiver more CPU per 1 KiB
      message (0.36 -> 0.52 us) and saved no latency, because the I/O
      thread's wait for readability fires for the same bytes anyway.
    - Async receivers that cannot complete are parked, in order, until a
      message (or an error the pattern delivers, REQ's request_lost) comes.
*/

#include "patterns/detail/mpmc_queue.hpp"
#include "patterns/detail/ring.hpp"
#include "patterns/detail/waiter.hpp"
#include "patterns/parked_ops.hpp"
#include "zmtp/message.hpp"
#include "zmtp/socket_options.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>

namespace zmtp::patterns {

class pattern;

class recv_handoff {
public:
    using clock = std::chrono::steady_clock;
    using recv_op = zmtp::detail::async_op<std::error_code, zmtp::message>;

    recv_handoff(socket_strand& strand, pattern& pat, const socket_options& opts,
                 const std::atomic<bool>& closing);

    //------------------------------------------------------------------------
    // Any thread

    /** Receives into `m`, waiting up to `deadline`; `deadline` =
        time_point::min() never waits. */
    bool recv(zmtp::message& m, clock::time_point deadline, std::error_code& ec);
    /// Wakes every blocked receiver (the socket is closing).
    void wake_all() noexcept { waiter_.notify(); }
    /** True if a recv now would find a message (queued, or the pattern's
        next when the socket is free); if not, asks the strand to queue the
        next one that comes (the readiness descriptor then fires). */
    bool readable();
    /// Signal `r` whenever messages are queued (before the socket is shared).
    void also_signal(detail::readiness* r) noexcept { waiter_.also_signal(r); }

    //------------------------------------------------------------------------
    // Strand

    /// An async_recv: completes now if a message is there, else parks in order.
    void start_async(std::unique_ptr<recv_op> op);
    /// The pattern has something new: serve parked receivers, then refill.
    void incoming();
    /// Closing: parked receivers fail with closed.
    void close();

private:
    static bool is_nonblocking(clock::time_point deadline) noexcept
    {
        if (deadline == clock::time_point::max())
            return false;
        return deadline == clock::time_point::min() || deadline <= clock::now();
    }
    bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

    // Any thread.
    void ensure_queue();
    /// Pops from the queue, keeping its byte count.
    bool pop(zmtp::message& m);
    void request_refill();

    // Strand.
    /// What blocking readers were handed first, then the pattern.
    bool take(zmtp::message& m, std::error_code& ec);
    bool next_message(zmtp::message& m);
    void refill();
    void serve_parked();

    socket_strand& strand_;
    pattern& pattern_;
    const socket_options& opts_; // strand only
    const std::atomic<bool>& closing_;

    // Strand state.
    detail::ring<zmtp::message> stash_; // taken from the pattern, not yet queued
    parked_ops<no_extra, zmtp::message> parked_;
    // Receive chunks kept alive by the queue, and the bytes of the messages
    // keeping them, since the queue was last seen empty.
    std::size_t pinned_ = 0;
    std::size_t pinned_message_bytes_ = 0;
    const zmtp::detail::block* last_block_ = nullptr;

    // Shared with application threads.
    std::unique_ptr<detail::mpmc_queue<zmtp::message>> queue_;
    std::once_flag queue_once_;
    std::atomic<bool> queue_ready_{false};
    std::atomic<bool> refill_posted_{false};
    // A reader asked for more, and the strand refills the queue on every
    // arrival until it is full. Written by the strand only; readers read it
    // to skip asking again.
    std::atomic<bool> demand_{false};
    std::atomic<std::size_t> refill_below_{1};
    std::atomic<bool> count_bytes_{false};
    std::atomic<std::int64_t> queued_bytes_{0};
    detail::waiter waiter_; // messages in the queue
};

} // namespace zmtp::patterns
